import type { Ordering } from "../sim/causality";
import type { EventKind, TraceEvent, Violation } from "../sim/types";
import type { NodeView } from "../sim/world";
import type { ScenarioProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import type { RunOwnerFilter } from "../store";
import type { CourseTopic } from "../explore/topics";
import type { Maybe } from "./validate";
import type { Intervention } from "../sim/interventions";
import type { RunVerdicts } from "./verdicts";

export type { LinearizabilityRecord, RunVerdicts, SerializabilityRecord } from "./verdicts";

/** The contract between the GraphQL resolvers and the services behind them. */

export type RunStatus = "RUNNING" | "COMPLETED" | "FAILED";

export interface RunRecord {
  readonly id: string;
  readonly scenarioId: string;
  readonly seed: number;
  readonly status: RunStatus;
  readonly eventCount: number;
  /** sha256 of the canonical event log; null until the run completes. */
  readonly traceHash: string | null;
  /** quiescent | maxTime | maxEvents, once the run has ended. */
  readonly stopReason: string | null;
  /** Why a FAILED run failed. */
  readonly error: string | null;
  /** Milliseconds of wall time per event for a paced run; null for an unpaced one. */
  readonly pace: number | null;
  /** ISO 8601, wall clock of the server (never used inside a simulation). */
  readonly createdAt: string;
  /** ISO 8601, when the run became COMPLETED or FAILED; null while it is RUNNING. */
  readonly finishedAt?: string | null;
  /** True while a live paced run is paused (pauseRun) and releases events only when stepped. */
  readonly paused: boolean;
  /** The run this one was forked from, and how many of its first events it shares with it by construction. */
  readonly parentId: string | null;
  readonly forkedAt: number | null;
}

/**
 * Arguments as a client sent them: optional ones may be absent or null (GraphQL allows
 * both); the run engine checks every one (src/runs/validate.ts).
 */
export interface EventQuery {
  /** Events with seq greater than this (-1 or absent: from the first). */
  readonly after?: Maybe<number>;
  readonly first?: Maybe<number>;
  readonly node?: Maybe<string>;
  readonly kinds?: Maybe<readonly EventKind[]>;
}

export interface StartRunInput {
  readonly scenarioId: string;
  readonly seed?: Maybe<number>;
  readonly pace?: Maybe<number>;
}

export interface EventPage {
  readonly events: readonly TraceEvent[];
  /** Pass as `after` for the next page; null when the page is empty. */
  readonly nextCursor: number | null;
  readonly hasMore: boolean;
}

export interface RunPage {
  readonly runs: readonly RunRecord[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}

export type { ScenarioProblem };
export { FaultlineError, type BusyDetails, type FaultlineErrorCode } from "./errors";

export interface ScenarioService {
  /** Every scenario, or those of one topic (an unknown topic is BAD_USER_INPUT). */
  list(topic?: string): readonly Scenario[];
  /** The course's topics in teaching order (scenarios/topics.yaml). */
  topics(): readonly CourseTopic[];
  get(id: string): Scenario | undefined;
  problems(): readonly ScenarioProblem[];
}

export interface RunService {
  /** Without pace: resolves when the run is COMPLETED (or FAILED). With pace: resolves at once with RUNNING. */
  startRun(input: StartRunInput): Promise<RunRecord>;
  /**
   * Stops a RUNNING run: it becomes FAILED with the error "cancelled by request ...", and
   * the events stored so far are kept. Refuses a run that is not RUNNING (BAD_USER_INPUT).
   */
  cancelRun(runId: string): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** owner: which students' runs to include (grading's owner check); absent: every run. */
  listRuns(query: {
    scenarioId?: Maybe<string>;
    first?: Maybe<number>;
    after?: Maybe<string>;
    owner?: RunOwnerFilter;
  }): Promise<RunPage>;
  events(runId: string, query: EventQuery): Promise<EventPage>;
  violations(runId: string): Promise<readonly Violation[]>;
  /** Every node's state after event atSeq (the end of the run when absent). */
  nodesAt(runId: string, atSeq?: Maybe<number>): Promise<readonly NodeView[]>;
  /** Stored events from fromSeq on, then live ones in seq order; ends when the run ends. */
  follow(runId: string, fromSeq?: Maybe<number>): Promise<AsyncIterableIterator<TraceEvent>>;
  /** Pauses a live paced run before its next event; resolves once it holds it. */
  pauseRun(runId: string): Promise<RunRecord>;
  resumeRun(runId: string): Promise<RunRecord>;
  /** Releases exactly `events` more events of a paused run, which then stays paused. */
  stepRun(runId: string, events: number): Promise<RunRecord>;
  setPace(runId: string, pace: number): Promise<RunRecord>;
  /** A fault in the scenario files' syntax (no at:/when:), applied at the end of the paused run's current step. */
  injectFault(runId: string, fault: unknown): Promise<RunRecord>;
  /** A new run sharing the first atSeq events with its parent, then following `faults` (absent: the parent's schedule). */
  forkRun(runId: string, atSeq: number, faults?: unknown, pace?: Maybe<number>): Promise<RunRecord>;
  /** Runs a scenario sent as YAML (checked like a catalogue file; stored with its source). */
  runScenario(yaml: string, seed?: Maybe<number>, pace?: Maybe<number>): Promise<RunRecord>;
  /** The first seq where the two runs' traces differ; null when they are the same. */
  divergesAt(runId: string, otherId: string): Promise<number | null>;
  /** The run's interventions: with its scenario and seed, what makes its trace. */
  schedule(runId: string): Promise<readonly Intervention[]>;
  /** The scenario a run was made from (the catalogue's, or its own stored source for an ad-hoc or changed one). */
  scenarioOfRun(runId: string): Promise<Scenario>;
  /** How event a relates to event b (BEFORE: a happened before b), from vector clocks (src/sim/causality.ts). */
  happensBefore(runId: string, a: number, b: number): Promise<Ordering>;
  /** The seqs of the stored events concurrent with event seq, ascending. */
  concurrentWith(runId: string, seq: number): Promise<readonly number[]>;
  /**
   * The run's history verdicts (linearizability, serializability; null where it has no
   * such history), as stored when it completed; computed on a worker thread (and stored,
   * once the run has ended) for a run stored without them (src/runs/verdicts.ts).
   */
  verdicts(runId: string): Promise<RunVerdicts>;
  close(): Promise<void>;
}
