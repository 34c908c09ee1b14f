import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bareEventLoop } from "../../bench/bare-loop";
import type { BenchRow } from "../../bench/measure";
import { benchStoreWriter, traceRows, writeRaw, writeWithStore } from "../../bench/store-writer";
import { benchTwoPhaseCommit, runTwoPhaseCommit } from "../../bench/two-phase-commit";

/**
 * Each benchmark at a tiny size: it runs, measures what it says, and returns a
 * well-formed row. No timing is asserted (benchmarks are never timed tests).
 */

function assertRows(rows: readonly BenchRow[], names: readonly string[]): void {
  assert.deepEqual(
    rows.map((row) => row.name),
    names,
  );
  for (const row of rows) {
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, `${row.name}: a positive ratio, got ${row.ratio}`);
    assert.equal(typeof row.ok, "boolean", `${row.name}: the target is judged`);
    assert.match(row.ours, /\d/, `${row.name}: ours is a figure`);
    assert.match(row.ceiling, /\d/, `${row.name}: the ceiling is a figure`);
    assert.match(row.target, /ceiling/, `${row.name}: the target is a ratio to the ceiling`);
    assert.match(row.note, /best of|1 run/, `${row.name}: the note says how it was measured`);
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
