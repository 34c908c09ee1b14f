import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { EVENT_BATCH_ROWS, migrate, openStore, toEventRow, type EventRow } from "../src/store";
import { compact, perSecond, runsPhrase, timePair, type BenchRow } from "./measure";
import { runTwoPhaseCommit } from "./two-phase-commit";

const RUN_ID = "bench-run";
const SCENARIO_ID = "bench-scenario";
/** The ceiling's transaction size, as the brief for this benchmark fixes it. */
const RAW_TRANSACTION_ROWS = 10_000;

/**
 * `count` trace rows as a run's worker hands them to the writer: real 2PC events
 * (summaries, vector clocks and data as JSON text), repeated with fresh seqs.
 */
export function traceRows(count: number): EventRow[] {
  const source = runTwoPhaseCommit(Math.min(200, Math.max(1, Math.ceil(count / 35))), { checkers: false }).events;
  const base = source.map(toEventRow);
  const rows: EventRow[] = [];
  for (let seq = 0; seq < count; seq++) {
    const row = base[seq % base.length] as EventRow;
    rows.push([seq, row[1], row[2], row[3], row[4], row[5], row[6], row[7]]);
  }
  return rows;
}

/** Ours: the store's batched writer (Store.appendEvents, EVENT_BATCH_ROWS per transaction) into a fresh file. */
export function writeWithStore(dir: string, rows: readonly EventRow[]): number {
  const { store } = openStore(join(dir, "ours.db"));
  try {
    store.scenarios.upsertAll([{ id: SCENARIO_ID, title: "bench", topic: "transactions", protocol: "p", source: "" }]);
    store.runs.insert({
      id: RUN_ID,
      scenarioId: SCENARIO_ID,
      seed: 1,
      pace: null,
      scenarioSource: "",
      scenarioFile: "transactions/bench-scenario.yaml",
      createdAt: new Date().toISOString(),
    });
    const batches: EventRow[][] = [];
    for (let i = 0; i < rows.length; i += EVENT_BATCH_ROWS) batches.push(rows.slice(i, i + EVENT_BATCH_ROWS));
    const start = performance.now();
    let nextSeq = 0;
    for (const batch of batches) nextSeq = store.appendEvents(RUN_ID, nextSeq, batch);
    const elapsed = performance.now() - start;
    if (store.events.count(RUN_ID) !== rows.length) throw new Error("bench: the store did not keep every row");
    return elapsed;
  } finally {
    store.close();
  }
}

/**
 * The ceiling: plain better-sqlite3 on a fresh file with the same pragmas (WAL,
 * synchronous=NORMAL, foreign keys on) and the identical tables (the same
 * migrations), one prepared INSERT per row, 10,000 rows per transaction.
 */
export function writeRaw(dir: string, rows: readonly EventRow[]): number {
  const db = new Database(join(dir, "raw.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db);
    db.prepare(
      "INSERT INTO scenarios (id, title, topic, protocol, source, content_hash, loaded_at) VALUES (?, 'bench', 'transactions', 'p', '', ?, '')",
    ).run(SCENARIO_ID, "0".repeat(64));
    db.prepare("INSERT INTO runs (id, scenario_id, seed, status, created_at) VALUES (?, ?, 1, 'RUNNING', '')").run(
      RUN_ID,
      SCENARIO_ID,
    );
    const insert = db.prepare(
      "INSERT INTO events (run_id, seq, time, node, kind, summary, lamport, vclock, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const write = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const row = rows[i] as EventRow;
        insert.run(RUN_ID, row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]);
      }
    });
    const start = performance.now();
    for (let i = 0; i < rows.length; i += RAW_TRANSACTION_ROWS)
      write(i, Math.min(rows.length, i + RAW_TRANSACTION_ROWS));
    return performance.now() - start;
  } finally {
    db.close();
  }
}

/** (b) Trace rows per second written by the store against raw prepared inserts, each into a fresh file. */
export async function benchStoreWriter(options: {
  rows: number;
  repeats: number;
  budgetMs: number;
}): Promise<BenchRow[]> {
  const rows = traceRows(options.rows);
  const fresh = (write: (dir: string, rows: readonly EventRow[]) => number) => (): number => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-bench-"));
    try {
      return write(dir, rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const { ours, ceiling } = await timePair(fresh(writeWithStore), fresh(writeRaw), options);
  const oursRate = perSecond(rows.length, ours.bestMs);
  const ceilingRate = perSecond(rows.length, ceiling.bestMs);
  const ratio = oursRate / ceilingRate;
  return [
    {
      name: "store trace rows/s",
      ours: `${compact(oursRate)} rows/s`,
      ceiling: `${compact(ceilingRate)} rows/s`,
      ratio,
      target: "ours/ceiling >= 0.7",
      ok: ratio >= 0.7,
      note:
        `${rows.length} real 2PC trace rows into a fresh file in a temp dir (WAL, synchronous=NORMAL); ours ` +
        `Store.appendEvents in ${EVENT_BATCH_ROWS}-row transactions (contiguity check, event count update), ` +
        `ceiling raw prepared INSERTs in ${RAW_TRANSACTION_ROWS}-row transactions; ${runsPhrase(ours)} each, alternating`,
    },
  ];
}
