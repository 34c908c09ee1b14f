import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkSerializability,
  HistoryError,
  LIMITS,
  LISTED_PER_TYPE,
  type AnomalyFound,
  type SerializabilityResult,
} from "../../src/checkers/serializability";
import * as H from "./serializability-histories";

/**
 * Hand-worked histories, one per class of Elle's (Kingsbury & Alvaro 2020)
 * after Adya's phenomena (1999); each history's comment works out
 * its edges. The tests assert on types, transactions and edge kinds, not on the
 * sentences.
 */

function only(result: SerializabilityResult): AnomalyFound {
  assert.equal(result.verdict, "NOT_SERIALIZABLE");
  assert.equal(result.anomalies.length, 1, `one anomaly: ${JSON.stringify(result.anomalies)}`);
  return result.anomalies[0]!;
}

/** A cycle as a set of transactions and a sorted list of edge kinds, independent of where it starts. */
function shape(anomaly: AnomalyFound): { transactions: number[]; kinds: string[] } {
  return {
    transactions: [...anomaly.cycle].sort((a, b) => a - b),
    kinds: anomaly.edges.map((edge) => edge.kind).sort(),
  };
}

/** The edges close: each ends where the next begins, and cycle lists their sources. */
function assertClosed(anomaly: AnomalyFound): void {
  anomaly.edges.forEach((edge, i) => {
    const next = anomaly.edges[(i + 1) % anomaly.edges.length]!;
    assert.equal(edge.to, next.from, `edge ${i} ends where edge ${i + 1} begins`);
    assert.equal(anomaly.cycle[i], edge.from);
    assert.ok(edge.explanation.length > 0);
  });
}

test("a history with a serial order is SERIALIZABLE (T0, T1, T2)", () => {
  const result = checkSerializability(H.SERIALIZABLE);
  assert.equal(result.verdict, "SERIALIZABLE");
  assert.deepEqual(result.anomalies, []);
  assert.equal(result.transactions, 3);
  assert.equal(result.reason, null);
  assert.deepEqual(result.edgeCounts, { WW: 1, WR: 2, RW: 0, REALTIME: 0, PROCESS: 0 });
});

test("G0: two writers append to x and y in opposite orders (Adya's G0)", () => {
  const anomaly = only(checkSerializability(H.G0));
  assert.equal(anomaly.type, "G0");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["WW", "WW"] });
  assertClosed(anomaly);
  assert.deepEqual(anomaly.edges.map((edge) => edge.key).sort(), ["x", "y"]);
});

test("G1a: a committed read sees an element of a failed transaction (Adya's G1)", () => {
  const anomaly = only(checkSerializability(H.G1A));
  assert.equal(anomaly.type, "G1A");
  assert.deepEqual(anomaly.cycle, [0, 1], "the writer, then the reader");
  assert.deepEqual(anomaly.edges, []);
});

test("G1b: a read ends at an element its writer appended to again (Adya's G1)", () => {
  const anomaly = only(checkSerializability(H.G1B));
  assert.equal(anomaly.type, "G1B");
  assert.deepEqual(anomaly.cycle, [0, 1], "the writer, then the reader");
});

test("G1c: each transaction reads the other's append (Adya's G1c)", () => {
  const anomaly = only(checkSerializability(H.G1C));
  assert.equal(anomaly.type, "G1C");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["WR", "WR"] });
  assertClosed(anomaly);
});

test("G-single: read skew, one anti-dependency closed by a read (Adya's G2)", () => {
  const anomaly = only(checkSerializability(H.G_SINGLE));
  assert.equal(anomaly.type, "G_SINGLE");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["RW", "WR"] });
  assertClosed(anomaly);
  const rw = anomaly.edges.find((edge) => edge.kind === "RW")!;
  assert.deepEqual([rw.from, rw.to, rw.key], [1, 0, "x"], "T1 read x before T0's append");
});

test("G2-item: write skew, two anti-dependencies (Adya's G2)", () => {
  const anomaly = only(checkSerializability(H.G2_ITEM));
  assert.equal(anomaly.type, "G2_ITEM");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["RW", "RW"] });
  assertClosed(anomaly);
});

test("a stale read is serializable, but not strictly: real-time order closes a G-single cycle", () => {
  const { realtime: _realtime, ...plain } = H.STALE_READ;
  assert.equal(checkSerializability(plain).verdict, "SERIALIZABLE", "T1, T0, T2 is a serial order");
  const anomaly = only(checkSerializability(H.STALE_READ));
  assert.equal(anomaly.type, "G_SINGLE");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["REALTIME", "RW"] });
  assertClosed(anomaly);
});

test("process order: the same stale read within one process breaks strong session serializability", () => {
  const txns = H.STALE_READ.txns.map(({ invokeIndex: _i, returnIndex: _r, ...txn }) => ({ ...txn, process: 0 }));
  assert.equal(checkSerializability({ kind: "list-append", txns }).verdict, "SERIALIZABLE");
  const anomaly = only(checkSerializability({ kind: "list-append", processOrder: true, txns }));
  assert.equal(anomaly.type, "G_SINGLE");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["PROCESS", "RW"] });
});

test("rw-register: a lost update is a G2-item cycle found through writes-follow-reads", () => {
  const anomaly = only(checkSerializability(H.LOST_UPDATE));
  assert.equal(anomaly.type, "G2_ITEM");
  assert.deepEqual(shape(anomaly), { transactions: [1, 2], kinds: ["RW", "RW"] });
  assertClosed(anomaly);
});

test("rw-register: reading x's initial nil and y's new value is G-single (nil precedes every version)", () => {
  const anomaly = only(checkSerializability(H.REGISTER_READ_SKEW));
  assert.equal(anomaly.type, "G_SINGLE");
  assert.deepEqual(shape(anomaly), { transactions: [0, 1], kinds: ["RW", "WR"] });
});

test("rw-register: G1a, G1b, internal inconsistency and a garbage read", () => {
  const g1a = only(
    checkSerializability(
      H.rwRegister(
        { process: 0, type: "fail", ops: [["w", "x", 1]] },
        { process: 1, type: "ok", ops: [["r", "x", 1]] },
      ),
    ),
  );
  assert.deepEqual([g1a.type, g1a.cycle], ["G1A", [0, 1]]);
  const g1b = only(
    checkSerializability(
      H.rwRegister(
        {
          process: 0,
          type: "ok",
          ops: [
            ["w", "x", 1],
            ["w", "x", 2],
          ],
        },
        { process: 1, type: "ok", ops: [["r", "x", 1]] },
      ),
    ),
  );
  assert.deepEqual([g1b.type, g1b.cycle], ["G1B", [0, 1]]);
  const internal = only(
    checkSerializability(
      H.rwRegister({
        process: 0,
        type: "ok",
        ops: [
          ["w", "x", 1],
          ["r", "x", null],
        ],
      }),
    ),
  );
  assert.deepEqual([internal.type, internal.cycle], ["INTERNAL", [0]]);
  const garbage = only(checkSerializability(H.rwRegister({ process: 0, type: "ok", ops: [["r", "x", 7]] })));
  assert.deepEqual([garbage.type, garbage.cycle], ["GARBAGE_READ", [0]]);
});

test("list-append: incompatible orders, duplicates, and a read that ignores the transaction's own append", () => {
  const incompatible = checkSerializability(
    H.listAppend(
      { process: 0, type: "ok", ops: [["append", "x", 1]] },
      { process: 1, type: "ok", ops: [["append", "x", 2]] },
      { process: 2, type: "ok", ops: [["r", "x", [1, 2]]] },
      { process: 3, type: "ok", ops: [["r", "x", [2]]] },
    ),
  );
  assert.ok(incompatible.anomalies.some((a) => a.type === "INCOMPATIBLE_ORDER" && a.cycle.includes(3)));
  const duplicate = checkSerializability(
    H.listAppend(
      { process: 0, type: "ok", ops: [["append", "x", 1]] },
      { process: 1, type: "ok", ops: [["r", "x", [1, 1]]] },
    ),
  );
  assert.ok(duplicate.anomalies.some((a) => a.type === "DUPLICATE_ELEMENTS"));
  const internal = only(
    checkSerializability(
      H.listAppend({
        process: 0,
        type: "ok",
        ops: [
          ["append", "x", 1],
          ["r", "x", []],
        ],
      }),
    ),
  );
  assert.deepEqual([internal.type, internal.cycle], ["INTERNAL", [0]]);
});

test("info transactions may have committed: their appends can be read; fail ones are not in the graph", () => {
  const result = checkSerializability(
    H.listAppend(
      {
        process: 0,
        type: "info",
        ops: [
          ["append", "x", 1],
          ["r", "y", null],
        ],
      },
      { process: 1, type: "ok", ops: [["r", "x", [1]]] },
      { process: 2, type: "fail", ops: [["append", "z", 1]] },
    ),
  );
  assert.equal(result.verdict, "SERIALIZABLE");
  assert.equal(result.edgeCounts.WR, 1);
});

test("the deadline turns a search into UNKNOWN, and anomalies already certain stay NOT_SERIALIZABLE", () => {
  const cyclic = checkSerializability(H.G2_ITEM, { pastDeadline: () => true });
  assert.equal(cyclic.verdict, "UNKNOWN");
  assert.match(cyclic.reason ?? "", /deadline/);
  const g1a = checkSerializability(H.G1A, { pastDeadline: () => true });
  assert.equal(g1a.verdict, "NOT_SERIALIZABLE");
});

test("a chain of 20,000 transactions, and a cycle through all of them, overflow no stack (Tarjan runs iteratively)", () => {
  const chain = (closed: boolean): unknown => {
    const txns: unknown[] = [
      {
        process: 0,
        type: "ok",
        ops: closed
          ? [
              ["r", "y", "end"],
              ["w", "x", 0],
            ]
          : [["w", "x", 0]],
      },
    ];
    for (let i = 1; i < 20_000; i++)
      txns.push({
        process: 0,
        type: "ok",
        ops: [
          ["r", "x", i - 1],
          ["w", "x", i],
        ],
      });
    if (closed)
      txns.push({
        process: 0,
        type: "ok",
        ops: [
          ["r", "x", 19_999],
          ["w", "y", "end"],
        ],
      });
    return { kind: "rw-register", txns };
  };
  assert.equal(checkSerializability(chain(false)).verdict, "SERIALIZABLE");
  const anomaly = only(checkSerializability(chain(true)));
  assert.equal(anomaly.type, "G1C");
  assert.equal(anomaly.cycle.length, 20_001, "every transaction is on the one cycle");
});

interface Malformed {
  readonly input: unknown;
  /** What the error must name: the path of the bad field. */
  readonly path: string;
}

const MALFORMED: readonly Malformed[] = [
  { input: [], path: "" },
  { input: { kind: "bank", txns: [] }, path: "kind" },
  { input: { kind: "list-append" }, path: "txns" },
  { input: { kind: "list-append", txns: [], realTime: true }, path: "realTime" },
  { input: { kind: "list-append", txns: [{ process: 0, type: "ok" }] }, path: "txns[0].ops" },
  { input: { kind: "list-append", txns: [{ process: 0, type: "done", ops: [] }] }, path: "txns[0].type" },
  { input: { kind: "list-append", txns: [{ process: 1.5, type: "ok", ops: [] }] }, path: "txns[0].process" },
  {
    input: { kind: "list-append", txns: [{ process: 0, type: "ok", ops: [["w", "x", 1]] }] },
    path: "txns[0].ops[0][0]",
  },
  {
    input: { kind: "list-append", txns: [{ process: 0, type: "ok", ops: [["r", "x", 1]] }] },
    path: "txns[0].ops[0][2]",
  },
  { input: { kind: "list-append", txns: [{ process: 0, type: "ok", ops: [["r", "x"]] }] }, path: "txns[0].ops[0]" },
  {
    input: { kind: "list-append", txns: [{ process: 0, type: "ok", ops: [["r", {}, []]] }] },
    path: "txns[0].ops[0][1]",
  },
  {
    input: { kind: "rw-register", txns: [{ process: 0, type: "ok", ops: [["append", "x", 1]] }] },
    path: "txns[0].ops[0][0]",
  },
  {
    input: { kind: "rw-register", txns: [{ process: 0, type: "ok", ops: [["w", "x", null]] }] },
    path: "txns[0].ops[0][2]",
  },
  {
    input: { kind: "list-append", realtime: true, txns: [{ process: 0, type: "ok", ops: [] }] },
    path: "txns[0].invokeIndex",
  },
  {
    input: { kind: "list-append", txns: [{ process: 0, type: "ok", ops: [], invokeIndex: 3, returnIndex: 2 }] },
    path: "txns[0].returnIndex",
  },
  {
    input: {
      kind: "list-append",
      txns: [
        { process: 0, type: "ok", ops: [["append", "x", 1]] },
        {
          process: 1,
          type: "ok",
          ops: [
            ["r", "x", []],
            ["append", "x", 1],
          ],
        },
      ],
    },
    path: "txns[1].ops[1][2]",
  },
];

test("malformed histories are refused with an error naming the transaction, op index and field", () => {
  for (const { input, path } of MALFORMED) {
    assert.throws(
      () => checkSerializability(input),
      (error: unknown) => error instanceof HistoryError && error.path === path && error.message.startsWith(path),
      `${JSON.stringify(input)} is refused at ${path || "the top"}`,
    );
  }
});

test("the size limits refuse by name", () => {
  const many = { kind: "rw-register", txns: Array.from({ length: LIMITS.transactions + 1 }, () => 0) };
  assert.throws(() => checkSerializability(many), /LIMITS\.transactions/);
  const op = ["r", "x", 1];
  const wide = {
    kind: "rw-register",
    txns: [{ process: 0, type: "ok", ops: Array.from({ length: LIMITS.ops + 1 }, () => op) }],
  };
  assert.throws(() => checkSerializability(wide), /LIMITS\.ops/);
});

test("at most LISTED_PER_TYPE anomalies of a type are listed, and the reason counts the rest", () => {
  const txns = [];
  for (let i = 0; i < LISTED_PER_TYPE + 5; i++) {
    txns.push({ process: 0, type: "fail", ops: [["w", "x", i]] }, { process: 1, type: "ok", ops: [["r", "x", i]] });
  }
  const result = checkSerializability({ kind: "rw-register", txns });
  assert.equal(result.verdict, "NOT_SERIALIZABLE");
  assert.equal(result.anomalies.length, LISTED_PER_TYPE);
  assert.ok(result.anomalies.every((anomaly) => anomaly.type === "G1A"));
  assert.match(result.reason ?? "", new RegExp(`listed ${LISTED_PER_TYPE} of ${LISTED_PER_TYPE + 5} G1A`));
});

test("one component can hold several classes: each is reported once, with its own shortest cycle", () => {
  // T0 and T1 append to x and y in opposite orders (G0) and also read each other's z appends (G1c).
  const result = checkSerializability({
    kind: "list-append",
    txns: [
      {
        process: 0,
        type: "ok",
        ops: [
          ["append", "x", 1],
          ["append", "y", 2],
          ["append", "z", 5],
          ["r", "w", [6]],
        ],
      },
      {
        process: 1,
        type: "ok",
        ops: [
          ["append", "x", 3],
          ["append", "y", 4],
          ["append", "w", 6],
          ["r", "z", [5]],
        ],
      },
      {
        process: 2,
        type: "ok",
        ops: [
          ["r", "x", [1, 3]],
          ["r", "y", [4, 2]],
        ],
      },
    ],
  });
  assert.deepEqual(result.anomalies.map((anomaly) => anomaly.type).sort(), ["G0", "G1C"]);
  for (const anomaly of result.anomalies) assert.deepEqual([...anomaly.cycle].sort(), [0, 1]);
});
