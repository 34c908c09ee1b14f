import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLinearizability, historyFromTrace } from "../../src/checkers/linearizability";
import type { JsonObject } from "../../src/sim/json";
import { runReplication } from "./dynamo-helpers";

// raft-linearizable-reads: ReadIndex against a naive local read on a deposed leader,
// judged by the linearizability checker from the trace alone (Herlihy and Wing 1990;
// ReadIndex: Ongaro's thesis, section 6.4).

const isLocalRead = (operation: JsonObject | undefined, events: ReturnType<typeof runReplication>["events"]) =>
  operation !== undefined &&
  (events[operation["invokeIndex"] as number]?.data?.["args"] as JsonObject | undefined)?.["read"] === "local";

test("the naive local read is the operation the checker cannot place, on every seed 1-20", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const result = runReplication("raft-linearizable-reads", seed);
    const extracted = historyFromTrace(result.events);
    assert.ok(extracted !== null, `seed ${seed}: client operations recorded`);
    const report = checkLinearizability(extracted.history);
    assert.equal(report.verdict, "NOT_LINEARIZABLE", `seed ${seed}`);
    const failed = extracted.history.operations[report.failedOp ?? -1];
    assert.ok(isLocalRead(failed, result.events), `seed ${seed}: the failed operation is the local read`);
  }
});

test("without the local read the same history is linearizable: ReadIndex refuses or answers the newest value", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const result = runReplication("raft-linearizable-reads", seed);
    const extracted = historyFromTrace(result.events);
    assert.ok(extracted !== null);
    const operations = extracted.history.operations.filter((operation) => !isLocalRead(operation, result.events));
    assert.equal(operations.length, extracted.history.operations.length - 1, `seed ${seed}: one local read`);
    const report = checkLinearizability({ ...extracted.history, operations });
    assert.equal(report.verdict, "LINEARIZABLE", `seed ${seed}: ${report.explanation}`);
  }
});
