import type { Ordering } from "../sim/causality";
import type { EventKind, TraceEvent, Violation } from "../sim/types";
import type { NodeView } from "../sim/world";
import type { ScenarioProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import type { Maybe } from "./validate";
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
  list(topic?: string): readonly Scenario[];
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
  cancelRun(runId: string): RunRecord;
  getRun(id: string): RunRecord | undefined;
  listRuns(query: { scenarioId?: Maybe<string>; first?: Maybe<number>; after?: Maybe<string> }): RunPage;
  events(runId: string, query: EventQuery): EventPage;
  violations(runId: string): readonly Violation[];
  /** Every node's state after event atSeq (the end of the run when absent). */
  nodesAt(runId: string, atSeq?: Maybe<number>): Promise<readonly NodeView[]>;
  /** Stored events from fromSeq on, then live ones in seq order; ends when the run ends. */
  follow(runId: string, fromSeq?: Maybe<number>): AsyncIterableIterator<TraceEvent>;
  /** How event a relates to event b (BEFORE: a happened before b), from vector clocks (src/sim/causality.ts). */
  happensBefore(runId: string, a: number, b: number): Ordering;
  /** The seqs of the stored events concurrent with event seq, ascending. */
  concurrentWith(runId: string, seq: number): readonly number[];
  /**
   * The run's history verdicts (linearizability, serializability; null where it has no
   * such history), as stored when it completed; computed on a worker thread (and stored,
   * once the run has ended) for a run stored without them (src/runs/verdicts.ts).
   */
  verdicts(runId: string): Promise<RunVerdicts>;
  close(): Promise<void>;
}
