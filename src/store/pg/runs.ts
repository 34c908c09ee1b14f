import type { RunStore } from "../contract";
// Through ../index: the house rule against importing src/runs also matches ../runs from this subfolder.
import type { NewRun, RunCompletion, RunOwnerFilter, StoredRun, StoredRunSource } from "../index";
import { fromRunRow, fromSourceRow, RUN_COLUMNS, SOURCE_QUERY, type RunRow, type SourceRow } from "../rows";
import { contentHash } from "../scenarios";
import type { Param, PgDatabase, Queryable } from "./pool";

type RunListQuery = Parameters<RunStore["list"]>[0];

/**
 * Inserts a RUNNING run and its source (stored once by content hash). Call inside a
 * transaction. The source upsert uses DO UPDATE, not DO NOTHING, because only an update
 * locks the existing row: a deleteRun removing that same, until now unused, source must
 * wait for this run to commit rather than delete it under the run's feet.
 */
export async function insertRun(client: Queryable, run: NewRun): Promise<StoredRun> {
  const hash = contentHash(run.scenarioSource);
  await client.query(
    `INSERT INTO sources (hash, text, bytes) VALUES ($1, $2, $3)
     ON CONFLICT (hash) DO UPDATE SET bytes = excluded.bytes`,
    [hash, run.scenarioSource, Buffer.byteLength(run.scenarioSource, "utf8")],
  );
  const result = await client.query<RunRow>(
    `INSERT INTO runs (id, scenario_id, seed, status, event_count, pace, created_at, source_hash, scenario_file,
       schedule, parent_id, forked_at, owner_student_id)
     VALUES ($1, $2, $3, 'RUNNING', 0, $4, $5, $6, $7, $8, $9, $10, $11)
     RETURNING ${RUN_COLUMNS}`,
    [
      run.id,
      run.scenarioId,
      run.seed,
      run.pace,
      run.createdAt,
      hash,
      run.scenarioFile,
      run.schedule ?? "[]",
      run.parentId ?? null,
      run.forkedAt ?? null,
      run.ownerStudentId ?? null,
    ],
  );
  return fromRunRow(result.rows[0] as RunRow);
}

/** RUNNING -> COMPLETED in the caller's transaction; false when the run was not RUNNING. */
export async function completeRunRow(client: Queryable, id: string, completion: RunCompletion): Promise<boolean> {
  const result = await client.query(
    `UPDATE runs SET status = 'COMPLETED', event_count = $2, trace_hash = $3, stop_reason = $4, final_nodes = $5,
       finished_at = $6, linearizability = $7, serializability = $8
     WHERE id = $1 AND status = 'RUNNING'`,
    [
      id,
      completion.eventCount,
      completion.traceHash,
      completion.stopReason,
      completion.finalNodes,
      completion.finishedAt,
      completion.linearizability ?? null,
      completion.serializability ?? null,
    ],
  );
  return result.rowCount === 1;
}

/** The owner filter as SQL over parameters $everyone and $student (appended to `values`). */
function visible(owner: RunOwnerFilter | undefined, values: Param[]): string {
  values.push(owner === undefined, owner?.student ?? null);
  return `($${values.length - 1}::boolean OR owner_student_id IS NULL OR owner_student_id = $${values.length}::text)`;
}

/** The runs table. Every status change is guarded by `status = 'RUNNING'`: a finished run never changes again. */
export function pgRunStore(db: PgDatabase): RunStore {
  const one = async (operation: string, sql: string, values: Param[]): Promise<boolean> =>
    (await db.query(operation, sql, values)).rowCount === 1;
  return {
    insert: (run) => db.transaction(`inserting run ${run.id}`, (client) => insertRun(client, run)),

    async get(id) {
      const result = await db.query<RunRow>(`reading run ${id}`, `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
      const row = result.rows[0];
      return row === undefined ? undefined : fromRunRow(row);
    },

    async source(id): Promise<StoredRunSource | undefined> {
      const result = await db.query<SourceRow>(`reading the source of run ${id}`, SOURCE_QUERY.replace("?", "$1"), [
        id,
      ]);
      const row = result.rows[0];
      return row === undefined ? undefined : fromSourceRow(row);
    },

    setSchedule: (id, schedule) =>
      one(`setting the schedule of run ${id}`, "UPDATE runs SET schedule = $2 WHERE id = $1 AND status = 'RUNNING'", [
        id,
        schedule,
      ]),

    setPace: (id, pace) =>
      one(`setting the pace of run ${id}`, "UPDATE runs SET pace = $2 WHERE id = $1 AND status = 'RUNNING'", [
        id,
        pace,
      ]),

    complete: (id, completion) =>
      completeRunRow(db.pool, id, completion).catch((error: unknown) => {
        throw db.fail(`completing run ${id}`, error);
      }),

    fail: (id, error, finishedAt = new Date().toISOString()) =>
      one(
        `failing run ${id}`,
        "UPDATE runs SET status = 'FAILED', error = $2, finished_at = $3 WHERE id = $1 AND status = 'RUNNING'",
        [id, error, finishedAt],
      ),

    async failAllRunning(reason, finishedAt = new Date().toISOString()) {
      const result = await db.query(
        "failing every RUNNING run",
        `UPDATE runs SET status = 'FAILED', finished_at = $1, error = $2 || ' (reproduce with seed=' || seed || ')'
         WHERE status = 'RUNNING'`,
        [finishedAt, reason],
      );
      return result.rowCount ?? 0;
    },

    // The UPDATE locks the run row, so an append racing with the reset waits, then finds the trace gone.
    takeOver: (id) =>
      db.transaction(`taking run ${id} over for a new try`, async (client) => {
        const taken = await client.query<{ attempt: number }>(
          "UPDATE runs SET attempt = attempt + 1, event_count = 0 WHERE id = $1 AND status = 'RUNNING' RETURNING attempt",
          [id],
        );
        const attempt = taken.rows[0]?.attempt;
        if (attempt === undefined) return -1;
        await client.query("DELETE FROM events WHERE run_id = $1", [id]);
        return attempt;
      }),

    async runningIds() {
      const result = await db.query<{ id: string }>(
        "listing RUNNING runs",
        "SELECT id FROM runs WHERE status = 'RUNNING' ORDER BY number",
      );
      return result.rows.map((row) => row.id);
    },

    async list(query: RunListQuery) {
      const values: Param[] = [];
      const where = [visible(query.owner, values)];
      if (query.scenarioId !== undefined) {
        values.push(query.scenarioId);
        where.push(`scenario_id = $${values.length}`);
      }
      if (query.beforeNumber !== undefined) {
        values.push(query.beforeNumber);
        where.push(`number < $${values.length}`);
      }
      values.push(query.limit);
      const result = await db.query<RunRow>(
        "listing runs",
        `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where.join(" AND ")} ORDER BY number DESC LIMIT $${values.length}`,
        values,
      );
      return result.rows.map(fromRunRow);
    },

    async count(scenarioId, owner) {
      const values: Param[] = [];
      const where = [visible(owner, values)];
      if (scenarioId !== undefined) {
        values.push(scenarioId);
        where.push(`scenario_id = $${values.length}`);
      }
      const result = await db.query<{ n: number }>(
        "counting runs",
        `SELECT count(*) AS n FROM runs WHERE ${where.join(" AND ")}`,
        values,
      );
      return result.rows[0]?.n ?? 0;
    },
  };
}
