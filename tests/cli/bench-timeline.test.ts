import { test } from "node:test";
import assert from "node:assert/strict";
import { benchTimeline } from "../../bench/timeline";

// Bench row (k) at its real size but one call each: it runs, and its row is well formed.
// No timing is asserted (benchmarks are never timed tests).

test("(k) the timeline row measures 100 snapshots beside reading 1,000 events", async () => {
  const rows = await benchTimeline({ calls: 1, warmups: 0 });
  assert.deepEqual(
    rows.map((row) => row.name),
    ["timeline 100 snapshots"],
  );
  const row = rows[0];
  assert.ok(row !== undefined && Number.isFinite(row.ratio) && row.ratio > 0);
  assert.match(row.target, /^ours\/ceiling <= 3/);
  assert.match(row.ours, /\d+\.\d ms/);
  assert.match(row.note, /100 frames/);
});
