import { CheckerDriver } from "./checking";
import { Clients, invoke, startRequest } from "./clients";
import type { Core, DeliverItem, NodeRecord, QueueItem, TimerItem } from "./core";
import { applyFault, Triggers } from "./faults";
import type { Intervention, InterventionQueue } from "./interventions";
import { cloneJson, type JsonObject } from "./json";
import { count, plural, verb } from "./english";
import { causeField, eventData, type StopData, type TimerData } from "./event-data";
import { deliver } from "./messages";
import { resume, wait } from "./pause";
import { Network } from "./network";
import { createNode, start } from "./nodes";
import { assert } from "./assert";
import { CORE_LIMITS, type CoreLimits } from "./limits";
import { Scheduler } from "./scheduler";
import type { FaultSpec, SimulationSpec } from "./spec";
import { TraceRecorder, type TraceOptions } from "./trace";
import { NETWORK_NODE, type Context, type Protocol, type StopReason, type TraceEvent, type Violation } from "./types";

export interface SimulationOptions extends TraceOptions {
  /** Stop right after the event with this seq has been recorded and its step has finished. */
  readonly stopAtSeq?: number;
  /** Tighter (or looser) bounds than CORE_LIMITS, e.g. to show a limit in a test. */
  readonly limits?: Partial<CoreLimits>;
  /**
   * Called after the nodes start and after every step that recorded events, with the
   * seq of the last event so far and lazy readers of the state at that point (what a
   * stopAtSeq replay to that seq would show), so one replay can serve many snapshots
   * (src/explore/timeline.ts).
   */
  readonly onStep?: (lastSeq: number, reader: StepReader) => void;
  /**
   * Faults injected into the run and schedules switched to after it started
   * (src/sim/interventions.ts): a replay's fixed list, or a live run's growing one.
   */
  readonly interventions?: InterventionQueue;
}

/** A timer a node has set and not yet seen fire or cancelled: its virtual-time deadline. */
export interface TimerView {
  readonly node: string;
  readonly name: string;
  readonly deadline: number;
}

/** What onStep can read of the world between steps (read only; each call copies). */
export interface StepReader {
  views(): NodeView[];
  timers(): TimerView[];
}

export interface NodeView {
  readonly node: string;
  readonly up: boolean;
  readonly state: JsonObject | null;
}

export interface SimulationResult {
  readonly events: readonly TraceEvent[];
  readonly eventCount: number;
  readonly traceHash: string;
  readonly violations: readonly Violation[];
  readonly stopReason: StopReason;
  /** A sentence that says why the run stopped. */
  readonly stopMessage: string;
  readonly endTime: number;
  readonly nodes: readonly NodeView[];
  /** Client requests that were invoked and never answered. */
  readonly pendingRequests: readonly string[];
}

/**
 * One run of one protocol on one scenario: the event loop. All time is virtual,
 * all randomness comes from the seed, and every effect is an event in the trace,
 * so the same spec and seed always give the same trace hash.
 *
 * The loop pops the scheduler's next item (ordered by time, then scheduling
 * order), runs it as one step, and lets the checkers look after every step that
 * recorded something. The parts live beside it: the network (network.ts),
 * messages (messages.ts), faults and triggers (faults.ts), crash and recovery
 * (nodes.ts), client requests (clients.ts), the protocol's context (context.ts),
 * the trace and its hash (trace.ts), the checkers (checking.ts).
 */
export class Simulation<Config, State> implements Core<Config, State> {
  readonly trace: TraceRecorder;
  readonly network: Network<DeliverItem>;
  readonly nodes = new Map<string, NodeRecord<State>>();
  readonly clients = new Clients();
  readonly limits: CoreLimits;
  private readonly scheduler = new Scheduler<QueueItem>();
  private readonly triggers: Triggers;
  private readonly checking: CheckerDriver<State>;
  private time = 0;
  private ended = false;
  private handlingEvent: { index: number; event: TraceEvent } | undefined;
  private timerIds = 1;
  private messageIds = 1;
  /** Set when an item could not be scheduled because the scheduler was full: the run stops with this. */
  private overflow: string | undefined;

  constructor(
    readonly protocol: Protocol<Config, State>,
    readonly config: Config,
    readonly spec: SimulationSpec,
    private readonly options: SimulationOptions = {},
  ) {
    if (spec.nodes.length === 0) throw new Error("Simulation: a scenario needs at least one node");
    this.limits = { ...CORE_LIMITS, ...options.limits };
    for (const name of spec.nodes) this.nodes.set(name, createNode<State>(name, spec));
    this.network = new Network({
      nodes: spec.nodes,
      seed: spec.seed,
      spec: spec.network,
      maxHeldMessages: this.limits.maxHeldMessages,
    });
    this.trace = new TraceRecorder(
      options,
      () => this.time,
      (event) => {
        if (!this.ended) this.triggers.observe(event);
      },
    );
    this.triggers = new Triggers(
      (at, id) => this.schedule(at, { type: "callback", id }),
      () => this.time,
    );
    this.checking = new CheckerDriver(protocol.checkers(config), this.nodes, this.trace);
  }

  get now(): number {
    return this.time;
  }

  get stopped(): boolean {
    return this.ended;
  }

  get handling(): { index: number; event: TraceEvent } | undefined {
    return this.handlingEvent;
  }

  /** Runs to quiescence or a limit, and returns the trace. */
  run(): SimulationResult {
    const limits = this.spec.limits;
    for (const node of this.nodes.values()) start(this, node);
    for (const item of this.spec.workload) this.triggers.arm(item.trigger, () => startRequest(this, item), "workload");
    for (const fault of this.spec.faults) this.armFault(fault.trigger, fault.action);
    const interventions = this.options.interventions;
    interventions?.attach(() => this.trace.count - 1);
    const onStep = this.options.onStep;
    const reader: StepReader = { views: () => this.views(), timers: () => this.timerViews() };
    if (onStep !== undefined && this.trace.count > 0) onStep(this.trace.count - 1, reader);
    let stopReason: StopReason = "quiescent";
    let stopMessage = "the run stopped because nothing was left to happen: no message in flight, no timer set";
    for (;;) {
      if (this.overflow !== undefined) {
        stopReason = "queueLimit";
        stopMessage = this.overflow;
        break;
      }
      if (this.options.stopAtSeq !== undefined && this.trace.count > this.options.stopAtSeq) {
        stopReason = "stopAtSeq";
        stopMessage = `the replay stopped after event ${this.options.stopAtSeq}`;
        break;
      }
      if (interventions !== undefined) {
        const due = interventions.take(this.trace.count - 1);
        if (due.length > 0) {
          // Between steps, as one step of its own: checked, and shown to onStep, like any other.
          const stepStart = this.trace.count;
          for (const intervention of due) this.intervene(intervention);
          this.network.check();
          if (this.trace.count > stepStart) {
            this.checking.run(this.time, false);
            onStep?.(this.trace.count - 1, reader);
          }
          continue;
        }
      }
      if (this.trace.count >= limits.maxEvents) {
        stopReason = "maxEvents";
        stopMessage = `the run stopped at the scenario's limit of ${plural(limits.maxEvents, "event")} (limits.maxEvents), with ${this.stillScheduled()} still scheduled`;
        break;
      }
      const next = this.scheduler.peek();
      if (next === undefined) break;
      if (this.isStale(next.item)) {
        // A cancelled or superseded timer, or one of a crashed incarnation: it
        // neither advances time nor keeps the run alive.
        this.scheduler.pop();
        continue;
      }
      if (next.time > limits.maxTime) {
        stopReason = "maxTime";
        stopMessage = `the run stopped at the scenario's time limit of ${limits.maxTime} ms (limits.maxTime), with ${this.stillScheduled()} still scheduled`;
        break;
      }
      this.scheduler.pop();
      assert(
        next.time >= this.time,
        () => `time never goes backwards: the next item is due at ${next.time}, now is ${this.time}`,
      );
      this.time = next.time;
      const stepStart = this.trace.count;
      this.step(next.item);
      assert(this.trace.count >= stepStart, "seq only grows: a step never removes events");
      this.network.check();
      if (this.trace.count > stepStart) {
        this.checking.run(this.time, false);
        onStep?.(this.trace.count - 1, reader);
      }
    }
    this.ended = true;
    interventions?.close();
    if (stopReason !== "stopAtSeq") {
      this.checking.run(this.time, true, stopReason);
      const data: StopData = { stopReason };
      this.trace.record(
        NETWORK_NODE,
        "NOTE",
        capitalize(stopMessage) + ".",
        eventData(data),
        this.trace.finalClock(this.nodes.values()),
      );
    }
    this.trace.flush();
    return {
      events: this.trace.kept,
      eventCount: this.trace.count,
      traceHash: this.trace.digest(),
      violations: this.checking.violations,
      stopReason,
      stopMessage,
      endTime: this.time,
      nodes: this.views(),
      pendingRequests: [...this.clients.open.keys()],
    };
  }

  private armFault(trigger: FaultSpec["trigger"], action: FaultSpec["action"]): void {
    this.triggers.arm(trigger, () => applyFault(this, action), "fault");
  }

  /** An injected fault applies now; a new schedule disarms the faults still waiting and arms its own. */
  private intervene(intervention: Intervention): void {
    if (intervention.type === "apply") {
      applyFault(this, intervention.action);
      return;
    }
    this.triggers.disarmFaults();
    for (const fault of intervention.faults) {
      // A time already past at the switch would never come: the fault applies at once instead.
      const trigger =
        fault.trigger.type === "at" && fault.trigger.at < this.time
          ? { type: "at" as const, at: this.time }
          : fault.trigger;
      this.armFault(trigger, fault.action);
    }
  }

  private timerViews(): TimerView[] {
    const timers: TimerView[] = [];
    for (const node of this.nodes.values()) {
      for (const [name, id] of node.timers) {
        const deadline = node.deadlines.get(id);
        if (deadline !== undefined) timers.push({ node: node.name, name, deadline });
      }
    }
    return timers;
  }

  views(): NodeView[] {
    return [...this.nodes.values()].map((node) => ({
      node: node.name,
      up: node.up,
      state: node.up && node.state !== undefined ? cloneJson(this.protocol.view(node.state)) : null,
    }));
  }

  // ---------------------------------------------------------------- the Core the parts share

  node(name: string): NodeRecord<State> {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`unknown node "${name}"`);
    return node;
  }

  schedule(at: number, item: QueueItem): void {
    assert(
      at >= this.time,
      () => `nothing is scheduled in the past: a ${item.type} item for ${at} at time ${this.time}`,
    );
    const limit = this.limits.maxScheduledItems;
    if (this.scheduler.size >= limit) {
      // Stop rather than silently lose a message or timer: the trace would lie.
      this.overflow ??= `the run stopped because ${plural(limit, "item")} (messages, timers and requests) ${verb(limit, "was")} already waiting in the scheduler, its limit (maxScheduledItems)`;
      return;
    }
    this.scheduler.schedule(at, item);
  }

  nextTimerId(): number {
    return this.timerIds++;
  }

  nextMessageId(): number {
    return this.messageIds++;
  }

  react(event: TraceEvent, body: () => void): void {
    const previous = this.handlingEvent;
    // The newest event's index, as it always was (a `when:` fault fired by the event
    // may have recorded one after it; golden traces depend on this).
    this.handlingEvent = { index: this.trace.newest?.index ?? -1, event };
    try {
      body();
    } finally {
      this.handlingEvent = previous;
    }
  }

  handle(node: NodeRecord<State>, event: TraceEvent, body: (ctx: Context, state: State) => void): void {
    this.touched(node.name, false);
    const { state, ctx } = node;
    if (!node.up || state === undefined || ctx === undefined) return;
    this.react(event, () => body(ctx, state));
  }

  cause(): number | undefined {
    return this.handlingEvent?.event.seq;
  }

  touched(node: string, restarted: boolean): void {
    this.checking.touched(node, restarted);
  }

  // ---------------------------------------------------------------- steps

  /** "no items", "1 item", "3 items": what is still due, not counting cancelled or dead timers. */
  private stillScheduled(): string {
    let live = 0;
    for (const entry of this.scheduler.entries()) if (!this.isStale(entry.item)) live += 1;
    return count(live, "item");
  }

  private isStale(item: QueueItem): boolean {
    if (item.type === "callback") return !this.triggers.armed(item.id);
    if (item.type !== "timer") return false;
    const node = this.node(item.node);
    return !node.up || node.timers.get(item.name) !== item.timerId;
  }

  private step(item: QueueItem): void {
    switch (item.type) {
      case "deliver":
        deliver(this, item);
        return;
      case "timer":
        this.fireTimer(item);
        return;
      case "client":
        invoke(this, item);
        return;
      case "callback":
        this.triggers.run(item.id);
        return;
      case "resume":
        resume(this, item);
        return;
    }
  }

  private fireTimer(item: TimerItem): void {
    const node = this.node(item.node);
    if (!node.up || node.timers.get(item.name) !== item.timerId) return;
    if (node.pause !== undefined) {
      wait(this, node, item); // it fires late, when the pause ends
      return;
    }
    assert(node.state !== undefined, () => `an up node has state (${node.name}'s ${item.name} timer fires)`);
    node.timers.delete(item.name);
    const data: TimerData = { timer: item.name, payload: item.payload, ...causeField(this.cause()) };
    const event = this.trace.local(node, "TIMER", `${node.name}'s ${item.name} timer fires.`, eventData(data));
    this.handle(node, event, (ctx, state) =>
      this.protocol.onTimer(ctx, state, { name: item.name, payload: item.payload }),
    );
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
