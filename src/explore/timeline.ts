import { InterventionQueue, type Intervention } from "../sim/interventions";
import { runScenario } from "../scenarios/runner";
import type { Scenario } from "../scenarios/types";
import type { JsonObject } from "../sim/json";
import { numberField, stringField } from "./event-fields";
import { NETWORK_NODE, type TraceEvent } from "../sim/types";
import type { NodeView, StepReader, TimerView } from "../sim/world";

/** The most frames one timeline returns (ask for a narrower window or a larger `every`). */
export const MAX_TIMELINE_FRAMES = 1_000;

export interface FrameNode {
  readonly node: string;
  readonly up: boolean;
  /** The node's role when its protocol's view has one (Raft: follower, candidate, leader; 2PC: coordinator...). */
  readonly role: string | null;
  /** The node's term when its protocol has one (Raft's currentTerm). */
  readonly term: number | null;
  /** The leader the node knows of (Raft), else null. */
  readonly leader: string | null;
  /** The node's commitIndex (Raft), else null. */
  readonly commitIndex: number | null;
  readonly state: JsonObject | null;
}

export interface NetworkFrame {
  /** The groups of the partition in force (empty: none). */
  readonly partitions: readonly (readonly string[])[];
  /** Directed links cut by a `cut` fault. */
  readonly cut: readonly { readonly from: string; readonly to: string }[];
  /** Paused nodes (the core's `pause` fault; empty until it lands). */
  readonly paused: readonly string[];
}

/** What a frontend draws at one seq: the world as a stopAtSeq replay to that seq would leave it. */
export interface TimelineFrame {
  readonly seq: number;
  readonly time: number;
  readonly nodes: readonly FrameNode[];
  readonly network: NetworkFrame;
  readonly timers: readonly TimerView[];
}

export interface TimelineOptions {
  readonly fromSeq?: number;
  readonly toSeq?: number;
  /** A frame every this many seqs (default 1); toSeq always gets one. */
  readonly every?: number;
  readonly seed?: number;
  /** The run's schedule (faults injected while paused, a fork's switch): a replay without it is another run. */
  readonly interventions?: readonly Intervention[];
}

export interface Timeline {
  readonly frames: readonly TimelineFrame[];
  /** The events up to toSeq, from the same replay. */
  readonly events: readonly TraceEvent[];
}

function wantedSeqs(from: number, to: number, every: number): number[] {
  if (!Number.isInteger(from) || from < 0)
    throw new Error(`timeline: fromSeq must be a non-negative integer, got ${from}`);
  if (!Number.isInteger(to) || to < from)
    throw new Error(`timeline: toSeq must be an integer >= fromSeq (${from}), got ${to}`);
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`timeline: every must be a positive integer, got ${every}`);
  const frames = Math.floor((to - from) / every) + 1 + ((to - from) % every === 0 ? 0 : 1);
  if (frames > MAX_TIMELINE_FRAMES) {
    throw new Error(
      `timeline: ${frames} frames asked for (seqs ${from}..${to} every ${every}), more than the limit of ${MAX_TIMELINE_FRAMES} (MAX_TIMELINE_FRAMES); narrow the window or raise every`,
    );
  }
  const seqs: number[] = [];
  for (let seq = from; seq <= to; seq += every) seqs.push(seq);
  if (seqs[seqs.length - 1] !== to) seqs.push(to);
  return seqs;
}

/** A node view with its first-class fields (NodeState): read from the protocol's view by name, null where absent. */
export function frameNode(view: NodeView): FrameNode {
  return {
    node: view.node,
    up: view.up,
    role: stringField(view.state, "role"),
    term: numberField(view.state, "term"),
    leader: stringField(view.state, "leader"),
    commitIndex: numberField(view.state, "commitIndex"),
    state: view.state,
  };
}

/** Folds PARTITION (groups or cut) and HEAL events of the network into what is in force. */
class NetworkFold {
  private partitions: string[][] = [];
  private cut: { from: string; to: string }[] = [];
  private paused = new Set<string>();

  apply(event: TraceEvent): void {
    if (event.node === NETWORK_NODE && event.kind === "HEAL") {
      this.partitions = [];
      this.cut = [];
    } else if (event.node === NETWORK_NODE && event.kind === "PARTITION") {
      const groups = event.data?.["groups"];
      const cut = event.data?.["cut"];
      if (Array.isArray(groups)) {
        this.partitions = groups.map((group) =>
          Array.isArray(group) ? group.filter((n) => typeof n === "string") : [],
        );
      }
      if (cut !== null && typeof cut === "object" && !Array.isArray(cut)) {
        const { from, to } = cut;
        if (typeof from === "string" && typeof to === "string") this.cut = [...this.cut, { from, to }];
      }
    }
    const pause = event.data?.["pause"];
    if (typeof pause === "string") this.paused.add(pause);
    const resume = event.data?.["resume"];
    if (typeof resume === "string") this.paused.delete(resume);
  }

  frame(): NetworkFrame {
    return { partitions: this.partitions, cut: this.cut, paused: [...this.paused] };
  }
}

/**
 * Per-seq frames of a run, from ONE replay: the simulation's onStep hook hands over the
 * views and timers after each step, and only the steps that hold a wanted seq are read
 * (a step's events all share the state after it, as a stopAtSeq replay shows). The
 * network's state is folded from the PARTITION/HEAL events through the same step.
 */
export function buildTimeline(scenario: Scenario, options: TimelineOptions = {}): Timeline {
  const from = options.fromSeq ?? 0;
  const to = options.toSeq ?? from + MAX_TIMELINE_FRAMES - 1;
  const seqs = wantedSeqs(from, to, options.every ?? 1);
  const captured: { seq: number; lastSeq: number; views: NodeView[]; timers: TimerView[] }[] = [];
  let next = 0;
  let lastReader: StepReader | undefined;
  const result = runScenario(scenario, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    interventions: new InterventionQueue(options.interventions ?? []),
    stopAtSeq: to,
    onStep: (lastSeq, reader) => {
      lastReader = reader;
      if (next >= seqs.length || (seqs[next] as number) > lastSeq) return;
      const views = reader.views();
      const timers = reader.timers();
      while (next < seqs.length && (seqs[next] as number) <= lastSeq) {
        captured.push({ seq: seqs[next] as number, lastSeq, views, timers });
        next += 1;
      }
    },
  });
  const events = result.events;
  // The run's closing NOTE comes after the last step; nothing changes in it but the trace.
  const lastSeq = events.length - 1;
  if (next < seqs.length && (seqs[next] as number) <= lastSeq) {
    const views = [...result.nodes];
    const timers = lastReader?.timers() ?? [];
    while (next < seqs.length && (seqs[next] as number) <= lastSeq) {
      captured.push({ seq: seqs[next] as number, lastSeq, views, timers });
      next += 1;
    }
  }
  const fold = new NetworkFold();
  let folded = 0;
  const frames: TimelineFrame[] = [];
  for (const item of captured) {
    while (folded < events.length && (events[folded] as TraceEvent).seq <= item.lastSeq) {
      fold.apply(events[folded] as TraceEvent);
      folded += 1;
    }
    const event = events[item.seq];
    if (event === undefined) break;
    frames.push({
      seq: item.seq,
      time: event.time,
      nodes: item.views.map(frameNode),
      network: fold.frame(),
      timers: item.timers,
    });
  }
  return { frames, events };
}
