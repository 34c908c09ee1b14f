import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLinearizability, historyFromTrace } from "../../src/checkers/linearizability";
import { runReplication } from "./dynamo-helpers";

// Issue 10: the same partition against a CP store (Raft) and an AP store (Dynamo),
// judged by the linearizability checker from the trace alone.

function verdict(id: string, seed?: number): string {
  const result = runReplication(id, seed);
  const history = historyFromTrace(result.events);
  assert.ok(history !== null, `${id} records client operations`);
  return checkLinearizability(history.history).verdict;
}

test("CAP: under the same partition Raft's history stays linearizable and the Dynamo store's is not (seeds 1-20)", () => {
  for (let seed = 1; seed <= 20; seed++) {
    assert.equal(verdict("cap-partition-cp-raft", seed), "LINEARIZABLE", `raft, seed ${seed}`);
    assert.equal(verdict("cap-partition-cp-vs-ap", seed), "NOT_LINEARIZABLE", `dynamo, seed ${seed}`);
  }
});

test("quorums: R + W <= N gives a history that is not linearizable; R + W > N without a partition does", () => {
  assert.equal(verdict("dynamo-quorum-stale-read"), "NOT_LINEARIZABLE");
  assert.equal(verdict("dynamo-quorum-strict-read"), "LINEARIZABLE");
});

test("last-writer-wins losing an acknowledged write is not linearizable", () => {
  assert.equal(verdict("dynamo-lww-lost-update"), "NOT_LINEARIZABLE");
});

test("the Dynamo store's failed or unknown puts reach the history as the trace reader expects", () => {
  const result = runReplication("dynamo-sloppy-quorum-hinted-handoff");
  const history = historyFromTrace(result.events);
  assert.ok(history !== null);
  const ops = history.history.operations;
  assert.deepEqual(
    ops.map((operation) => [operation["op"], operation["key"], operation["args"]]),
    [
      ["put", "x", [1]],
      ["put", "x", [2]],
      ["get", "x", []],
    ],
  );
  assert.equal(ops[2]?.["result"], 2);
  assert.equal(checkLinearizability(history.history).verdict, "LINEARIZABLE");
});
