import type { Ordering } from "../sim/causality";
import type { EventKind, TraceEvent, Violation } from "../sim/types";
import type { NodeView } from "../sim/world";
import type { ScenarioProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";

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

export interface EventQuery {
  /** Events with seq greater than this. */
  readonly after?: number;
  readonly first?: number;
  readonly node?: string;
  readonly kinds?: readonly EventKind[];
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

export interface ScenarioService {
  list(topic?: string): readonly Scenario[];
  get(id: string): Scenario | undefined;
  problems(): readonly ScenarioProblem[];
}

export interface RunService {
  /** Without pace: resolves when the run is COMPLETED (or FAILED). With pace: resolves at once with RUNNING. */
  startRun(input: { scenarioId: string; seed?: number; pace?: number }): Promise<RunRecord>;
  getRun(id: string): RunRecord | undefined;
  listRuns(query: { scenarioId?: string; first?: number; after?: string }): RunPage;
  events(runId: string, query: EventQuery): EventPage;
  violations(runId: string): readonly Violation[];
  /** Every node's state after event atSeq (the end of the run when absent). */
  nodesAt(runId: string, atSeq?: number): Promise<readonly NodeView[]>;
  /** Stored events from fromSeq on, then live ones in seq order; ends when the run ends. */
  follow(runId: string, fromSeq?: number): AsyncIterableIterator<TraceEvent>;
  /** How event a relates to event b (BEFORE: a happened before b), from vector clocks (src/sim/causality.ts). */
  happensBefore(runId: string, a: number, b: number): Ordering;
  /** The seqs of the stored events concurrent with event seq, ascending. */
  concurrentWith(runId: string, seq: number): readonly number[];
  close(): Promise<void>;
}

/** An error a user caused or can act on; the API maps `code` into the GraphQL error's extensions. */
export class FaultlineError extends Error {
  constructor(
    readonly code: "BAD_USER_INPUT" | "NOT_FOUND" | "RUN_FAILED" | "INTERNAL",
    message: string,
    /** For BAD_USER_INPUT: the argument at fault (e.g. "seed"), for extensions.argumentName. */
    readonly argumentName?: string,
  ) {
    super(message);
    this.name = "FaultlineError";
  }
}
