import { compareEvents, type Ordering } from "../sim/causality";
import type { Intervention } from "../sim/interventions";
import { NETWORK_NODE, type TraceEvent, type Violation } from "../sim/types";
import { canonicalEventLine, type NodeView } from "../sim/world";
import type { StoredRun, StoredVerdicts } from "../store";
import type { FaultlineStore } from "../store/contract";
import { describeError, FaultlineError } from "./errors";
import { outsideNetwork } from "./explore";
import type { TaskPool } from "./pool";
import type { ReplayResult } from "./run-worker";
import type { EventPage, EventQuery } from "./types";
import {
  ARGUMENT_RANGES,
  badArgument,
  DEFAULT_EVENTS_PAGE,
  MAX_EVENTS_PAGE,
  optionalInt,
  optionalKinds,
  optionalName,
  requiredInt,
  requiredName,
  type Maybe,
} from "./validate";
import { parseVerdicts, type RunVerdicts } from "./verdicts";

/**
 * The read side of the run engine: a run's events a page at a time, its violations,
 * happened-before answers from vector clocks, every node's state at a seq (a replay on
 * the run pool, checked against the stored event), and its history verdicts. Every read
 * goes through the store interface, so it is the same on SQLite and PostgreSQL.
 */
export class RunReads {
  /** Verdicts being computed for stored runs, by run id: concurrent requests share one computation. */
  private readonly computingVerdicts = new Map<string, Promise<StoredVerdicts>>();

  constructor(
    private readonly store: FaultlineStore,
    private readonly runPool: TaskPool,
    /** The store's locator, for the verdicts task's own connection. */
    private readonly dbPath: string,
    private readonly closing: () => boolean,
  ) {}

  async events(runId: string, query: EventQuery): Promise<EventPage> {
    const first = optionalInt("first", query.first, ARGUMENT_RANGES.eventsFirst) ?? DEFAULT_EVENTS_PAGE;
    const after = optionalInt("after", query.after, ARGUMENT_RANGES.after);
    const node = optionalName("node", query.node);
    const kinds = optionalKinds(query.kinds);
    await this.requireRun(runId);
    const rows = await this.store.events.page(runId, { after, limit: first + 1, node, kinds });
    const events = rows.slice(0, first);
    const last = events[events.length - 1];
    return { events, nextCursor: last === undefined ? null : last.seq, hasMore: rows.length > first };
  }

  async violations(runId: string): Promise<readonly Violation[]> {
    await this.requireRun(runId);
    return this.store.violations.list(runId);
  }

  async happensBefore(runId: string, a: number, b: number): Promise<Ordering> {
    const first = requiredInt("a", a, ARGUMENT_RANGES.seq);
    const second = requiredInt("b", b, ARGUMENT_RANGES.seq);
    await this.requireRun(runId);
    const x = outsideNetwork(await this.requireEvent(runId, first, "a"), "a");
    return compareEvents(x, outsideNetwork(await this.requireEvent(runId, second, "b"), "b"));
  }

  async concurrentWith(runId: string, seqArgument: number): Promise<readonly number[]> {
    const seq = requiredInt("seq", seqArgument, ARGUMENT_RANGES.seq);
    await this.requireRun(runId);
    const event = outsideNetwork(await this.requireEvent(runId, seq, "seq"), "seq");
    const found: number[] = [];
    // Stored events in seq order, a page at a time, so a long trace is never held whole.
    for (let from = 0; ;) {
      const page = await this.store.events.range(runId, from, MAX_EVENTS_PAGE);
      for (const other of page) {
        if (other.node !== NETWORK_NODE && compareEvents(event, other) === "CONCURRENT") found.push(other.seq);
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < MAX_EVENTS_PAGE) return found;
      from = last.seq + 1;
    }
  }

  async nodesAt(runId: string, atSeqArgument?: Maybe<number>): Promise<readonly NodeView[]> {
    const run = await this.requireRun(runId);
    // atSeq's range is the run's own: 0 to its last stored seq.
    const atSeq = atSeqArgument ?? undefined;
    const source = await this.store.runs.source(runId);
    if (source === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    let stopAtSeq: number;
    if (atSeq === undefined) {
      if (source.finalNodes !== null) return JSON.parse(source.finalNodes) as NodeView[];
      // Not completed: the state after the last stored event (the nodes as they start when there is none).
      stopAtSeq = run.eventCount - 1;
    } else {
      if (run.eventCount === 0) throw badArgument("atSeq", `cannot be used yet: run ${runId} has no events.`);
      stopAtSeq = requiredInt("atSeq", atSeq, { min: 0, max: run.eventCount - 1 });
    }
    const stored = stopAtSeq < 0 ? undefined : await this.store.events.get(runId, stopAtSeq);
    if (stopAtSeq >= 0 && stored === undefined) {
      throw new FaultlineError("INTERNAL", `Run ${runId} has no stored event ${stopAtSeq}.`);
    }
    const file = source.scenarioFile ?? (await this.guessScenarioFile(run.scenarioId));
    let replayed: ReplayResult;
    try {
      replayed = await this.runPool.run<ReplayResult>({
        kind: "replay",
        source: source.scenarioSource,
        file,
        seed: source.seed,
        interventions: JSON.parse(source.schedule) as Intervention[],
        stopAtSeq,
      });
    } catch (error) {
      if (error instanceof FaultlineError) throw error;
      const why = this.closing() ? "the server is shutting down" : describeError(error);
      throw new FaultlineError("INTERNAL", `The replay failed: ${why} (reproduce with seed=${source.seed})`);
    }
    if (stored !== undefined) {
      // The trace is a pure function of scenario and seed, so the replay must meet the stored event exactly.
      const expected = canonicalEventLine(stored);
      const found = replayed.event === null ? "nothing" : canonicalEventLine(replayed.event);
      if (found !== expected) {
        throw new FaultlineError(
          "INTERNAL",
          `Replay diverged: run ${runId} (seed=${source.seed}) stored event ${stopAtSeq} as ${expected.trim()}, ` +
            `but replaying it gave ${found.trim()}. The protocol code has changed since the run was made.`,
        );
      }
    }
    return replayed.nodes;
  }

  async verdicts(runId: string): Promise<RunVerdicts> {
    await this.requireRun(runId);
    const stored = parseVerdicts(
      (await this.store.verdicts.get(runId)) ?? { linearizability: null, serializability: null },
    );
    if (stored.linearizability !== undefined && stored.serializability !== undefined) {
      return { linearizability: stored.linearizability, serializability: stored.serializability };
    }
    let computing = this.computingVerdicts.get(runId);
    if (computing === undefined) {
      const source = await this.store.runs.source(runId);
      if (source === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
      const file = source.scenarioFile ?? (await this.guessScenarioFile((await this.requireRun(runId)).scenarioId));
      const task = { kind: "verdicts", dbPath: this.dbPath, runId, source: source.scenarioSource, file } as const;
      computing = this.runPool.run<StoredVerdicts>(task).finally(() => this.computingVerdicts.delete(runId));
      this.computingVerdicts.set(runId, computing);
    }
    let computed: StoredVerdicts;
    try {
      computed = await computing;
    } catch (error) {
      if (error instanceof FaultlineError) throw error;
      throw new FaultlineError(
        "INTERNAL",
        `The verdicts of run ${runId} could not be computed: ${describeError(error)}`,
      );
    }
    const parsed = parseVerdicts(computed);
    return { linearizability: parsed.linearizability ?? null, serializability: parsed.serializability ?? null };
  }

  async requireRun(runIdArgument: string): Promise<StoredRun> {
    const runId = requiredName("runId", runIdArgument);
    const run = await this.store.runs.get(runId);
    if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    return run;
  }

  private async requireEvent(runId: string, seq: number, argument: string): Promise<TraceEvent> {
    const event = await this.store.events.get(runId, seq);
    if (event !== undefined) return event;
    const count = await this.store.events.count(runId);
    const range = count === 0 ? "it has no events yet" : `its events run from seq 0 to ${count - 1}`;
    throw badArgument(argument, `names no event: run "${runId}" has no event with seq ${seq}; ${range}.`);
  }

  /** For runs stored before the scenario's file was recorded: where the catalog would have found it. */
  async guessScenarioFile(scenarioId: string): Promise<string> {
    const scenario = await this.store.scenarios.get(scenarioId);
    return `${scenario?.topic ?? "unknown"}/${scenarioId}.yaml`;
  }
}
