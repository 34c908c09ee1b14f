import type { Intervention } from "../sim/interventions";
import { randomUUID } from "node:crypto";
import { MAX_DIAGRAM_EVENTS, renderDiagramSvg } from "../explore/diagram";
import {
  CAUSE_LOOKBACK_SEQS,
  causeOf,
  changesOf,
  messageOf,
  needsEarlierEvents,
  type TypedEventFields,
} from "../explore/event-fields";
import { exportRun, MAX_IMPORT_BYTES, type ExportFormat } from "../explore/export";
import { MAX_TIMELINE_FRAMES, type TimelineFrame } from "../explore/timeline";
import { parseScenario } from "../scenarios/loader";
import { formatProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import { NETWORK_NODE, type EventKind, type TraceEvent } from "../sim/types";
import { canonicalEventLine } from "../sim/world";
import type { StoredRun, StoredRunSource } from "../store";
import type { FaultlineStore } from "../store/contract";
import { FaultlineError } from "./errors";
import type { ImportResult, TimelineResult } from "./explore-worker";
import type { WorkerRunService } from "./runs";
import type { ScenarioService } from "./types";
import { MAX_EVENTS_PAGE, optionalInt, requiredName, type Maybe } from "./validate";

/**
 * A trace event with its typed fields (src/explore/event-fields.ts); `cause` may need the
 * node's earlier events from the store, so it is a promise (GraphQL awaits it).
 */
export type TypedEvent = TraceEvent &
  Omit<TypedEventFields, "cause"> & { readonly cause: Promise<TypedEventFields["cause"]> };

/** The event's own fields, and the typed ones as getters that compute on first read. */
function typedEvent(event: TraceEvent, earlierOf: (node: string) => Promise<readonly TraceEvent[]>): TypedEvent {
  return {
    ...event,
    get message() {
      return messageOf(event);
    },
    get changes() {
      return changesOf(event);
    },
    get cause() {
      return (async () => causeOf(event, needsEarlierEvents(event) ? await earlierOf(event.node) : []))();
    },
  };
}

/** A refusal because a client asked for more than a limit allows: BAD_USER_INPUT, naming the limit and its value. */
export class LimitExceeded extends FaultlineError {
  constructor(
    argumentName: string,
    message: string,
    /** The limit's name, for extensions.limit. */
    readonly limit: string,
    readonly maximum: number,
  ) {
    super("BAD_USER_INPUT", message, argumentName);
  }
}

/**
 * Happened-before answers are about the processes of the system: the network's
 * pseudo-events (PARTITION, HEAL, fault NOTEs, checker VIOLATIONs and the run's final
 * NOTE, all at node "network") are no process's steps, so concurrentWith never lists
 * them and naming one in happensBefore or concurrentWith is refused, saying so.
 */
export function outsideNetwork(event: TraceEvent, argument: string): TraceEvent {
  if (event.node !== NETWORK_NODE) return event;
  throw new FaultlineError(
    "BAD_USER_INPUT",
    `Argument "${argument}": event ${event.seq} (${event.kind}) is the network's, not a node's; network ` +
      "pseudo-events stand outside happened-before (no process takes them as a step): ask about node events.",
    argument,
  );
}

/** The most events Run.export writes (the largest run a scenario may make, limits.maxEvents). */
export const MAX_EXPORT_EVENTS = 100_000;
/** The longest importRun data, in characters (over HTTP the request body's own limit comes first). */
export const MAX_IMPORT_CHARS = MAX_IMPORT_BYTES;

export interface TimelineQuery {
  readonly fromSeq?: Maybe<number>;
  readonly toSeq?: Maybe<number>;
  readonly every?: Maybe<number>;
}

/**
 * The read side of runs for frontends (issue 12): typed events, timelines, diagrams,
 * exports and imports. Simulations (a timeline's replay, an import's check) run on the
 * run pool's warm threads; everything else reads the store.
 */
export class RunExplorer {
  constructor(
    private readonly store: FaultlineStore,
    private readonly scenarios: ScenarioService,
    private readonly runs: WorkerRunService,
  ) {}

  /**
   * The events with their typed fields, each computed when first read (a page that asks
   * for none costs nothing more). A protocol's STATE_CHANGE or NOTE is given its cause
   * from the same node's earlier events: on the first such read, one query per node
   * over the page's seqs and CAUSE_LOOKBACK_SEQS before them.
   */
  typedEvents(runId: string, events: readonly TraceEvent[]): TypedEvent[] {
    let earlier: Promise<Map<string, TraceEvent[]>> | undefined;
    const earlierOf = async (node: string): Promise<readonly TraceEvent[]> => {
      earlier ??= this.earlierEvents(runId, events);
      return (await earlier).get(node) ?? [];
    };
    return events.map((event) => typedEvent(event, earlierOf));
  }

  private async earlierEvents(runId: string, events: readonly TraceEvent[]): Promise<Map<string, TraceEvent[]>> {
    const spans = new Map<string, { from: number; to: number }>();
    for (const event of events) {
      if (!needsEarlierEvents(event)) continue;
      const span = spans.get(event.node);
      if (span === undefined) spans.set(event.node, { from: event.seq, to: event.seq });
      else span.to = event.seq;
    }
    const earlier = new Map<string, TraceEvent[]>();
    for (const [node, span] of spans) {
      const after = Math.max(-1, span.from - CAUSE_LOOKBACK_SEQS - 1);
      earlier.set(node, await this.store.events.page(runId, { after, limit: span.to - after, node }));
    }
    return earlier;
  }

  /** Frames of the run from one replay on a worker thread, checked against the stored trace at toSeq. */
  async timeline(runId: string, query: TimelineQuery): Promise<readonly TimelineFrame[]> {
    const run = await this.requireRun(runId);
    if (run.eventCount === 0) {
      throw new FaultlineError("BAD_USER_INPUT", `Run ${runId} has no events yet: there is no timeline to show.`);
    }
    const last = run.eventCount - 1;
    const range = { min: 0, max: last };
    const fromSeq = optionalInt("fromSeq", query.fromSeq, range) ?? 0;
    const every = optionalInt("every", query.every, { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? 1;
    const toSeq =
      optionalInt("toSeq", query.toSeq, { min: fromSeq, max: last }) ??
      Math.min(last, fromSeq + (MAX_TIMELINE_FRAMES - 1) * every);
    const frames = Math.ceil((toSeq - fromSeq) / every) + 1;
    if (frames > MAX_TIMELINE_FRAMES) {
      throw new LimitExceeded(
        "toSeq",
        `Argument "toSeq": seqs ${fromSeq} to ${toSeq} every ${every} make ${frames} frames, more than the limit ` +
          `of ${MAX_TIMELINE_FRAMES} (MAX_TIMELINE_FRAMES); narrow fromSeq/toSeq or raise every.`,
        "MAX_TIMELINE_FRAMES",
        MAX_TIMELINE_FRAMES,
      );
    }
    const source = await this.requireSource(runId);
    const result = await this.runs.exploreTask<TimelineResult>({
      kind: "timeline",
      source: source.scenarioSource,
      file: source.scenarioFile ?? `${run.scenarioId}.yaml`,
      seed: source.seed,
      fromSeq,
      toSeq,
      every,
      interventions: JSON.parse(source.schedule) as Intervention[],
    });
    const stored = await this.store.events.get(runId, toSeq);
    if (stored === undefined || result.lastLine !== canonicalEventLine(stored)) {
      throw new FaultlineError(
        "INTERNAL",
        `Replay diverged: run ${runId} (seed=${source.seed}) does not replay to its stored event ${toSeq}; ` +
          "the protocol code has changed since the run was made.",
      );
    }
    return result.frames;
  }

  /** The run's space-time diagram as SVG, a window of at most MAX_DIAGRAM_EVENTS seqs. */
  async diagram(runId: string, window: { fromSeq?: Maybe<number>; toSeq?: Maybe<number> }): Promise<string> {
    const run = await this.requireRun(runId);
    const last = Math.max(run.eventCount - 1, 0);
    const fromSeq = optionalInt("fromSeq", window.fromSeq, { min: 0, max: last }) ?? 0;
    const toSeq =
      optionalInt("toSeq", window.toSeq, { min: fromSeq, max: Number.MAX_SAFE_INTEGER }) ??
      Math.min(last, fromSeq + MAX_DIAGRAM_EVENTS - 1);
    if (toSeq - fromSeq + 1 > MAX_DIAGRAM_EVENTS) {
      throw new LimitExceeded(
        "toSeq",
        `Argument "toSeq": the window ${fromSeq}..${toSeq} holds ${toSeq - fromSeq + 1} seqs, more than the limit ` +
          `of ${MAX_DIAGRAM_EVENTS} (MAX_DIAGRAM_EVENTS); ask for a narrower fromSeq/toSeq.`,
        "MAX_DIAGRAM_EVENTS",
        MAX_DIAGRAM_EVENTS,
      );
    }
    const scenario = await this.scenarioOf(run);
    return renderDiagramSvg(scenario.spec.nodes, await this.diagramEvents(runId, fromSeq, toSeq), { fromSeq, toSeq });
  }

  /** A COMPLETED run in one of the export formats (src/explore/export.ts). */
  async export(runId: string, format: ExportFormat): Promise<string> {
    const run = await this.requireRun(runId);
    if (run.status !== "COMPLETED" || run.traceHash === null) {
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Run ${runId} is ${run.status}: only a COMPLETED run (with its trace hash) can be exported.`,
        "runId",
      );
    }
    if (run.eventCount > MAX_EXPORT_EVENTS) {
      throw new LimitExceeded(
        "format",
        `Run ${runId} has ${run.eventCount} events, more than the ${MAX_EXPORT_EVENTS} one export writes (MAX_EXPORT_EVENTS).`,
        "MAX_EXPORT_EVENTS",
        MAX_EXPORT_EVENTS,
      );
    }
    const events = await this.readRange(runId, 0, run.eventCount - 1);
    const scenario = await this.scenarioOf(run);
    const interventions = JSON.parse((await this.requireSource(runId)).schedule) as Intervention[];
    return exportRun(format, { scenario, seed: run.seed, interventions, events, traceHash: run.traceHash });
  }

  /**
   * Checks a JSON export on a worker thread (its scenario source re-run with its seed must
   * give its trace hash) and stores it as a new COMPLETED run of that scenario, which
   * must be one this server serves.
   */
  async importRun(data: string): Promise<string> {
    if (data.length > MAX_IMPORT_CHARS) {
      throw new LimitExceeded(
        "data",
        `Argument "data" is ${data.length} characters long, more than the limit of ${MAX_IMPORT_CHARS} (MAX_IMPORT_BYTES).`,
        "MAX_IMPORT_BYTES",
        MAX_IMPORT_CHARS,
      );
    }
    let checked: ImportResult;
    try {
      checked = await this.runs.exploreTask<ImportResult>({ kind: "import", data });
    } catch (error) {
      if (error instanceof FaultlineError) throw error;
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Argument "data": ${error instanceof Error ? error.message : String(error)}`,
        "data",
      );
    }
    if (this.scenarios.get(checked.scenarioId) === undefined) {
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Argument "data": the export is a run of scenario "${checked.scenarioId}", which this server does not serve.`,
        "data",
      );
    }
    const runId = randomUUID();
    const now = new Date().toISOString();
    await this.store.insertCompletedRun(
      {
        id: runId,
        scenarioId: checked.scenarioId,
        seed: checked.seed,
        pace: null,
        scenarioSource: checked.source,
        scenarioFile: checked.file,
        createdAt: now,
        schedule: JSON.stringify(checked.interventions),
      },
      null,
      checked.rows,
      checked.violations,
      {
        eventCount: checked.rows.length,
        traceHash: checked.traceHash,
        stopReason: checked.stopReason,
        finalNodes: JSON.stringify(checked.nodes),
        finishedAt: now,
      },
    );
    return runId;
  }

  // ------------------------------------------------------------------ internals

  /**
   * What the diagram needs, never the whole run: the window, the events after it that
   * end its messages (up to MAX_DIAGRAM_EVENTS more), the SENDs before it of messages
   * that arrive in it, and the crashes, recoveries, partitions and heals before it.
   */
  private async diagramEvents(runId: string, fromSeq: number, toSeq: number): Promise<TraceEvent[]> {
    const window = await this.readRange(runId, fromSeq, toSeq + MAX_DIAGRAM_EVENTS);
    const before: TraceEvent[] = [];
    const kinds: EventKind[] = ["CRASH", "RECOVER", "PARTITION", "HEAL"];
    for (let after = -1; ;) {
      const page = await this.store.events.page(runId, { after, limit: MAX_EVENTS_PAGE, kinds });
      const inside = page.filter((event) => event.seq < fromSeq);
      before.push(...inside);
      const lastEvent = page[page.length - 1];
      if (lastEvent === undefined || inside.length < page.length || page.length < MAX_EVENTS_PAGE) break;
      after = lastEvent.seq;
    }
    const sends = new Set<number>();
    for (const event of window) {
      const sendSeq = event.data?.["sendSeq"];
      if (typeof sendSeq === "number" && sendSeq < fromSeq && event.seq <= toSeq) sends.add(sendSeq);
    }
    for (const seq of sends) {
      const send = await this.store.events.get(runId, seq);
      if (send !== undefined) before.push(send);
    }
    return [...before, ...window].sort((a, b) => a.seq - b.seq);
  }

  /** Stored events fromSeq..toSeq (as many as there are), a page at a time. */
  private async readRange(runId: string, fromSeq: number, toSeq: number): Promise<TraceEvent[]> {
    const events: TraceEvent[] = [];
    for (let from = fromSeq; from <= toSeq;) {
      const page = await this.store.events.range(runId, from, Math.min(MAX_EVENTS_PAGE, toSeq - from + 1));
      events.push(...page);
      const lastEvent = page[page.length - 1];
      if (lastEvent === undefined || page.length < Math.min(MAX_EVENTS_PAGE, toSeq - from + 1)) break;
      from = lastEvent.seq + 1;
    }
    return events;
  }

  /** The scenario as the run was made from it (its stored source), not as the catalog has it now. */
  private async scenarioOf(run: StoredRun): Promise<Scenario> {
    const source = await this.requireSource(run.id);
    const parsed = parseScenario(source.scenarioSource, source.scenarioFile ?? `${run.scenarioId}.yaml`);
    if (!parsed.ok) {
      throw new FaultlineError(
        "INTERNAL",
        `Run ${run.id}'s stored scenario no longer parses: ${parsed.problems.map(formatProblem).join("; ")}`,
      );
    }
    return parsed.scenario;
  }

  private async requireRun(runIdArgument: string): Promise<StoredRun> {
    const runId = requiredName("runId", runIdArgument);
    const run = await this.store.runs.get(runId);
    if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    return run;
  }

  private async requireSource(runId: string): Promise<StoredRunSource> {
    const source = await this.store.runs.source(runId);
    if (source === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    return source;
  }
}
