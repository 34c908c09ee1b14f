import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "../../src/sim/json";
import type { EventKind } from "../../src/sim/types";
import { hashEvents } from "../../src/sim/world";
import { openDatabase } from "../../src/store/database";
import {
  EVENT_BATCH_ROWS,
  INTERRUPTED_RUN_ERROR,
  MIGRATIONS,
  migrate,
  openStore,
  openTraceWriter,
  schemaVersion,
  toEventRow,
  type EventRow,
  type Store,
} from "../../src/store";
import { realTrace } from "./contract/backends";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-store-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SOURCE = "id: echo-demo\ntitle: Echo\n";

function addScenario(store: Store, id = "echo-demo"): void {
  store.scenarios.upsertAll([{ id, title: "Echo", topic: "transactions", protocol: "echo", source: SOURCE }]);
}

function addRun(store: Store, id: string, seed = 7, pace: number | null = null): void {
  store.runs.insert({
    id,
    scenarioId: "echo-demo",
    seed,
    pace,
    scenarioSource: SOURCE,
    scenarioFile: "transactions/echo-demo.yaml",
    createdAt: new Date().toISOString(),
  });
}

/** n synthetic events of a two-node run, with nested data, for volume tests. */
function syntheticRows(n: number, from = 0): EventRow[] {
  const kinds: EventKind[] = ["SEND", "DELIVER", "STATE_CHANGE", "NOTE"];
  const rows: EventRow[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const data: JsonObject = { from: "a", to: "b", message: { type: "PING", n: seq } };
    rows.push(
      toEventRow({
        seq,
        time: seq * 2,
        node: seq % 2 === 0 ? "a" : "b",
        kind: kinds[seq % kinds.length] as EventKind,
        summary: `event ${seq} explained in one sentence.`,
        lamport: seq + 1,
        vclock: { a: seq, b: seq >> 1 },
        data,
      }),
    );
  }
  return rows;
}

test("a run round-trips: events, violations, status and final views come back exactly as written", (t) => {
  const dbPath = join(tempDir(t), "rt", "faultline.db");
  const { events, traceHash } = realTrace();
  const rows = events.map(toEventRow);
  {
    const { store } = openStore(dbPath);
    addScenario(store);
    addRun(store, "run-1");
    const next = store.appendEvents("run-1", 0, rows.slice(0, 5));
    assert.equal(store.runs.get("run-1")?.eventCount, 5, "the event count follows the stored rows");
    store.completeRun("run-1", next, rows.slice(5), [{ invariant: "Atomicity", seq: 3, message: "p1 and p2 differ" }], {
      eventCount: rows.length,
      traceHash,
      stopReason: "quiescent",
      finalNodes: JSON.stringify([{ node: "a", up: true, state: { pings: 1 } }]),
      finishedAt: new Date().toISOString(),
    });
    store.close();
  }
  const { store, interruptedRuns } = openStore(dbPath);
  t.after(() => store.close());
  assert.equal(interruptedRuns, 0);
  const run = store.runs.get("run-1");
  assert.equal(run?.status, "COMPLETED");
  assert.equal(run?.eventCount, events.length);
  assert.equal(run?.traceHash, traceHash);
  assert.equal(run?.stopReason, "quiescent");
  assert.equal(run?.seed, 7);
  assert.equal(run?.pace, null);
  const stored = store.events.range("run-1", 0, 10_000);
  assert.deepEqual(stored, events, "every event is stored and read back unchanged");
  assert.equal(hashEvents(stored), traceHash, "the stored trace has the recorded trace hash");
  assert.deepEqual(store.violations.list("run-1"), [{ invariant: "Atomicity", seq: 3, message: "p1 and p2 differ" }]);
  const source = store.runs.source("run-1");
  assert.equal(source?.scenarioSource, SOURCE);
  assert.equal(source?.scenarioFile, "transactions/echo-demo.yaml");
  assert.deepEqual(JSON.parse(source?.finalNodes ?? "null"), [{ node: "a", up: true, state: { pings: 1 } }]);
  assert.deepEqual(store.scenarios.get("echo-demo")?.source, SOURCE);

  const byNode = store.events.page("run-1", { limit: 1000, node: "b" });
  assert.deepEqual(
    byNode,
    events.filter((event) => event.node === "b"),
  );
  const delivers = store.events.page("run-1", { limit: 2, after: 0, kinds: ["DELIVER", "SEND"] });
  assert.deepEqual(
    delivers,
    events.filter((event) => event.seq > 0 && (event.kind === "DELIVER" || event.kind === "SEND")).slice(0, 2),
  );
});

test("batched writes store every row once, and a bad batch is refused whole", (t) => {
  const { store } = openStore(join(tempDir(t), "batch.db"));
  t.after(() => store.close());
  addScenario(store);
  addRun(store, "big");
  const rows = syntheticRows(12_345);
  let next = 0;
  for (let start = 0; start < rows.length; start += EVENT_BATCH_ROWS) {
    next = store.appendEvents("big", next, rows.slice(start, start + EVENT_BATCH_ROWS));
  }
  assert.equal(next, rows.length);
  assert.equal(store.events.count("big"), rows.length);
  assert.equal(store.runs.get("big")?.eventCount, rows.length);
  assert.deepEqual(store.events.get("big", 9_999), {
    seq: 9_999,
    time: 19_998,
    node: "b",
    kind: "NOTE",
    summary: "event 9999 explained in one sentence.",
    lamport: 10_000,
    vclock: { a: 9_999, b: 4_999 },
    data: { from: "a", to: "b", message: { type: "PING", n: 9_999 } },
  });

  // A gap, a duplicate, a row of an unknown kind in the middle: nothing of the batch is stored.
  assert.throws(() => store.appendEvents("big", next + 1, syntheticRows(10, next + 1)), /continue its trace/);
  assert.throws(() => store.appendEvents("big", next - 1, syntheticRows(10, next - 1)), /continue its trace/);
  const bad = syntheticRows(10, next).map((row, i) =>
    i === 6 ? ([...row.slice(0, 3), "EXPLODE", ...row.slice(4)] as unknown as EventRow) : row,
  );
  assert.throws(() => store.appendEvents("big", next, bad), /CHECK constraint/);
  assert.equal(store.events.count("big"), rows.length, "a refused batch leaves no row behind");
  assert.equal(store.runs.get("big")?.eventCount, rows.length);

  // A finished run's trace is closed.
  store.runs.fail("big", "stopped by the test");
  assert.throws(() => store.appendEvents("big", next, syntheticRows(1, next)), /no longer RUNNING/);
  assert.equal(store.events.count("big"), rows.length);
});

test("bad run input is refused by the schema and leaves stored data as it was", (t) => {
  const { store } = openStore(join(tempDir(t), "bad.db"));
  t.after(() => store.close());
  addScenario(store);
  assert.throws(() => addRun(store, "neg", -1), /CHECK constraint/);
  assert.throws(() => addRun(store, "huge", 2 ** 32), /CHECK constraint/);
  assert.throws(() => addRun(store, "pace", 1, 0), /CHECK constraint/);
  assert.throws(
    () =>
      store.runs.insert({
        id: "orphan",
        scenarioId: "no-such-scenario",
        seed: 1,
        pace: null,
        scenarioSource: "",
        scenarioFile: "x.yaml",
        createdAt: "x",
      }),
    /FOREIGN KEY/,
  );
  addRun(store, "ok");
  assert.throws(() => addRun(store, "ok"), /UNIQUE/);
  assert.equal(store.runs.count(), 1);
  const finalNodes = "not json";
  assert.throws(
    () =>
      store.completeRun("ok", 0, syntheticRows(3), [], {
        eventCount: 3,
        traceHash: "a".repeat(64),
        stopReason: "quiescent",
        finalNodes,
        finishedAt: "now",
      }),
    /CHECK constraint/,
  );
  assert.equal(store.events.count("ok"), 0, "a failed completion stores none of its rows");
  assert.equal(store.runs.get("ok")?.status, "RUNNING");
  assert.throws(
    () =>
      store.completeRun("ok", 0, syntheticRows(3), [], {
        eventCount: 4,
        traceHash: "a".repeat(64),
        stopReason: "quiescent",
        finalNodes: "[]",
        finishedAt: "now",
      }),
    /simulation recorded 4/,
  );
  assert.equal(store.events.count("ok"), 0);
  assert.equal(store.runs.fail("ok", "boom"), true);
  assert.equal(store.runs.fail("ok", "again"), false, "a finished run never changes again");
  assert.equal(store.runs.get("ok")?.error, "boom");
});

test("a version 1 database is upgraded in place, keeping its data; migrations run once", (t) => {
  const dbPath = join(tempDir(t), "v1.db");
  {
    const db = openDatabase(dbPath);
    const report = migrate(db, MIGRATIONS.slice(0, 1));
    assert.deepEqual(report, { from: 0, to: 1, applied: [1] });
    db.prepare(
      "INSERT INTO scenarios (id, title, topic, protocol, source, content_hash, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).run("echo-demo", "Echo", "transactions", "echo", SOURCE, "0".repeat(64), "2024-01-01T00:00:00.000Z");
    db.prepare(
      `INSERT INTO runs (id, scenario_id, seed, status, event_count, trace_hash, stop_reason, created_at, finished_at, scenario_source)
       VALUES ('old', 'echo-demo', 3, 'COMPLETED', 1, ?, 'quiescent', 'then', 'then', ?)`,
    ).run("b".repeat(64), SOURCE);
    db.prepare(
      "INSERT INTO events (run_id, seq, time, node, kind, summary, lamport, vclock, data) VALUES ('old', 0, 0, 'a', 'NOTE', 'hello.', 1, '{\"a\":1}', NULL)",
    ).run();
    const columns = db.prepare("SELECT name FROM pragma_table_info('runs')").pluck().all();
    assert.ok(!columns.includes("final_nodes"), "version 1 has no final_nodes column");
    db.close();
  }
  const opened = openStore(dbPath);
  const { store } = opened;
  t.after(() => store.close());
  const later = MIGRATIONS.slice(1).map((migration) => migration.version);
  assert.deepEqual(opened.migrations, { from: 1, to: MIGRATIONS.length, applied: later });
  assert.equal(schemaVersion(store.db), MIGRATIONS.length);
  const old = store.runs.get("old");
  assert.equal(old?.status, "COMPLETED");
  assert.equal(old?.traceHash, "b".repeat(64));
  assert.equal(store.runs.source("old")?.finalNodes, null, "the new columns are empty for old runs");
  assert.equal(store.runs.source("old")?.scenarioFile, null);
  assert.equal(
    store.runs.source("old")?.scenarioSource,
    SOURCE,
    "migration 4 moves the source into sources, unchanged",
  );
  assert.deepEqual(store.events.page("old", { limit: 10, kinds: ["NOTE"] }), [
    { seq: 0, time: 0, node: "a", kind: "NOTE", summary: "hello.", lamport: 1, vclock: { a: 1 }, data: null },
  ]);
  const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all();
  assert.ok(indexes.includes("events_by_kind"));
  assert.ok(indexes.includes("events_by_node"));
  store.close();

  const again = openStore(dbPath);
  assert.deepEqual(
    again.migrations,
    { from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] },
    "nothing is applied twice",
  );
  assert.equal(again.store.db.prepare("SELECT count(*) FROM schema_migrations").pluck().get(), MIGRATIONS.length);
  again.store.close();
});

test("a database from a newer faultline is refused, not damaged", (t) => {
  const dbPath = join(tempDir(t), "newer.db");
  openStore(dbPath).store.close();
  const db = openDatabase(dbPath);
  db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'later')").run();
  db.close();
  assert.throws(() => openStore(dbPath), /schema version 99, newer than this faultline knows/);
  assert.throws(() => openTraceWriter(dbPath), /schema version 99/);
});

test("runs left RUNNING by a dead process are FAILED on reopen, with their seed; finished runs are untouched", (t) => {
  const dbPath = join(tempDir(t), "crash.db");
  {
    const { store } = openStore(dbPath);
    addScenario(store);
    addRun(store, "done", 1);
    store.completeRun("done", 0, syntheticRows(2), [], {
      eventCount: 2,
      traceHash: "c".repeat(64),
      stopReason: "quiescent",
      finalNodes: "[]",
      finishedAt: "then",
    });
    addRun(store, "half-way", 42);
    store.appendEvents("half-way", 0, syntheticRows(7));
    assert.equal(store.runs.get("half-way")?.status, "RUNNING");
    // The process "dies": the connection is closed without finishing the run.
    store.close();
  }
  const { store, interruptedRuns } = openStore(dbPath);
  t.after(() => store.close());
  assert.equal(interruptedRuns, 1);
  const run = store.runs.get("half-way");
  assert.equal(run?.status, "FAILED");
  assert.equal(run?.error, `${INTERRUPTED_RUN_ERROR} (reproduce with seed=42)`);
  assert.ok(run?.finishedAt);
  assert.equal(run?.traceHash, null, "an interrupted run has no trace hash");
  assert.equal(run?.eventCount, 0, "the partial trace, which nothing can complete, is reclaimed (issue 13)");
  assert.equal(store.events.count("half-way"), 0);
  assert.equal(store.events.count("done"), 2);
  assert.equal(store.runs.get("done")?.status, "COMPLETED");
  assert.equal(store.runs.get("done")?.error, null);
});

test("runs are listed newest first, a page at a time, optionally by scenario", (t) => {
  const { store } = openStore(join(tempDir(t), "list.db"));
  t.after(() => store.close());
  addScenario(store);
  store.scenarios.upsertAll([{ id: "other", title: "Other", topic: "crdt", protocol: "echo", source: "x" }]);
  for (let i = 0; i < 5; i++) addRun(store, `r${i}`);
  store.runs.insert({
    id: "o1",
    scenarioId: "other",
    seed: 0,
    pace: null,
    scenarioSource: "x",
    scenarioFile: "crdt/other.yaml",
    createdAt: "now",
  });
  const first = store.runs.list({ limit: 3 });
  assert.deepEqual(
    first.map((run) => run.id),
    ["o1", "r4", "r3"],
  );
  const second = store.runs.list({ limit: 3, beforeNumber: first[2]?.number });
  assert.deepEqual(
    second.map((run) => run.id),
    ["r2", "r1", "r0"],
  );
  assert.deepEqual(
    store.runs.list({ limit: 10, scenarioId: "other" }).map((run) => run.id),
    ["o1"],
  );
  assert.equal(store.runs.count(), 6);
  assert.equal(store.runs.count("echo-demo"), 5);
});
