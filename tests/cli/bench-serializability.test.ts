import { test } from "node:test";
import assert from "node:assert/strict";
import { benchHistory, benchSerializability, singlePass } from "../../bench/serializability";
import { checkSerializability } from "../../src/checkers/serializability";

/** (j) at a tiny size: it runs, its history is what it says, and its rows are well formed. No timing is asserted. */

test("(j) the bench's history is a serializable list-append history with every edge kind, and the rows are well formed", () => {
  const history = benchHistory(2_000);
  assert.equal(history.kind, "list-append");
  assert.equal(history.txns.length, 2_000);
  assert.deepEqual(benchHistory(2_000), history, "the same seed gives the same history");
  const result = checkSerializability(history);
  assert.equal(result.verdict, "SERIALIZABLE");
  assert.ok(result.edgeCounts.WW > 0 && result.edgeCounts.WR > 0 && result.edgeCounts.RW > 0, "ww, wr and rw edges");
  assert.equal(singlePass(history), singlePass(benchHistory(2_000)), "the ceiling's checksum is deterministic");
  const rows = benchSerializability({ sizes: [500], repeats: 1, budgetMs: 10_000 });
  assert.deepEqual(
    rows.map((row) => row.name),
    ["serializability 500 txns"],
  );
  for (const row of rows) {
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0);
    assert.match(row.target, /none set/);
    assert.match(row.note, /best of|1 run/);
  }
});
