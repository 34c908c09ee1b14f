import { test } from "node:test";
import assert from "node:assert/strict";
import { benchLinearizability, replayInReturnOrder } from "../../bench/linearizability";
import { generateHistory } from "../../src/checkers/linearizability/generate";

// Bench (i) at a tiny size: it runs, its rows are well formed, and the ceiling
// replays every operation of a correct history (no timing is asserted).

test("(i) the linearizability bench reports a row per history, each beside its ceiling", () => {
  const rows = benchLinearizability({ sizes: [100], clients: [3], repeats: 1, checkBudgetMs: 5_000 });
  assert.equal(rows.length, 4);
  for (const row of rows) {
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, row.name);
    assert.match(row.note, /best of|1 run/);
    assert.match(row.note, /LINEARIZABLE/);
  }
});

test("(i) the ceiling replays a one-client history in return order, every operation fitting", () => {
  const history = generateHistory({ model: "cas-register", clients: 1, operations: 300, seed: 4 });
  // One client: return order is the real order, so every step fits.
  assert.equal(replayInReturnOrder(history), 300);
});
