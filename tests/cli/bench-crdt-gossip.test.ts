import { test } from "node:test";
import assert from "node:assert/strict";
import { benchCrdtGossip, runGossip } from "../../bench/crdt-gossip";

// The bench row beside (e): delta vs state vs op gossip on one OR-Set workload
// (Almeida, Shoker & Baquero 2018), at a tiny size. Counts, never times.

test("(e') the same OR-Set workload converges in every mode, and the rows compare bytes to state-based gossip", () => {
  const state = runGossip("state", 40);
  const op = runGossip("op", 40);
  const delta = runGossip("delta", 40);
  assert.equal(op.value, state.value);
  assert.equal(delta.value, state.value);
  assert.ok(delta.bytes < state.bytes, `delta ${delta.bytes} B vs state ${state.bytes} B`);
  const rows = benchCrdtGossip({ updates: 40 });
  assert.deepEqual(
    rows.map((row) => row.name),
    ["crdt gossip bytes, delta vs state", "crdt gossip bytes, op vs state"],
  );
  assert.equal(rows[0]?.ratio, delta.bytes / state.bytes, "deterministic: the row's runs are these runs");
  assert.equal(rows[0]?.ok, true);
  assert.match(rows[0]?.target ?? "", /^ours\/ceiling <= 1/);
});
