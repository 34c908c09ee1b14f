import type { EventKind, TraceEvent, Violation } from "../sim/types";
import type { DeleteOutcome, DiskStats, RetentionPolicy, VacuumReport, ReclaimReport } from "./disk";
import type { EventPageQuery, EventRow } from "./events";
import type { NewSubmission, Role, StoredAssignment, StoredStudent, StoredSubmission, TokenIdentity } from "./grading";
import type { NewRun, RunCompletion, RunListQuery, RunOwnerFilter, StoredRun, StoredRunSource } from "./runs";
import type { ScenarioInput, StoredScenario } from "./scenarios";
import type { StoredVerdicts } from "./verdicts";

/**
 * The store interface (issue 13): everything faultline keeps, as one asynchronous
 * contract with two implementations, SQLite (src/store/sqlite.ts, the embedded
 * default, one file) and PostgreSQL (src/store/pg, selected by DATABASE_URL, shared by
 * several API instances and worker processes). Every caller outside src/store holds a
 * FaultlineStore and nothing else; the same contract tests run against both
 * (tests/store/contract.test.ts).
 *
 * Rules both implementations keep:
 * - A run's status changes only from RUNNING (a finished run never changes again).
 * - Trace rows are appended in order with no gap or duplicate, each batch with the
 *   run's new event count in one transaction; a completion stores the last rows, the
 *   violations and COMPLETED in one transaction, so a run is whole or not complete.
 * - Deleting a run deletes its events, violations and verdicts with it.
 */
export interface FaultlineStore {
  /** "sqlite" or "postgres": for reports and messages, never for branching outside src/store. */
  readonly kind: StoreKind;
  /** Where it is, for messages (a file path, or the URL without its password). */
  readonly location: string;
  readonly runs: RunStore;
  readonly events: EventStore;
  readonly scenarios: ScenarioStore;
  readonly violations: ViolationStore;
  readonly verdicts: VerdictStore;
  readonly grading: GradingStore;
  readonly disk: DiskStore;

  /**
   * Appends trace rows of a RUNNING run and its new event count in one transaction.
   * Refuses (storing nothing) when the run is not RUNNING or the rows do not continue
   * its stored trace (first seq = nextSeq). Returns the next seq. With `attempt` (a
   * try's fencing token from runs.takeOver) it also refuses, with SUPERSEDED in the
   * message, when a later try has taken the run over: a stalled worker cannot write
   * into the trace its successor is writing.
   */
  appendEvents(runId: string, nextSeq: number, rows: readonly EventRow[], attempt?: number): Promise<number>;
  /** Ends a RUNNING run: its last rows, its violations and COMPLETED, all in one transaction. */
  completeRun(
    runId: string,
    nextSeq: number,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
    /** The try's fencing token, checked as appendEvents checks it. */
    attempt?: number,
  ): Promise<void>;
  /**
   * Stores a run made elsewhere (an import, a grading run made in-process) as COMPLETED,
   * with its owner (a student id, or null), trace and violations, in one transaction.
   */
  insertCompletedRun(
    run: NewRun,
    ownerStudentId: string | null,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
  ): Promise<void>;
  /**
   * A secret shared by every process on this store, created once (personal seeds are
   * derived from it, so they stay the same across restarts and API instances).
   */
  sharedSecret(name: string): Promise<string>;
  close(): Promise<void>;
}

export type StoreKind = "sqlite" | "postgres";

/** In the message of an append or completion refused because a later try took the run over. */
export const SUPERSEDED = "superseded by a later try";

export interface RunStore {
  /** Inserts a RUNNING run with no events (its source stored once by content hash). */
  insert(run: NewRun): Promise<StoredRun>;
  get(id: string): Promise<StoredRun | undefined>;
  source(id: string): Promise<StoredRunSource | undefined>;
  setSchedule(id: string, schedule: string): Promise<boolean>;
  setPace(id: string, pace: number): Promise<boolean>;
  /** Only a RUNNING run completes; false when it was not RUNNING. */
  complete(id: string, completion: RunCompletion): Promise<boolean>;
  /** Only a RUNNING run fails; false when it was not RUNNING. */
  fail(id: string, error: string, finishedAt?: string): Promise<boolean>;
  /** Every RUNNING run becomes FAILED with this error; returns how many. */
  failAllRunning(reason: string, finishedAt?: string): Promise<number>;
  /**
   * A new try takes a RUNNING run over (a worker that took its queued job): the run's
   * fencing token (attempt) goes up by one, its stored trace is deleted and its event
   * count set to 0, all in one transaction, so the try writes it again from seq 0 and any
   * earlier try's appends are refused. Returns the new token, or -1 when the run is not
   * RUNNING (nothing is changed).
   */
  takeOver(id: string): Promise<number>;
  /** The ids of the RUNNING runs. */
  runningIds(): Promise<string[]>;
  /** Newest first. */
  list(query: RunListQuery): Promise<StoredRun[]>;
  count(scenarioId?: string, owner?: RunOwnerFilter): Promise<number>;
}

export interface EventStore {
  range(runId: string, fromSeq: number, limit: number): Promise<TraceEvent[]>;
  get(runId: string, seq: number): Promise<TraceEvent | undefined>;
  count(runId: string): Promise<number>;
  /** The last stored seq (-1 when there is none). */
  lastSeq(runId: string): Promise<number>;
  page(runId: string, query: EventPageQuery): Promise<TraceEvent[]>;
}

export interface ScenarioStore {
  /** Inserts or refreshes every scenario in one transaction. */
  upsertAll(scenarios: readonly ScenarioInput[], loadedAt?: string): Promise<void>;
  /** An ad-hoc scenario (runScenario), kept out of list(); an existing id is left as it is. */
  insertAdhoc(scenario: ScenarioInput, loadedAt?: string): Promise<void>;
  get(id: string): Promise<StoredScenario | undefined>;
  /** The catalogue's scenarios (not the ad-hoc ones), by topic then id. */
  list(): Promise<StoredScenario[]>;
}

export interface ViolationStore {
  insertAll(runId: string, violations: readonly Violation[]): Promise<void>;
  list(runId: string): Promise<Violation[]>;
}

export interface VerdictStore {
  get(runId: string): Promise<StoredVerdicts | undefined>;
  /** Stores verdicts where none are stored yet (a finished run's); false when nothing changed. */
  fill(runId: string, verdicts: StoredVerdicts): Promise<boolean>;
}

export interface GradingStore {
  createStudent(name: string): Promise<StoredStudent>;
  student(id: string): Promise<StoredStudent | undefined>;
  /** A new bearer token (returned once; only its hash is stored). */
  createToken(role: Role, studentId: string | null, expiresAt?: string | null): Promise<string>;
  identify(token: string, now?: Date): Promise<TokenIdentity | undefined>;
  createAssignment(title: string, settings: string): Promise<StoredAssignment>;
  assignment(id: string): Promise<StoredAssignment | undefined>;
  /** Checks the attempt limit and inserts in one transaction. */
  insertSubmission(submission: NewSubmission, maxAttempts: number | null): Promise<StoredSubmission | "attempts-used">;
  attempts(assignmentId: string, studentId: string): Promise<number>;
  submission(id: string): Promise<StoredSubmission | undefined>;
  submissions(assignmentId: string, studentId?: string): Promise<StoredSubmission[]>;
  gradebook(assignmentId: string): Promise<GradebookRow[]>;
  setRunOwner(runId: string, studentId: string): Promise<void>;
  runOwner(runId: string): Promise<string | null>;
}

export interface GradebookRow {
  readonly student: StoredStudent;
  readonly best: number;
  readonly latest: number;
  readonly attempts: number;
}

export interface DiskStore {
  eventCount(runId: string): Promise<number>;
  linkedSubmissions(runId: string): Promise<number>;
  forks(runId: string): Promise<number>;
  /** Deletes a finished run nothing links to, in one transaction. */
  deleteRun(runId: string): Promise<DeleteOutcome>;
  /** Deletes a FAILED run's events (its row stays, event count 0); returns the rows deleted. */
  reclaimTrace(runId: string): Promise<number>;
  failedTraces(finishedBefore: string, limit: number): Promise<string[]>;
  expiredRuns(policy: RetentionPolicy, now: Date, limit: number): Promise<string[]>;
  deleteUnusedSources(): Promise<number>;
  stats(): Promise<DiskStats>;
  /** Gives free space back (SQLite VACUUM and a WAL checkpoint; PostgreSQL VACUUM). */
  compact(): Promise<void>;
}

export type { DeleteOutcome, DiskStats, RetentionPolicy, VacuumReport, ReclaimReport, EventKind };
