import { test } from "node:test";
import assert from "node:assert/strict";
import { benchGrading } from "../../bench/grading";

// Bench (h) at a tiny size: it runs end to end over a real server and returns its two
// rows, each with a finite, positive ratio. No timing is asserted.

test("bench (h) grades submissions over HTTP and in-process and reports both rows", async () => {
  const rows = await benchGrading({ students: 3, ceilingSamples: 1 });
  assert.deepEqual(
    rows.map((row) => row.name),
    ["grading, 3 students at once", "grading submit p99, 3 at once"],
  );
  for (const row of rows) {
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, `${row.name}: ratio ${row.ratio}`);
    assert.equal(typeof row.ok, "boolean");
  }
});
