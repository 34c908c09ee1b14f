import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { executeSerially, type Kind, type TxnPlan } from "../../bench/serializability-workload";
import { checkSerializability } from "../../src/checkers/serializability";

/**
 * The defining property of serializability (Papadimitriou 1979; Adya 1999:
 * a history is serializable iff its direct serialization graph is
 * acyclic, and a serial execution has one in execution order): random
 * transactions applied one at a time, however listed, must check SERIALIZABLE;
 * with real-time and process order too, since the execution order respects
 * both. Failed transactions write to a scratch copy no one sees; info ones take
 * effect or not, unknown to the checker.
 */

const plan: fc.Arbitrary<TxnPlan> = fc.record({
  process: fc.integer({ min: 0, max: 3 }),
  type: fc.constantFrom<TxnPlan["type"]>("ok", "ok", "ok", "ok", "fail", "info"),
  applied: fc.boolean(),
  ops: fc.array(fc.record({ write: fc.boolean(), key: fc.integer({ min: 0, max: 3 }) }), {
    minLength: 1,
    maxLength: 5,
  }),
  early: fc.integer({ min: 0, max: 9 }),
  late: fc.integer({ min: 0, max: 9 }),
});

const workload = fc.record({
  kind: fc.constantFrom<Kind>("list-append", "rw-register"),
  plans: fc.array(plan, { minLength: 1, maxLength: 40 }),
  shuffle: fc.infiniteStream(fc.nat()),
});

test("a serial execution, listed in any order, is always SERIALIZABLE", () => {
  fc.assert(
    fc.property(workload, ({ kind, plans, shuffle }) => {
      const order = plans.map((_, index) => index);
      const draws = shuffle.take(order.length);
      for (const [i, draw] of [...draws].entries()) {
        const j = draw % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const result = checkSerializability(executeSerially(kind, plans, { listedOrder: order }));
      assert.equal(result.verdict, "SERIALIZABLE", JSON.stringify(result.anomalies));
    }),
    { numRuns: 300, seed: 11 },
  );
});

test("a serial execution with real-time and process order is SERIALIZABLE, and its edges are found", () => {
  let orderEdges = 0;
  fc.assert(
    fc.property(workload, ({ kind, plans }) => {
      const realtime = checkSerializability(executeSerially(kind, plans, { realtime: true }));
      assert.equal(realtime.verdict, "SERIALIZABLE", JSON.stringify(realtime.anomalies));
      const session = checkSerializability(executeSerially(kind, plans, { processOrder: true }));
      assert.equal(session.verdict, "SERIALIZABLE", JSON.stringify(session.anomalies));
      orderEdges += realtime.edgeCounts.REALTIME + session.edgeCounts.PROCESS;
    }),
    { numRuns: 200, seed: 12 },
  );
  assert.ok(orderEdges > 0, "not vacuous: the histories had real-time and process edges");
});

test("the property is not vacuous: swapping two committed reads' values in a history is caught", () => {
  // Two transactions each read what the other wrote: a G1c cycle a serial execution never makes.
  let caught = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), (value) => {
      const history = {
        kind: "rw-register",
        txns: [
          {
            process: 0,
            type: "ok",
            ops: [
              ["w", "x", value],
              ["r", "y", value + 1],
            ],
          },
          {
            process: 1,
            type: "ok",
            ops: [
              ["w", "y", value + 1],
              ["r", "x", value],
            ],
          },
        ],
      };
      if (checkSerializability(history).verdict === "NOT_SERIALIZABLE") caught += 1;
    }),
    { numRuns: 50, seed: 13 },
  );
  assert.equal(caught, 50);
});
