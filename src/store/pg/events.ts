import { SUPERSEDED } from "../contract";
import type { Violation } from "../../sim/types";
import type { EventStore } from "../contract";
import { fromEventRow, type EventRow } from "../events";
import { StoreRefusal, type Param, type PgDatabase, type Queryable } from "./pool";

/** The columns in EventRow order: events are read as arrays (rowMode 'array') straight into EventRow tuples. */
const COLUMNS = "seq, time, node, kind, summary, lamport, vclock, data";

/** Refuses, before any transaction, rows that do not follow each other (seq nextSeq, nextSeq + 1, ...). */
export function checkContiguous(runId: string, nextSeq: number, rows: readonly EventRow[]): void {
  for (let i = 0; i < rows.length; i++) {
    const seq = (rows[i] as EventRow)[0];
    if (seq !== nextSeq + i) {
      throw new StoreRefusal(`trace rows of run ${runId} must be contiguous: expected seq ${nextSeq + i}, got ${seq}`);
    }
  }
}

/**
 * Appends rows of a RUNNING run and sets its event count, inside the caller's transaction.
 * SELECT ... FOR NO KEY UPDATE locks the run row first, so appends to one run (from any
 * process) take turns, and the status and the stored last seq read after it cannot change
 * before the commit. The lock conflicts with itself, with every UPDATE of the run (a
 * status change, a reset) and with deleteRun, but not with the key-share locks that the
 * foreign keys of other rows (a fork, a submission link) take on it. The rows go in as ONE statement: eight parallel arrays unnested into rows,
 * so 5,000 events are one round trip and one parse, not 5,000 of each.
 */
export async function appendLocked(
  client: Queryable,
  runId: string,
  nextSeq: number,
  rows: readonly EventRow[],
  /** The try's fencing token (FaultlineStore.takeOver); absent, not checked. */
  attempt?: number,
): Promise<number> {
  checkContiguous(runId, nextSeq, rows);
  const run = await client.query<{ status: string; attempt: number }>(
    "SELECT status, attempt FROM runs WHERE id = $1 FOR NO KEY UPDATE",
    [runId],
  );
  const status = run.rows[0]?.status;
  if (status === undefined) throw new StoreRefusal(`there is no run ${runId} to append trace rows to`);
  const current = run.rows[0]?.attempt;
  if (attempt !== undefined && current !== attempt) {
    throw new StoreRefusal(`run ${runId}: try ${attempt} was ${SUPERSEDED} (try ${current} took the run over)`);
  }
  if (status !== "RUNNING") throw new StoreRefusal(`run ${runId} is no longer RUNNING: its trace is closed`);
  if (rows.length === 0) return nextSeq;
  // A statement of its own, after the lock: under READ COMMITTED it takes a new snapshot,
  // so it sees the rows of an append that held the lock before us (a subquery of the
  // locking SELECT would not: its snapshot predates the wait).
  const last = await client.query<{ seq: number | null }>("SELECT max(seq) AS seq FROM events WHERE run_id = $1", [
    runId,
  ]);
  const stored = last.rows[0]?.seq ?? -1;
  if (stored !== nextSeq - 1) {
    throw new StoreRefusal(`trace rows of run ${runId} must continue its trace at seq ${stored + 1}, not ${nextSeq}`);
  }
  const columns: [number[], number[], string[], string[], string[], number[], string[], (string | null)[]] = [
    [],
    [],
    [],
    [],
    [],
    [],
    [],
    [],
  ];
  for (const row of rows) {
    columns[0].push(row[0]);
    columns[1].push(row[1]);
    columns[2].push(row[2]);
    columns[3].push(row[3]);
    columns[4].push(row[4]);
    columns[5].push(row[5]);
    columns[6].push(row[6]);
    columns[7].push(row[7]);
  }
  await client.query(
    `INSERT INTO events (run_id, ${COLUMNS})
     SELECT $1, * FROM unnest($2::integer[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[],
       $8::text[], $9::text[])`,
    [runId, ...columns],
  );
  const next = nextSeq + rows.length;
  await client.query("UPDATE runs SET event_count = $2 WHERE id = $1", [runId, next]);
  return next;
}

/** Stores a run's violations in the caller's transaction (the one that completes the run). */
export async function insertViolations(client: Queryable, runId: string, violations: readonly Violation[]) {
  if (violations.length === 0) return;
  await client.query(
    `INSERT INTO violations (run_id, ordinal, invariant, seq, message)
     SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::integer[], $5::text[])`,
    [
      runId,
      violations.map((_, ordinal) => ordinal),
      violations.map((violation) => violation.invariant),
      violations.map((violation) => violation.seq),
      violations.map((violation) => violation.message),
    ],
  );
}

/** Reads of the events table: a run's trace, keyed by (run_id, seq). */
export function pgEventStore(db: PgDatabase): EventStore {
  const rows = async (operation: string, sql: string, values: Param[]) =>
    (await db.queryArrays<unknown[]>(operation, sql, values)).map((row) => fromEventRow(row as unknown as EventRow));
  return {
    range: (runId, fromSeq, limit) =>
      rows(
        `reading events of run ${runId}`,
        `SELECT ${COLUMNS} FROM events WHERE run_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
        [runId, fromSeq, limit],
      ),

    async get(runId, seq) {
      const found = await rows(
        `reading event ${seq} of run ${runId}`,
        `SELECT ${COLUMNS} FROM events WHERE run_id = $1 AND seq = $2`,
        [runId, seq],
      );
      return found[0];
    },

    async count(runId) {
      const result = await db.query<{ n: number }>(
        `counting events of run ${runId}`,
        "SELECT count(*) AS n FROM events WHERE run_id = $1",
        [runId],
      );
      return result.rows[0]?.n ?? 0;
    },

    async lastSeq(runId) {
      const result = await db.query<{ seq: number | null }>(
        `reading the last seq of run ${runId}`,
        "SELECT max(seq) AS seq FROM events WHERE run_id = $1",
        [runId],
      );
      return result.rows[0]?.seq ?? -1;
    },

    page(runId, query) {
      const values: Param[] = [runId, query.after ?? -1];
      const where = ["run_id = $1", "seq > $2"];
      if (query.node !== undefined) {
        values.push(query.node);
        where.push(`node = $${values.length}`);
      }
      const kinds = query.kinds ?? [];
      if (kinds.length > 0) {
        values.push(kinds);
        where.push(`kind = ANY ($${values.length}::text[])`);
      }
      values.push(query.limit);
      return rows(
        `reading a page of events of run ${runId}`,
        `SELECT ${COLUMNS} FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${values.length}`,
        values,
      );
    },
  };
}
