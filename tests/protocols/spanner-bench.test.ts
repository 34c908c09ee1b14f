import { test } from "node:test";
import assert from "node:assert/strict";
import { benchSpanner, runSpanner } from "../../bench/spanner";

// Smoke test of bench (k): the commit-wait workload (Corbett et al. 2012, 4.1.2) runs
// clean, every put waits and is acknowledged, and the row stands beside its ceiling.
// No timed assertion.

test("(k) the commit-wait workload acknowledges every put after its wait, with no violation", () => {
  const result = runSpanner(300);
  assert.equal(result.violations.length, 0);
  const ended = result.events.filter((e) => e.data?.["fact"] === "commit-wait-ended");
  assert.equal(ended.length, 300);
  for (const e of ended) assert.ok((e.data?.["earliest"] as number) > (e.data?.["timestamp"] as number));
  assert.equal(result.events.filter((e) => e.kind === "CLIENT_RETURN").length, 300);
});

test("(k) the bench row has ours, a ceiling and their ratio", () => {
  const [row] = benchSpanner({ transactions: 100, repeats: 1, budgetMs: 5_000 });
  assert.ok(row);
  assert.equal(row.name, "spanner commit-wait events/s");
  assert.match(row.ours, /ev\/s$/);
  assert.match(row.ceiling, /ev\/s$/);
  assert.ok(Number.isFinite(row.ratio) && row.ratio > 0);
});
