import { randomBytes } from "node:crypto";
import type { Violation } from "../sim/types";
import type {
  DiskStore,
  EventStore,
  FaultlineStore,
  GradingStore,
  RunStore,
  ScenarioStore,
  VerdictStore,
  ViolationStore,
} from "./contract";
import type { EventRow } from "./events";
import type { Store } from "./index";
import type { NewRun, RunCompletion } from "./runs";

/** T's chosen methods, each answering with a promise of what it returned (a throw becomes a rejection). */
type Promised<T, K extends keyof T> = {
  [P in K]: T[P] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

function promised<T extends object, K extends keyof T>(target: T, keys: readonly K[]): Promised<T, K> {
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    const method = target[key] as unknown as (...args: unknown[]) => unknown;
    out[key] = async (...args: unknown[]) => method.apply(target, args);
  }
  return out as Promised<T, K>;
}

/**
 * The embedded default store: one SQLite file through better-sqlite3, whose calls are
 * synchronous and short (each a prepared statement or one IMMEDIATE transaction), so
 * the contract's promises are already settled when returned. Each process or worker
 * thread holds its own connection; WAL lets readers and one writer work at once.
 */
export class SqliteStore implements FaultlineStore {
  readonly kind = "sqlite" as const;
  readonly location: string;
  readonly runs: RunStore;
  readonly events: EventStore;
  readonly scenarios: ScenarioStore;
  readonly violations: ViolationStore;
  readonly verdicts: VerdictStore;
  readonly grading: GradingStore;
  readonly disk: DiskStore;

  constructor(
    /** The synchronous tables underneath (src/store/index.ts), for SQLite-only tools and tests. */
    readonly sync: Store,
    path: string,
  ) {
    this.location = path;
    const db = sync.db;
    this.runs = promised(sync.runs, [
      "insert",
      "get",
      "source",
      "setSchedule",
      "setPace",
      "takeOver",
      "runningIds",
      "complete",
      "fail",
      "failAllRunning",
      "list",
      "count",
    ]);
    this.events = promised(sync.events, ["range", "get", "count", "lastSeq", "page"]);
    this.scenarios = promised(sync.scenarios, ["upsertAll", "insertAdhoc", "get", "list"]);
    this.violations = promised(sync.violations, ["insertAll", "list"]);
    this.verdicts = promised(sync.verdicts, ["get", "fill"]);
    this.grading = promised(sync.grading, [
      "createStudent",
      "student",
      "createToken",
      "identify",
      "createAssignment",
      "assignment",
      "insertSubmission",
      "attempts",
      "submission",
      "submissions",
      "gradebook",
      "setRunOwner",
      "runOwner",
    ]);
    this.disk = {
      ...promised(sync.disk, [
        "eventCount",
        "linkedSubmissions",
        "forks",
        "deleteRun",
        "reclaimTrace",
        "failedTraces",
        "expiredRuns",
        "deleteUnusedSources",
        "stats",
      ]),
      // VACUUM rewrites the file without its free pages; the checkpoint then truncates the WAL.
      compact: async () => {
        db.exec("VACUUM");
        db.pragma("wal_checkpoint(TRUNCATE)");
      },
    };
  }

  async appendEvents(runId: string, nextSeq: number, rows: readonly EventRow[], attempt?: number): Promise<number> {
    return this.sync.appendEvents(runId, nextSeq, rows, attempt);
  }

  async completeRun(
    runId: string,
    nextSeq: number,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
    attempt?: number,
  ): Promise<void> {
    this.sync.completeRun(runId, nextSeq, rows, violations, completion, attempt);
  }

  async insertCompletedRun(
    run: NewRun,
    ownerStudentId: string | null,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
  ): Promise<void> {
    const { sync } = this;
    sync.db
      .transaction(() => {
        sync.runs.insert(run);
        if (ownerStudentId !== null) sync.grading.setRunOwner(run.id, ownerStudentId);
        sync.completeRun(run.id, 0, rows, violations, completion);
      })
      .immediate();
  }

  /** Kept in the settings table (migration 7), created by the first process that asks. */
  async sharedSecret(name: string): Promise<string> {
    const { db } = this.sync;
    db.prepare("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING").run(
      name,
      randomBytes(32).toString("hex"),
    );
    return db.prepare("SELECT value FROM settings WHERE name = ?").pluck().get(name) as string;
  }

  async close(): Promise<void> {
    this.sync.close();
  }
}
