import type { JsonObject } from "../sim/json";
import type { EventKind, TraceEvent } from "../sim/types";
import type { Statement } from "better-sqlite3";
import type { Db } from "./database";

/**
 * A trace event as it is written: its vclock and data already turned into JSON text,
 * once, where the event was made (a worker), so that neither the writer nor the
 * message that carries it to the main thread does per-row work again.
 */
export type EventRow = readonly [
  seq: number,
  time: number,
  node: string,
  kind: EventKind,
  summary: string,
  lamport: number,
  vclock: string,
  data: string | null,
];

/** How many rows one write transaction holds: large enough that commits are rare, small enough to stay responsive. */
export const EVENT_BATCH_ROWS = 5_000;

export function toEventRow(event: TraceEvent): EventRow {
  return [
    event.seq,
    event.time,
    event.node,
    event.kind,
    event.summary,
    event.lamport,
    JSON.stringify(event.vclock),
    event.data === null ? null : JSON.stringify(event.data),
  ];
}

export function fromEventRow(row: EventRow): TraceEvent {
  return {
    seq: row[0],
    time: row[1],
    node: row[2],
    kind: row[3],
    summary: row[4],
    lamport: row[5],
    vclock: JSON.parse(row[6]) as Record<string, number>,
    data: row[7] === null ? null : (JSON.parse(row[7]) as JsonObject),
  };
}

export interface EventPageQuery {
  /** Only events with a greater seq. */
  readonly after?: number;
  readonly limit: number;
  readonly node?: string;
  /** Only these kinds (undefined or empty: every kind). */
  readonly kinds?: readonly EventKind[];
}

/** The columns in EventRow order: read statements are raw (arrays, not objects), which halves the cost of reading a row. */
const COLUMNS = "seq, time, node, kind, summary, lamport, vclock, data";

/** The events table: a run's trace, keyed by (run_id, seq). */
export class EventTable {
  private readonly insertStatement;
  private readonly rangeStatement;
  private readonly getStatement;
  private readonly countStatement;
  private readonly lastSeqStatement;
  /** Page queries by shape (node filter or not, number of kinds): each shape is prepared once. */
  private readonly pageStatements = new Map<string, Statement<(string | number)[], EventRow>>();

  constructor(private readonly db: Db) {
    this.insertStatement = db.prepare<[string, number, number, string, string, string, number, string, string | null]>(
      `INSERT INTO events (run_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.rangeStatement = db
      .prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE run_id = ? AND seq >= ? ORDER BY seq LIMIT ?`,
      )
      .raw();
    this.getStatement = db
      .prepare<[string, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE run_id = ? AND seq = ?`)
      .raw();
    this.countStatement = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM events WHERE run_id = ?");
    this.lastSeqStatement = db.prepare<[string], { seq: number | null }>(
      "SELECT max(seq) AS seq FROM events WHERE run_id = ?",
    );
  }

  /**
   * Inserts rows in ONE transaction (all or none), begun IMMEDIATE: it reads the stored
   * last seq before it writes, and a deferred transaction that has read cannot become a
   * writer once another connection has committed (SQLITE_BUSY_SNAPSHOT, returned at once
   * whatever the busy timeout), which lost whole runs under concurrency (issue 7). Taking
   * the write lock first makes a concurrent writer wait its turn (busy timeout) instead. Rows must continue the run's stored
   * trace exactly: the first has seq `nextSeq` (one more than the last stored) and each
   * next one seq + 1, so a trace can
   * never get a gap or a duplicate. `inTransaction` runs inside the same transaction
   * (the run's event count is updated there, so it always matches the stored rows).
   */
  append(runId: string, nextSeq: number, rows: readonly EventRow[], inTransaction?: (lastSeq: number) => void): number {
    for (let i = 0; i < rows.length; i++) {
      const seq = (rows[i] as EventRow)[0];
      if (seq !== nextSeq + i) {
        throw new Error(`trace rows of run ${runId} must be contiguous: expected seq ${nextSeq + i}, got ${seq}`);
      }
    }
    const insert = this.insertStatement;
    this.db
      .transaction(() => {
        const stored = this.lastSeq(runId);
        if (stored !== nextSeq - 1) {
          throw new Error(`trace rows of run ${runId} must continue its trace at seq ${stored + 1}, not ${nextSeq}`);
        }
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as EventRow;
          insert.run(runId, row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]);
        }
        inTransaction?.(nextSeq + rows.length - 1);
      })
      .immediate();
    return nextSeq + rows.length;
  }

  /** Events with seq >= fromSeq, in seq order, at most limit of them. */
  range(runId: string, fromSeq: number, limit: number): TraceEvent[] {
    return this.rangeStatement.all(runId, fromSeq, limit).map(fromEventRow);
  }

  get(runId: string, seq: number): TraceEvent | undefined {
    const row = this.getStatement.get(runId, seq);
    return row === undefined ? undefined : fromEventRow(row);
  }

  count(runId: string): number {
    return this.countStatement.get(runId)?.n ?? 0;
  }

  /** The highest stored seq, or -1 when the run has no events. */
  lastSeq(runId: string): number {
    return this.lastSeqStatement.get(runId)?.seq ?? -1;
  }

  /** A page in seq order after `after`, filtered by node and kinds. */
  page(runId: string, query: EventPageQuery): TraceEvent[] {
    const kinds = query.kinds ?? [];
    const shape = `${query.node === undefined ? "" : "node"}:${kinds.length}`;
    let statement = this.pageStatements.get(shape);
    if (statement === undefined) {
      const where = ["run_id = ?", "seq > ?"];
      if (query.node !== undefined) where.push("node = ?");
      if (kinds.length > 0) where.push(`kind IN (${kinds.map(() => "?").join(", ")})`);
      statement = this.db
        .prepare<(string | number)[], EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
        )
        .raw();
      this.pageStatements.set(shape, statement);
    }
    const params: (string | number)[] = [runId, query.after ?? -1];
    if (query.node !== undefined) params.push(query.node);
    params.push(...kinds, query.limit);
    return statement.all(...params).map(fromEventRow);
  }
}
