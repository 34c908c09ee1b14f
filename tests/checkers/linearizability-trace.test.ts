import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkLinearizability, historyFromTrace, parseHistory } from "../../src/checkers/linearizability";
import { parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { TraceEvent } from "../../src/sim/types";

// A run judged from its trace alone: CLIENT_INVOKE / CLIENT_RETURN events become a
// kv history. raft-stale-read's naive local read at the deposed leader returns the
// value a newer leader has overwritten and acknowledged, so the history is not
// linearizable; with ReadIndex instead (Ongaro's thesis, section 6.4; Raft paper,
// section 8) the deposed leader refuses, and the history is linearizable.

const STALE_READ_FILE = join(__dirname, "..", "..", "..", "scenarios", "consensus", "raft-stale-read.yaml");

function run(source: string): readonly TraceEvent[] {
  const parsed = parseScenario(source, "consensus/raft-stale-read.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return runScenario(parsed.scenario).events;
}

test("raft-stale-read: the naive local read is judged not linearizable", () => {
  const events = run(readFileSync(STALE_READ_FILE, "utf8"));
  const extracted = historyFromTrace(events);
  assert.ok(extracted !== null);
  const report = checkLinearizability(extracted.history);
  assert.equal(report.verdict, "NOT_LINEARIZABLE");
  // The operation that cannot be placed is the local read, which returned the old value 1.
  const failed = extracted.history.operations[report.failedOp as number];
  const invoke = events.find((event) => event.seq === failed?.["invokeIndex"]);
  assert.equal(invoke?.kind, "CLIENT_INVOKE");
  assert.equal((invoke?.data?.["args"] as { read?: string }).read, "local");
  assert.equal(failed?.["result"], 1);
  // ...after the put of 2, which was acknowledged before the read was invoked.
  const prefix = (report.prefix ?? []).map((index) => extracted.history.operations[index]);
  assert.deepEqual(prefix.at(-1)?.["args"], [2]);
  assert.ok((prefix.at(-1)?.["returnIndex"] as number) < (failed?.["invokeIndex"] as number));
});

test("raft-stale-read with ReadIndex instead of the local read is judged linearizable", () => {
  const original = readFileSync(STALE_READ_FILE, "utf8");
  const source = original.replace("{ key: x, read: local }", "{ key: x, read: readIndex }");
  assert.notEqual(source, original);
  const extracted = historyFromTrace(run(source));
  assert.ok(extracted !== null);
  const report = checkLinearizability(extracted.history);
  assert.equal(report.verdict, "LINEARIZABLE", report.explanation);
  // The deposed leader's ReadIndex reads failed (refused), and the one at the new leader saw 2.
  const history = parseHistory(extracted.history);
  const gets = history.operations.filter((op) => op.op === "get");
  assert.ok(gets.some((op) => op.failed));
  assert.ok(gets.some((op) => !op.failed && op.result === 2));
});

test("a trace with no key-value client operations has no history", () => {
  const events: TraceEvent[] = [
    {
      seq: 0,
      time: 0,
      node: "coord",
      kind: "CLIENT_INVOKE",
      summary: "A client asks coord to begin.",
      lamport: 1,
      vclock: { coord: 1 },
      data: { request: "r1", op: "begin", args: { tx: "t1" }, attempt: 0 },
    },
  ];
  assert.equal(historyFromTrace(events), null);
});

test("attempts, unknown outcomes, failures and named clients become operations of the right kind", () => {
  let seq = 0;
  const event = (kind: "CLIENT_INVOKE" | "CLIENT_RETURN", data: TraceEvent["data"]): TraceEvent => ({
    seq: seq++,
    time: seq,
    node: "n1",
    kind,
    summary: "",
    lamport: seq,
    vclock: {},
    data,
  });
  const events = [
    event("CLIENT_INVOKE", { request: "r1", op: "put", args: { key: "x", value: 1 }, attempt: 0 }),
    event("CLIENT_RETURN", {
      request: "r1",
      op: "put",
      result: { ok: false, error: "not the leader", redirect: "n2" },
    }),
    event("CLIENT_INVOKE", { request: "r1", op: "put", args: { key: "x", value: 1 }, attempt: 1 }),
    event("CLIENT_RETURN", {
      request: "r1",
      op: "put",
      result: { ok: false, error: "leadership lost: the outcome is unknown" },
    }),
    event("CLIENT_INVOKE", {
      request: "r2",
      op: "cas",
      args: { key: "x", expected: 1, value: 2 },
      attempt: 0,
      client: "c",
    }),
    event("CLIENT_RETURN", { request: "r2", op: "cas", result: { ok: true, swapped: true, value: 2 } }),
    event("CLIENT_INVOKE", { request: "r3", op: "get", args: { key: "x" }, attempt: 0, client: "c" }),
    event("CLIENT_RETURN", { request: "r3", op: "get", result: { ok: true, value: 2 } }),
  ];
  const extracted = historyFromTrace(events);
  assert.ok(extracted !== null);
  const operations = extracted.history.operations;
  assert.equal(operations.length, 4);
  assert.deepEqual(
    operations.map((op) => [op["op"], op["failed"] ?? false, op["returnIndex"], op["result"]]),
    [
      ["put", true, 1, undefined],
      ["put", false, null, undefined],
      ["cas", false, 5, true],
      ["get", false, 7, 2],
    ],
  );
  // r2 and r3 come from the one client the protocol named; r1's attempts share r1's number.
  assert.equal(operations[2]?.["client"], operations[3]?.["client"]);
  assert.equal(operations[0]?.["client"], operations[1]?.["client"]);
  // The put with an unknown outcome explains the successful cas from 1.
  assert.equal(checkLinearizability(extracted.history).verdict, "LINEARIZABLE");
});
