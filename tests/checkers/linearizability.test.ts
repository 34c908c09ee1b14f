import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkLinearizability,
  HistoryError,
  MAX_OPERATIONS,
  parseHistory,
  type LinearizabilityReport,
} from "../../src/checkers/linearizability";
import type { Json, JsonObject } from "../../src/sim/json";

// Hand-worked histories and their verdicts (Herlihy and Wing 1990, section 2: a
// history is linearizable when its operations can be ordered, each taking effect
// at one moment between its invocation and its response, so that every result is
// what the sequential object gives). Drawn as client lanes, positions left to right.

interface Op {
  client: number;
  op: string;
  args?: Json[];
  result?: Json;
  key?: string;
  at: [number, number | null];
  failed?: boolean;
}

function history(model: string, operations: Op[], initial: Json = 0): JsonObject {
  return {
    model,
    initial,
    operations: operations.map((op) => ({
      client: op.client,
      op: op.op,
      args: op.args ?? [],
      ...(op.key === undefined ? {} : { key: op.key }),
      ...(op.result === undefined ? {} : { result: op.result }),
      invokeIndex: op.at[0],
      returnIndex: op.at[1],
      ...(op.failed === undefined ? {} : { failed: op.failed }),
    })),
  };
}

function check(model: string, operations: Op[], initial: Json = 0): LinearizabilityReport {
  return checkLinearizability(history(model, operations, initial));
}

test("a read after a completed write that returns the old value is not linearizable (the stale read)", () => {
  // c1: |--write 1--|
  // c2:               |--read -> 0--|
  const report = check("register", [
    { client: 1, op: "write", args: [1], at: [0, 1] },
    { client: 2, op: "read", result: 0, at: [2, 3] },
  ]);
  assert.equal(report.verdict, "NOT_LINEARIZABLE");
  assert.equal(report.failedOp, 1);
  assert.deepEqual(report.prefix, [0]);
  assert.equal(report.operations, 2);
});

test("the same read overlapping the write may see either value", () => {
  for (const seen of [0, 1]) {
    const report = check("register", [
      { client: 1, op: "write", args: [1], at: [0, 3] },
      { client: 2, op: "read", result: seen, at: [1, 2] },
    ]);
    assert.equal(report.verdict, "LINEARIZABLE", `read ${seen}`);
    assert.equal(report.failedOp, null);
  }
});

test("concurrent writes may be ordered either way, but every later read must agree on the order", () => {
  // c1: |--write 1------|
  // c2:    |--write 2------|
  // c3:                       |read -> x|  |read -> y|
  const writes: Op[] = [
    { client: 1, op: "write", args: [1], at: [0, 2] },
    { client: 2, op: "write", args: [2], at: [1, 3] },
  ];
  for (const last of [1, 2]) {
    const report = check("register", [
      ...writes,
      { client: 3, op: "read", result: last, at: [4, 5] },
      { client: 3, op: "read", result: last, at: [6, 7] },
    ]);
    assert.equal(report.verdict, "LINEARIZABLE", `both reads see ${last}`);
    // The order given ends with the write whose value the reads saw.
    assert.deepEqual(report.prefix?.slice(0, 2), last === 2 ? [0, 1] : [1, 0]);
  }
  const flipFlop = check("register", [
    ...writes,
    { client: 3, op: "read", result: 1, at: [4, 5] },
    { client: 3, op: "read", result: 2, at: [6, 7] },
  ]);
  assert.equal(flipFlop.verdict, "NOT_LINEARIZABLE");
  assert.equal(flipFlop.failedOp, 3);
});

test("a write with no reply may have taken effect, or not", () => {
  // c1: |--write 1 ... (no reply)
  // c2:          |read -> 1|   (it took effect)
  // c3:          |read -> 0|   (it had not yet)
  for (const seen of [0, 1]) {
    const report = check("register", [
      { client: 1, op: "write", args: [1], at: [0, null] },
      { client: 2, op: "read", result: seen, at: [5, 6] },
    ]);
    assert.equal(report.verdict, "LINEARIZABLE", `read ${seen}`);
  }
  // It never took effect: the read of 0 at 5 is fine, and so is the read of 0 at 9.
  const never = check("register", [
    { client: 1, op: "write", args: [1], at: [0, null] },
    { client: 2, op: "read", result: 0, at: [5, 6] },
    { client: 2, op: "read", result: 0, at: [9, 10] },
  ]);
  assert.equal(never.verdict, "LINEARIZABLE");
  // ...but once a read has seen it, a later read cannot see the old value again.
  const undone = check("register", [
    { client: 1, op: "write", args: [1], at: [0, null] },
    { client: 2, op: "read", result: 1, at: [5, 6] },
    { client: 2, op: "read", result: 0, at: [9, 10] },
  ]);
  assert.equal(undone.verdict, "NOT_LINEARIZABLE");
  assert.equal(undone.failedOp, 2);
});

test("an operation with no reply cannot take effect before its invocation", () => {
  const report = check("register", [
    { client: 2, op: "read", result: 1, at: [0, 1] },
    { client: 1, op: "write", args: [1], at: [2, null] },
  ]);
  assert.equal(report.verdict, "NOT_LINEARIZABLE");
  assert.equal(report.failedOp, 0);
  assert.deepEqual(report.prefix, []);
});

test("a failed operation never took effect", () => {
  const report = check("register", [
    { client: 1, op: "write", args: [1], at: [0, 1], failed: true },
    { client: 2, op: "read", result: 1, at: [2, 3] },
  ]);
  assert.equal(report.verdict, "NOT_LINEARIZABLE");
  assert.equal(report.failedOp, 1);
  const unseen = check("register", [
    { client: 1, op: "write", args: [1], at: [0, 1], failed: true },
    { client: 2, op: "read", result: 0, at: [2, 3] },
  ]);
  assert.equal(unseen.verdict, "LINEARIZABLE");
  assert.deepEqual(unseen.prefix, [1]);
});

test("null is a value a read can return, while an absent result is unknown", () => {
  const nullRead = check("register", [{ client: 1, op: "read", result: null, at: [0, 1] }], null);
  assert.equal(nullRead.verdict, "LINEARIZABLE");
  const wrongNull = check("register", [{ client: 1, op: "read", result: null, at: [0, 1] }], 0);
  assert.equal(wrongNull.verdict, "NOT_LINEARIZABLE");
  const unknownRead = check("register", [{ client: 1, op: "read", at: [0, 1] }], 0);
  assert.equal(unknownRead.verdict, "LINEARIZABLE");
});

test("compare-and-swap: two successful swaps from the same value cannot both have happened", () => {
  const both = check("cas-register", [
    { client: 1, op: "cas", args: [0, 1], result: true, at: [0, 2] },
    { client: 2, op: "cas", args: [0, 2], result: true, at: [1, 3] },
  ]);
  assert.equal(both.verdict, "NOT_LINEARIZABLE");
  const one = check("cas-register", [
    { client: 1, op: "cas", args: [0, 1], result: true, at: [0, 2] },
    { client: 2, op: "cas", args: [0, 2], result: false, at: [1, 3] },
    { client: 3, op: "read", result: 1, at: [4, 5] },
  ]);
  assert.equal(one.verdict, "LINEARIZABLE");
  // The failed swap must come after the successful one: the register was 0 at the start.
  assert.deepEqual(one.prefix, [0, 1, 2]);
  const lied = check("cas-register", [{ client: 1, op: "cas", args: [0, 1], result: false, at: [0, 1] }]);
  assert.equal(lied.verdict, "NOT_LINEARIZABLE");
  assert.equal(lied.failedOp, 0);
  // A cas with no reply may have swapped: the read of 1 is explained by it.
  const pending = check("cas-register", [
    { client: 1, op: "cas", args: [0, 1], at: [0, null] },
    { client: 2, op: "read", result: 1, at: [2, 3] },
  ]);
  assert.equal(pending.verdict, "LINEARIZABLE");
});

test("kv: each key is its own register, and the failing key is named", () => {
  const report = check(
    "kv",
    [
      { client: 1, op: "put", key: "x", args: [1], at: [0, 1] },
      { client: 2, op: "put", key: "y", args: [5], at: [0, 1] },
      { client: 1, op: "get", key: "y", result: 5, at: [2, 3] },
      { client: 2, op: "get", key: "x", result: null, at: [2, 3] },
    ],
    { y: 0 },
  );
  assert.equal(report.verdict, "NOT_LINEARIZABLE");
  assert.equal(report.failedOp, 3);
  assert.deepEqual(report.prefix, [0]);
  assert.match(report.explanation, /\bx\b/);
  const fine = check(
    "kv",
    [
      { client: 1, op: "put", key: "x", args: [1], at: [0, 1] },
      { client: 2, op: "append", key: "s", args: ["a"], at: [0, 3] },
      { client: 1, op: "append", key: "s", args: ["b"], at: [2, 4] },
      { client: 3, op: "get", key: "s", result: "ab", at: [5, 6] },
      { client: 3, op: "cas", key: "x", args: [1, 2], result: true, at: [7, 8] },
      { client: 3, op: "get", key: "x", result: 2, at: [9, 10] },
    ],
    {},
  );
  assert.equal(fine.verdict, "LINEARIZABLE");
  assert.equal(fine.prefix?.length, 6);
});

test("append builds strings and lists; the order of concurrent appends is fixed by what is read", () => {
  const report = check(
    "kv",
    [
      { client: 1, op: "append", key: "l", args: [1], at: [0, 3] },
      { client: 2, op: "append", key: "l", args: [2], at: [1, 2] },
      { client: 3, op: "get", key: "l", result: [2, 1], at: [4, 5] },
    ],
    { l: [] },
  );
  assert.equal(report.verdict, "LINEARIZABLE");
  assert.deepEqual(report.prefix, [1, 0, 2]);
  const bad = check("kv", [{ client: 1, op: "append", key: "n", args: [1], at: [0, 1] }], { n: 5 });
  assert.equal(bad.verdict, "NOT_LINEARIZABLE");
});

test("the explanation of a stale read names the operation, its client and positions, and the prefix", () => {
  const report = check("register", [
    { client: 1, op: "write", args: [1], at: [0, 1] },
    { client: 7, op: "read", result: 0, at: [20, 23] },
  ]);
  // Facts, not wording: the client, both positions and the value that was read all appear.
  for (const fact of ["7", "20", "23", "0"]) assert.ok(report.explanation.includes(fact), fact);
});

test("a deadline that has passed gives UNKNOWN, never a hang", () => {
  // Twelve concurrent writes and a read nothing wrote: proving it takes many steps.
  const operations: Op[] = [];
  for (let client = 0; client < 12; client++) {
    operations.push({ client, op: "write", args: [client + 1], at: [client, 100 + client] });
  }
  operations.push({ client: 99, op: "read", result: 1000, at: [50, 60] });
  let asked = 0;
  const report = checkLinearizability(history("register", operations), {
    expired: () => {
      asked += 1;
      return true;
    },
  });
  assert.equal(report.verdict, "UNKNOWN");
  assert.equal(report.prefix, null);
  assert.equal(report.failedOp, null);
  assert.ok(asked >= 1);
  // Without the deadline the same history is decided.
  assert.equal(checkLinearizability(history("register", operations)).verdict, "NOT_LINEARIZABLE");
});

test("a memory budget that is too small also gives UNKNOWN", () => {
  const operations: Op[] = [];
  for (let client = 0; client < 10; client++) {
    operations.push({ client, op: "write", args: [client + 1], at: [client, 100 + client] });
  }
  const report = checkLinearizability(history("register", operations), { maxCacheWords: 3 });
  assert.equal(report.verdict, "UNKNOWN");
});

test("malformed histories are refused with the operation and field named", () => {
  const good = { client: 1, op: "read", args: [], result: 0, invokeIndex: 0, returnIndex: 1 };
  const cases: { input: unknown; path: string; operation: number | null }[] = [
    { input: [], path: "history", operation: null },
    { input: { model: "queue", operations: [] }, path: "model", operation: null },
    { input: { model: "register" }, path: "operations", operation: null },
    { input: { model: "kv", initial: 3, operations: [] }, path: "initial", operation: null },
    { input: { model: "register", operations: [], extra: 1 }, path: "extra", operation: null },
    {
      input: { model: "register", operations: [good, { ...good, invokeIndex: 9, returnIndex: 4 }] },
      path: "operations[1].returnIndex",
      operation: 1,
    },
    {
      input: {
        model: "register",
        operations: [
          { ...good, returnIndex: 5 },
          { ...good, invokeIndex: 3, returnIndex: 7 },
        ],
      },
      path: "operations[1].invokeIndex",
      operation: 1,
    },
    {
      input: {
        model: "register",
        operations: [
          { ...good, returnIndex: null, result: undefined },
          { ...good, invokeIndex: 3, returnIndex: 7 },
        ],
      },
      path: "operations[1].invokeIndex",
      operation: 1,
    },
    {
      input: { model: "register", operations: [good, { ...good, op: "cas", args: [0, 1] }] },
      path: "operations[1].op",
      operation: 1,
    },
    { input: { model: "register", operations: [{ ...good, args: [1] }] }, path: "operations[0].args", operation: 0 },
    {
      input: { model: "cas-register", operations: [{ ...good, op: "cas", args: [1] }] },
      path: "operations[0].args",
      operation: 0,
    },
    {
      input: { model: "cas-register", operations: [{ ...good, op: "cas", args: [0, 1], result: "yes" }] },
      path: "operations[0].result",
      operation: 0,
    },
    { input: { model: "kv", operations: [{ ...good, op: "get" }] }, path: "operations[0].key", operation: 0 },
    { input: { model: "register", operations: [{ ...good, key: "x" }] }, path: "operations[0].key", operation: 0 },
    { input: { model: "register", operations: [{ ...good, client: -1 }] }, path: "operations[0].client", operation: 0 },
    {
      input: { model: "register", operations: [{ ...good, invokeIndex: 1.5 }] },
      path: "operations[0].invokeIndex",
      operation: 0,
    },
    {
      input: { model: "register", operations: [{ ...good, failed: "no" }] },
      path: "operations[0].failed",
      operation: 0,
    },
    {
      input: { model: "register", operations: [{ ...good, returnIndex: null }] },
      path: "operations[0].result",
      operation: 0,
    },
    { input: { model: "register", operations: [{ ...good, when: 3 }] }, path: "operations[0].when", operation: 0 },
    { input: { model: "register", operations: [7] }, path: "operations[0]", operation: 0 },
  ];
  for (const { input, path, operation } of cases) {
    assert.throws(
      () => parseHistory(input),
      (error: unknown) => error instanceof HistoryError && error.path === path && error.operation === operation,
      `${JSON.stringify(input)} should be refused at ${path}`,
    );
  }
});

test("more than the limit of operations is refused, naming the limit", () => {
  const operations = Array.from({ length: MAX_OPERATIONS + 1 }, (_, i) => ({
    client: i,
    op: "read",
    args: [],
    result: 0,
    invokeIndex: i,
    returnIndex: i,
  }));
  assert.throws(
    () => parseHistory({ model: "register", operations }),
    (error: unknown) => error instanceof HistoryError && error.path === "operations" && /100,000/.test(error.message),
  );
});

test("an empty history is linearizable", () => {
  const report = checkLinearizability({ model: "kv", operations: [] });
  assert.equal(report.verdict, "LINEARIZABLE");
  assert.deepEqual(report.prefix, []);
  assert.equal(report.operations, 0);
});

test("a write of the value already held may still be the write that a later read sees", () => {
  // Found by the brute-force cross-check: c0's write of 1 (no reply) changes nothing
  // if placed first, but placed after c1's write of 0 it explains the read of 1.
  const report = check(
    "register",
    [
      { client: 1, op: "write", args: [0], at: [1, 1] },
      { client: 1, op: "read", result: 1, at: [2, 2] },
      { client: 0, op: "write", args: [1], at: [0, null] },
    ],
    1,
  );
  assert.equal(report.verdict, "LINEARIZABLE");
  assert.deepEqual(report.prefix, [0, 2, 1]);
});
