import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execute, parse } from "graphql";
import { bareEventLoop } from "../../bench/bare-loop";
import { benchGraphqlPage, minimalSchema, PAGE_QUERY, PAGE_SIZE } from "../../bench/graphql-page";
import { benchRaft, runRaft } from "../../bench/raft";
import { benchRga, replayMemory } from "../../bench/rga";
import { replayYjs, yjsText } from "../../bench/rga-yjs";
import { rgaText } from "../../src/protocols/crdt/datatypes/rga";
import { editingTrace, replayTrace } from "../../src/protocols/crdt/datatypes/rga-trace";
import { benchStartRun } from "../../bench/start-run";
import type { BenchRow } from "../../bench/measure";
import { benchStoreWriter, traceRows, writeRaw, writeWithStore } from "../../bench/store-writer";
import { benchTwoPhaseCommit, runTwoPhaseCommit } from "../../bench/two-phase-commit";

/**
 * Each benchmark at a tiny size: it runs, measures what it says, and returns a
 * well-formed row. No timing is asserted (benchmarks are never timed tests).
 */

/**
 * `noiseRows`: rows whose figure may honestly be zero at a smoke test's size (a peak
 * RSS growth over a 600-edit replay is below the allocator's granularity); their
 * ratio must still be a finite number, never negative.
 */
function assertRows(rows: readonly BenchRow[], names: readonly string[], noiseRows: readonly string[] = []): void {
  assert.deepEqual(
    rows.map((row) => row.name),
    names,
  );
  for (const row of rows) {
    const positive = noiseRows.includes(row.name) ? row.ratio >= 0 : row.ratio > 0;
    assert.ok(Number.isFinite(row.ratio) && positive, `${row.name}: a positive ratio, got ${row.ratio}`);
    if (row.ok === null) assert.match(row.target, /none set/, `${row.name}: no target, and it says so`);
    else assert.match(row.target, /^ours\/ceiling [<>]= \d/, `${row.name}: the target is a ratio to the ceiling`);
    assert.match(row.ours, /\d/, `${row.name}: ours is a figure`);
    assert.match(row.ceiling, /\d/, `${row.name}: the ceiling is a figure`);
    assert.match(row.note, /best of|1 run|median of/, `${row.name}: the note says how it was measured`);
  }
}

test("(a) the 2PC workload commits every transaction with no violation, and the bare loop makes as many events", () => {
  const result = runTwoPhaseCommit(20);
  assert.equal(result.stopReason, "quiescent");
  assert.deepEqual(result.violations, []);
  const replies = result.events.filter((event) => event.kind === "CLIENT_RETURN");
  assert.equal(replies.length, 20, "one reply per transaction");
  assert.ok(
    replies.every((event) => event.summary.includes("COMMITTED")),
    "every transaction commits",
  );
  assert.equal(bareEventLoop(result.eventCount, ["a", "b"]).length, result.eventCount);
  assertRows(benchTwoPhaseCommit({ transactions: 10, repeats: 1, budgetMs: 10_000 }), [
    "2pc sim events/s",
    "2pc sim events/s, no checkers",
  ]);
});

test("(b) the store's writer and the raw inserts each store every row, in a temp dir", async () => {
  const rows = traceRows(1_200);
  assert.deepEqual(
    rows.map((row) => row[0]),
    rows.map((_, index) => index),
    "rows are contiguous from seq 0",
  );
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-smoke-"));
  try {
    assert.ok(writeWithStore(dir, rows) >= 0);
    assert.ok(writeRaw(dir, rows) >= 0);
    assert.ok(existsSync(join(dir, "ours.db")) && existsSync(join(dir, "raw.db")), "real files");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const before = readdirSync(tmpdir()).filter((name) => name.startsWith("faultline-bench-")).length;
  assertRows(await benchStoreWriter({ rows: 500, repeats: 1, budgetMs: 10_000 }), ["store trace rows/s"]);
  const after = readdirSync(tmpdir()).filter((name) => name.startsWith("faultline-bench-")).length;
  assert.equal(after, before, "the benchmark removes its temp dirs");
});

test("(c) a 1000-event page is served over HTTP and in-process, and the hand-written schema answers the same data", async () => {
  assertRows(await benchGraphqlPage({ calls: 2, warmups: 1 }), [
    "graphql 1000-event page, HTTP",
    "graphql 1000-event page, in-process",
  ]);
  const events = runTwoPhaseCommit(40).events;
  assert.ok(events.length > PAGE_SIZE);
  const result = await execute({
    schema: minimalSchema(events),
    document: parse(PAGE_QUERY),
    variableValues: { id: "r1", first: PAGE_SIZE },
  });
  assert.equal(result.errors, undefined);
  const page = (result.data as { run: { events: { events: { seq: number; vclock: unknown }[]; hasMore: boolean } } })
    .run.events;
  assert.equal(page.events.length, PAGE_SIZE);
  assert.equal(page.hasMore, true);
  const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
  assert.deepEqual(plain(page.events[5]), plain(events[5]), "every field of an event comes back as stored");
});

test("(d) the Raft cluster commits every write, and the benchmark reports events and entries", () => {
  const { result, committed } = runRaft(100);
  assert.ok(committed >= 100, `committed ${committed} of 100 writes`);
  assert.deepEqual(result.violations, []);
  assertRows(benchRaft({ writes: 50, repeats: 1, budgetMs: 10_000 }), [
    "raft sim events/s",
    "raft committed entries/s",
  ]);
});

test("(e) the editing trace is realistic, ours and Yjs replay it to the same text, and both memory runs report a peak", async () => {
  const trace = editingTrace(4_000, 1);
  const deletes = trace.deletes / 4_000;
  assert.ok(deletes > 0.25 && deletes < 0.35, `about 30% deletions, got ${deletes}`);
  assert.equal(trace.inserts - trace.deletes, trace.finalLength);
  const text = rgaText(replayTrace(trace));
  assert.equal(text.length, trace.finalLength);
  assert.equal(yjsText(replayYjs(trace)), text, "Yjs ends with the same text");
  assert.deepEqual(editingTrace(4_000, 1), trace, "the trace is a function of its seed");
  for (const which of ["ours", "yjs"] as const) {
    const memory = replayMemory(which, 1_000, 1);
    assert.ok(memory.peakBytes >= 0 && memory.retainedBytes >= 0);
    assert.equal(memory.textLength, editingTrace(1_000, 1).finalLength, `${which}: the child replayed the trace`);
  }
  assertRows(
    await benchRga({ edits: 600, repeats: 1, budgetMs: 10_000 }),
    ["rga editing trace ops/s", "rga editing trace peak memory", "rga merge ops/s"],
    ["rga editing trace peak memory"],
  );
});

test("(f) and (g) startRun over HTTP runs, sequentially and at once, and reports each beside its ceiling", async () => {
  const before = readdirSync(tmpdir()).filter((name) => name.startsWith("faultline-bench-")).length;
  assertRows(await benchStartRun({ calls: 3, warmups: 1, concurrent: 3, rounds: 1 }), [
    "startRun 2pc-happy-path, HTTP p50",
    "runs/s, 3 concurrent startRuns",
  ]);
  const after = readdirSync(tmpdir()).filter((name) => name.startsWith("faultline-bench-")).length;
  assert.equal(after, before, "the benchmark removes its temp dir");
});
