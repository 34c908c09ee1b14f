import type { Db } from "./database";
import { fromRunRow, fromSourceRow, RUN_COLUMNS, SOURCE_QUERY, type RunRow, type SourceRow } from "./rows";
import { SourceTable } from "./sources";

export type StoredRunStatus = "RUNNING" | "COMPLETED" | "FAILED";

/** A run row without its two large columns (the scenario source and the final node views). */
export interface StoredRun {
  readonly id: string;
  /** Insertion order: newer runs have larger numbers. Used for paging, never shown. */
  readonly number: number;
  readonly scenarioId: string;
  readonly seed: number;
  readonly status: StoredRunStatus;
  readonly eventCount: number;
  readonly traceHash: string | null;
  readonly stopReason: string | null;
  readonly error: string | null;
  readonly pace: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** The run this one was forked from (null for a run that is not a fork). */
  readonly parentId: string | null;
  /** How many events a fork shares with its parent by construction (null for a run that is not a fork). */
  readonly forkedAt: number | null;
}

/** What a replay needs: the exact YAML the run was made from, its seed, and (once completed) its final views. */
export interface StoredRunSource {
  readonly scenarioSource: string;
  /** The scenario's path relative to the scenarios folder (null for runs made before it was recorded). */
  readonly scenarioFile: string | null;
  readonly seed: number;
  /** JSON text of the final NodeView list, or null until the run has completed. */
  readonly finalNodes: string | null;
  /** JSON text of the run's interventions (a list; src/sim/interventions.ts). */
  readonly schedule: string;
}

export interface NewRun {
  readonly id: string;
  readonly scenarioId: string;
  readonly seed: number;
  readonly pace: number | null;
  readonly scenarioSource: string;
  readonly scenarioFile: string;
  readonly createdAt: string;
  /** JSON text of the interventions the run starts with (a fork's); default none. */
  readonly schedule?: string;
  readonly parentId?: string | null;
  readonly forkedAt?: number | null;
  /** The student who owns the run (grading's variant runs, a student's forks); default nobody. */
  readonly ownerStudentId?: string | null;
}

export interface RunCompletion {
  readonly eventCount: number;
  readonly traceHash: string;
  readonly stopReason: string;
  /** JSON text of the final NodeView list. */
  readonly finalNodes: string;
  readonly finishedAt: string;
  /** The verdicts computed when the run ended (src/store/verdicts.ts); absent: computed later, on first request. */
  readonly linearizability?: string | null;
  readonly serializability?: string | null;
}

export interface RunListQuery {
  readonly scenarioId?: string;
  /** Only runs older than this number (the previous page's last). */
  readonly beforeNumber?: number;
  readonly limit: number;
  /** Whose runs: absent, every run; otherwise the runs no student owns and, if set, this student's. */
  readonly owner?: RunOwnerFilter;
}

/** The runs a non-instructor may list: unowned ones, plus their own when `student` is set (grading's owner check). */
export interface RunOwnerFilter {
  readonly student: string | null;
}

/** SQL: the row is visible under the owner filter given as @everyone and @student. */
const VISIBLE = "(@everyone = 1 OR owner_student_id IS NULL OR owner_student_id = @student)";

/** The runs table. Every status change is guarded by `status = 'RUNNING'`: a finished run never changes again. */
export class RunTable {
  private readonly insertStatement;
  private readonly getStatement;
  private readonly sourceStatement;
  private readonly eventCountStatement;
  private readonly completeStatement;
  private readonly failStatement;
  private readonly failAllRunningStatement;
  private readonly listAll;
  private readonly listAllBefore;
  private readonly listByScenario;
  private readonly listByScenarioBefore;
  private readonly countAll;
  private readonly countByScenario;
  private readonly scheduleStatement;
  private readonly paceStatement;

  private readonly sources: SourceTable;

  constructor(private readonly db: Db) {
    this.sources = new SourceTable(db);
    this.insertStatement = db.prepare(
      `INSERT INTO runs (id, scenario_id, seed, status, event_count, pace, created_at, source_hash, scenario_file,
         schedule, parent_id, forked_at, owner_student_id)
       VALUES (@id, @scenarioId, @seed, 'RUNNING', 0, @pace, @createdAt, @sourceHash, @scenarioFile,
         @schedule, @parentId, @forkedAt, @ownerStudentId)`,
    );
    this.getStatement = db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
    this.sourceStatement = db.prepare<[string], SourceRow>(SOURCE_QUERY);
    this.paceStatement = db.prepare<[number, string]>("UPDATE runs SET pace = ? WHERE id = ? AND status = 'RUNNING'");
    this.scheduleStatement = db.prepare<[string, string]>(
      "UPDATE runs SET schedule = ? WHERE id = ? AND status = 'RUNNING'",
    );
    this.eventCountStatement = db.prepare<[number, string]>(
      "UPDATE runs SET event_count = ? WHERE id = ? AND status = 'RUNNING'",
    );
    this.completeStatement = db.prepare(
      `UPDATE runs SET status = 'COMPLETED', event_count = @eventCount, trace_hash = @traceHash,
         stop_reason = @stopReason, final_nodes = @finalNodes, finished_at = @finishedAt,
         linearizability = @linearizability, serializability = @serializability
       WHERE id = @id AND status = 'RUNNING'`,
    );
    this.failStatement = db.prepare(
      "UPDATE runs SET status = 'FAILED', error = @error, finished_at = @finishedAt WHERE id = @id AND status = 'RUNNING'",
    );
    this.failAllRunningStatement = db.prepare<[string, string]>(
      `UPDATE runs SET status = 'FAILED', finished_at = ?,
         error = ? || ' (reproduce with seed=' || seed || ')'
       WHERE status = 'RUNNING'`,
    );
    const list = (where: string) =>
      db.prepare<unknown[], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs ${where} ORDER BY number DESC LIMIT @limit`);
    this.listAll = list(`WHERE ${VISIBLE}`);
    this.listAllBefore = list(`WHERE number < @before AND ${VISIBLE}`);
    this.listByScenario = list(`WHERE scenario_id = @scenarioId AND ${VISIBLE}`);
    this.listByScenarioBefore = list(`WHERE scenario_id = @scenarioId AND number < @before AND ${VISIBLE}`);
    this.countAll = db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM runs WHERE ${VISIBLE}`);
    this.countByScenario = db.prepare<unknown[], { n: number }>(
      `SELECT count(*) AS n FROM runs WHERE scenario_id = @scenarioId AND ${VISIBLE}`,
    );
  }

  /** Inserts a RUNNING run; its scenario source is stored once by content hash (sources.ts). */
  insert(run: NewRun): StoredRun {
    const { scenarioSource, ...row } = run;
    this.db.transaction(() =>
      this.insertStatement.run({
        schedule: "[]",
        parentId: null,
        forkedAt: null,
        ownerStudentId: null,
        ...row,
        sourceHash: this.sources.put(scenarioSource),
      }),
    )();
    return this.get(run.id) as StoredRun;
  }

  /**
   * A new try takes a RUNNING run over (FaultlineStore.takeOver): its fencing token goes
   * up by one, its trace is deleted and its event count set to 0, so the try writes it
   * again from seq 0 (the trace is a pure function of scenario, seed and schedule, so the
   * same rows come back) and an earlier try's appends are refused. Returns the new token,
   * or -1 when the run is not RUNNING (it is left alone).
   */
  takeOver(id: string): number {
    return this.db
      .transaction((): number => {
        const taken = this.db
          .prepare("UPDATE runs SET attempt = attempt + 1, event_count = 0 WHERE id = ? AND status = 'RUNNING'")
          .run(id);
        if (taken.changes !== 1) return -1;
        this.db.prepare("DELETE FROM events WHERE run_id = ?").run(id);
        return this.attempt(id) ?? -1;
      })
      .immediate();
  }

  /** The run's fencing token (0 until a queued try takes it over); undefined for no such run. */
  attempt(id: string): number | undefined {
    return this.db.prepare("SELECT attempt FROM runs WHERE id = ?").pluck().get(id) as number | undefined;
  }

  /** The ids of the RUNNING runs. */
  runningIds(): string[] {
    return this.db.prepare("SELECT id FROM runs WHERE status = 'RUNNING'").pluck().all() as string[];
  }

  get(id: string): StoredRun | undefined {
    const row = this.getStatement.get(id);
    return row === undefined ? undefined : fromRunRow(row);
  }

  source(id: string): StoredRunSource | undefined {
    const row = this.sourceStatement.get(id);
    return row === undefined ? undefined : fromSourceRow(row);
  }

  /**
   * Replaces the interventions of a RUNNING run (a fault was injected into it). Returns false
   * when the run is not RUNNING (nothing is changed then).
   */
  setSchedule(id: string, schedule: string): boolean {
    return this.scheduleStatement.run(schedule, id).changes === 1;
  }

  /** A RUNNING paced run's new pace (setPace). Returns false when the run is not RUNNING. */
  setPace(id: string, pace: number): boolean {
    return this.paceStatement.run(pace, id).changes === 1;
  }

  /**
   * Records how many events of a RUNNING run are stored (call inside the transaction
   * that stored them). Returns false when the run is not RUNNING.
   */
  setEventCount(id: string, eventCount: number): boolean {
    return this.eventCountStatement.run(eventCount, id).changes === 1;
  }

  /** RUNNING -> COMPLETED. Returns false when the run was not RUNNING (nothing is changed then). */
  complete(id: string, completion: RunCompletion): boolean {
    const verdicts = {
      linearizability: completion.linearizability ?? null,
      serializability: completion.serializability ?? null,
    };
    return this.completeStatement.run({ id, ...completion, ...verdicts }).changes === 1;
  }

  /** RUNNING -> FAILED. Returns false when the run was not RUNNING (nothing is changed then). */
  fail(id: string, error: string, finishedAt: string = new Date().toISOString()): boolean {
    return this.failStatement.run({ id, error, finishedAt }).changes === 1;
  }

  /**
   * Marks every RUNNING run FAILED with `reason` and its seed. Called when the database
   * is opened: a run still RUNNING then belonged to a process that died half-way, and its
   * partial trace must never be served as a finished one.
   */
  failAllRunning(reason: string, finishedAt: string = new Date().toISOString()): number {
    return this.failAllRunningStatement.run(finishedAt, reason).changes;
  }

  /** Newest first. */
  list(query: RunListQuery): StoredRun[] {
    const params = {
      limit: query.limit,
      before: query.beforeNumber,
      scenarioId: query.scenarioId,
      ...ownerParams(query.owner),
    };
    const statement =
      query.scenarioId === undefined
        ? query.beforeNumber === undefined
          ? this.listAll
          : this.listAllBefore
        : query.beforeNumber === undefined
          ? this.listByScenario
          : this.listByScenarioBefore;
    const used = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
    return statement.all(used).map(fromRunRow);
  }

  /** How many runs list() pages through with the same scenario and owner filter. */
  count(scenarioId?: string, owner?: RunOwnerFilter): number {
    const params = ownerParams(owner);
    return (
      (scenarioId === undefined ? this.countAll.get(params) : this.countByScenario.get({ ...params, scenarioId }))?.n ??
      0
    );
  }
}

function ownerParams(owner: RunOwnerFilter | undefined): { everyone: number; student: string | null } {
  return { everyone: owner === undefined ? 1 : 0, student: owner?.student ?? null };
}
