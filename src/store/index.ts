import { existsSync } from "node:fs";
import type { Violation } from "../sim/types";
import { openDatabase, WRITER_BUSY_TIMEOUT_MS, type Db } from "./database";
import { DiskTables } from "./disk";
import { EventTable, type EventRow } from "./events";
import { GradingTables } from "./grading";
import { migrate, MIGRATIONS, schemaVersion, type MigrationReport } from "./migrations";
import { RunTable, type RunCompletion } from "./runs";
import { ScenarioTable } from "./scenarios";
import { VerdictTable } from "./verdicts";
import { SUPERSEDED } from "./contract";
import { ViolationTable } from "./violations";

export { EVENT_BATCH_ROWS, fromEventRow, toEventRow, type EventRow, type EventPageQuery } from "./events";
export {
  applyRetention,
  RETENTION_BATCH_RUNS,
  vacuum,
  type DeleteOutcome,
  type DiskStats,
  type ReclaimReport,
  type RetentionPolicy,
  type VacuumReport,
} from "./disk";
export { MIGRATIONS, migrate, schemaVersion, type Migration, type MigrationReport } from "./migrations";
export type { NewRun, RunCompletion, RunOwnerFilter, StoredRun, StoredRunSource, StoredRunStatus } from "./runs";
export type { ScenarioInput, StoredScenario } from "./scenarios";
export type { StoredVerdicts } from "./verdicts";
export {
  hashToken,
  type NewSubmission,
  type Role,
  type StoredAssignment,
  type StoredStudent,
  type StoredSubmission,
  type TokenIdentity,
} from "./grading";

/** The error every run that was RUNNING when its process died gets, followed by its seed. */
export const INTERRUPTED_RUN_ERROR =
  "the run was interrupted: the server stopped before it finished, so its trace is incomplete; start it again";

/**
 * One connection to the faultline database and its tables. The API's main thread
 * opens the owning store (openStore); each run's worker opens a trace writer
 * (openTraceWriter) on its own connection to the same file.
 */
export class Store {
  readonly scenarios: ScenarioTable;
  readonly runs: RunTable;
  readonly events: EventTable;
  readonly violations: ViolationTable;
  readonly grading: GradingTables;
  readonly verdicts: VerdictTable;
  /** Deleting runs, retention and disk statistics (disk.ts). */
  readonly disk: DiskTables;

  constructor(readonly db: Db) {
    this.disk = new DiskTables(db);
    this.grading = new GradingTables(db);
    this.scenarios = new ScenarioTable(db);
    this.runs = new RunTable(db);
    this.events = new EventTable(db);
    this.violations = new ViolationTable(db);
    this.verdicts = new VerdictTable(db);
  }

  /**
   * Appends trace rows of a RUNNING run and its new event count in one transaction.
   * Refuses (and stores nothing) when the run is not RUNNING or the rows do not
   * continue its stored trace. Returns the next seq.
   */
  appendEvents(runId: string, nextSeq: number, rows: readonly EventRow[], attempt?: number): number {
    if (rows.length === 0) {
      this.checkAttempt(runId, attempt);
      return nextSeq;
    }
    const append = (): number =>
      this.events.append(runId, nextSeq, rows, (lastSeq) => {
        if (!this.runs.setEventCount(runId, lastSeq + 1)) {
          throw new Error(`run ${runId} is no longer RUNNING: its trace is closed`);
        }
      });
    if (attempt === undefined) return append();
    // The token first, in the same transaction: a fenced-off try learns that it was superseded,
    // not that its rows do not continue the trace (its successor started it again).
    return this.db
      .transaction((): number => {
        this.checkAttempt(runId, attempt);
        return append();
      })
      .immediate();
  }

  /** Refuses a try whose fencing token is not the run's (a later try took the run over). */
  private checkAttempt(runId: string, attempt: number | undefined): void {
    if (attempt === undefined) return;
    const current = this.runs.attempt(runId);
    if (current !== undefined && current !== attempt) {
      throw new Error(`run ${runId}: try ${attempt} was ${SUPERSEDED} (try ${current} took the run over)`);
    }
  }

  /**
   * Ends a RUNNING run: its last trace rows, its violations and COMPLETED with the
   * trace hash, all in one transaction, so a run is either complete or not at all.
   * IMMEDIATE for the reason EventTable.append gives (it reads before it writes).
   */
  completeRun(
    runId: string,
    nextSeq: number,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
    attempt?: number,
  ): void {
    this.db
      .transaction(() => {
        const next = this.appendEvents(runId, nextSeq, rows, attempt);
        if (next !== completion.eventCount) {
          throw new Error(
            `run ${runId} has ${next} stored events but the simulation recorded ${completion.eventCount}`,
          );
        }
        this.violations.insertAll(runId, violations);
        if (!this.runs.complete(runId, completion)) {
          throw new Error(`run ${runId} is no longer RUNNING: it cannot be completed`);
        }
      })
      .immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface OpenedStore {
  readonly store: Store;
  readonly migrations: MigrationReport;
  /** How many runs were found RUNNING (their process had died) and marked FAILED. */
  readonly interruptedRuns: number;
  /** Trace rows of those interrupted runs deleted (their partial traces, which nothing can complete). */
  readonly reclaimedEvents: number;
}

/**
 * Opens the database as its owner (the API server or the CLI): applies pending
 * migrations, then marks every run still RUNNING as FAILED, since the process that
 * ran it is gone and a partial trace must never be served as a finished run; their
 * partial traces are deleted (the run rows stay, with their error and seed).
 */
export function openStore(path: string): OpenedStore {
  const db = openDatabase(path);
  try {
    const migrations = migrate(db);
    const store = new Store(db);
    const running = store.runs.runningIds();
    const interruptedRuns = store.runs.failAllRunning(INTERRUPTED_RUN_ERROR);
    let reclaimedEvents = 0;
    for (const runId of running) reclaimedEvents += store.disk.reclaimTrace(runId);
    return { store, migrations, interruptedRuns, reclaimedEvents };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Opens an existing database for a command-line tool that may run beside a server on
 * the same file: applies pending migrations (each in its own transaction) but, unlike
 * openStore, leaves RUNNING runs alone, since they may be that server's.
 */
export function openStoreBeside(path: string): Store {
  if (path !== ":memory:" && !existsSync(path)) {
    throw new Error(`there is no database at ${path}: set DB_PATH, or start the server once to create it`);
  }
  const db = openDatabase(path);
  try {
    migrate(db);
    return new Store(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** This thread's trace writers, by database file. */
const threadWriters = new Map<string, Store>();

/**
 * This thread's trace writer for a database file (openTraceWriter), opened on first use
 * and kept for the thread's next tasks: the run and grading workers' connection.
 */
export function traceWriterFor(dbPath: string): Store {
  let store = threadWriters.get(dbPath);
  if (store === undefined || !store.db.open) {
    store = openTraceWriter(dbPath);
    threadWriters.set(dbPath, store);
  }
  return store;
}

/** Opens another connection to an already migrated database, for a worker that writes one run's trace. */
export function openTraceWriter(path: string): Store {
  const db = openDatabase(path, WRITER_BUSY_TIMEOUT_MS);
  const version = schemaVersion(db);
  if (version !== MIGRATIONS.length) {
    db.close();
    throw new Error(
      `${path} is at schema version ${version}, expected ${MIGRATIONS.length}: open it with openStore first`,
    );
  }
  return new Store(db);
}
