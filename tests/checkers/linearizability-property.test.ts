import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkLinearizability, parseHistory, type HistoryOperation } from "../../src/checkers/linearizability";
import { breakOneRead, generateHistory } from "../../src/checkers/linearizability/generate";
import { canonicalJson, type Json } from "../../src/sim/json";

// Properties of the checker against histories whose answer is known: those made by
// a correct atomic store are linearizable by construction (each operation takes
// effect at one moment inside its interval), and one read changed to a value never
// written cannot be explained by any order. Then a cross-check against a
// brute-force checker that tries every order respecting real time (Herlihy and
// Wing 1990, section 2, taken literally) on small random histories.

const MODELS = ["register", "cas-register", "kv"] as const;

test("histories made by a correct register with overlapping clients are always linearizable", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...MODELS),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.boolean(),
      (model, clients, operations, seed, faults) => {
        const history = generateHistory({
          model,
          clients,
          operations,
          keys: 3,
          seed,
          noReplyRate: faults ? 0.1 : 0,
          failRate: faults ? 0.1 : 0,
        });
        const report = checkLinearizability(history);
        assert.equal(report.verdict, "LINEARIZABLE", `seed=${seed} ${model}: ${report.explanation}`);
        // The order given is a real linearization: every operation that took effect, each once.
        const order = report.prefix ?? [];
        assert.equal(new Set(order).size, order.length);
        const parsed = parseHistory(history).operations;
        assert.ok(
          replays(
            model,
            history.initial,
            order.map((i) => parsed[i] as HistoryOperation),
          ),
        );
      },
    ),
    { numRuns: 150 },
  );
});

test("changing one read to a value never written makes the history not linearizable, and names that read", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...MODELS),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 5, max: 200 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (model, clients, operations, seed) => {
        const history = generateHistory({ model, clients, operations, keys: 3, seed });
        fc.pre(breakOneRead(history));
        const broken = history.operations.findIndex((operation) => operation["result"] === "never written");
        const report = checkLinearizability(history);
        assert.equal(report.verdict, "NOT_LINEARIZABLE", `seed=${seed} ${model}`);
        assert.equal(report.failedOp, broken, `seed=${seed} ${model}: ${report.explanation}`);
      },
    ),
    { numRuns: 150 },
  );
});

test("the checker agrees with a brute-force search of every order on small random histories", () => {
  let decided = { yes: 0, no: 0 };
  fc.assert(
    fc.property(smallHistory, (history) => {
      const report = checkLinearizability(history);
      const expected = bruteForce(history.model, history.initial, parseHistory(history).operations);
      assert.equal(report.verdict, expected ? "LINEARIZABLE" : "NOT_LINEARIZABLE", JSON.stringify(history));
      decided = expected ? { ...decided, yes: decided.yes + 1 } : { ...decided, no: decided.no + 1 };
    }),
    { numRuns: 2000 },
  );
  // Not vacuous: both verdicts came up often.
  assert.ok(decided.yes > 50 && decided.no > 50, JSON.stringify(decided));
});

// ------------------------------------------------------------------ small random histories

/** Up to 6 operations of up to 4 clients over values 0-2, with random intervals, outcomes and failures. */
const smallHistory = fc
  .record({
    model: fc.constantFrom("register", "cas-register"),
    initial: fc.integer({ min: 0, max: 2 }),
    operations: fc.array(
      fc.record({
        client: fc.integer({ min: 0, max: 3 }),
        kind: fc.constantFrom("read", "write", "cas"),
        a: fc.integer({ min: 0, max: 2 }),
        b: fc.integer({ min: 0, max: 2 }),
        swapped: fc.boolean(),
        start: fc.integer({ min: 0, max: 12 }),
        length: fc.integer({ min: 0, max: 6 }),
        fate: fc.constantFrom("reply", "reply", "reply", "reply", "no-reply", "failed"),
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ model, initial, operations }) => {
    // Each client's operations one after another: shift them so they do not overlap.
    const clientFree = new Map<number, number>();
    const made = [];
    for (const op of operations) {
      const kind = op.kind === "cas" && model === "register" ? "write" : op.kind;
      const free = clientFree.get(op.client);
      if (free === Number.POSITIVE_INFINITY) continue;
      const invokeIndex = Math.max(op.start, (free ?? -1) + 1);
      const returnIndex = op.fate === "no-reply" ? null : invokeIndex + op.length;
      clientFree.set(op.client, returnIndex ?? Number.POSITIVE_INFINITY);
      const args = kind === "read" ? [] : kind === "write" ? [op.a] : [op.a, op.b];
      const result =
        op.fate === "no-reply" ? {} : kind === "read" ? { result: op.b } : kind === "cas" ? { result: op.swapped } : {};
      made.push({
        client: op.client,
        op: kind,
        args,
        ...result,
        invokeIndex,
        returnIndex,
        ...(op.fate === "failed" ? { failed: true } : {}),
      });
    }
    return { model, initial, operations: made };
  });

// ------------------------------------------------------------------ the brute-force reference

/** Every order of the operations that respects real time; operations with no reply may be left out. */
function bruteForce(model: string, initial: Json, operations: readonly HistoryOperation[]): boolean {
  const live = operations.filter((op) => !op.failed);
  const placed = new Set<HistoryOperation>();
  const search = (state: Json): boolean => {
    if (live.every((op) => placed.has(op) || op.returnIndex === null)) return true;
    for (const op of live) {
      if (placed.has(op)) continue;
      // op may go next only if no unplaced operation returned before op was invoked.
      const blocked = live.some(
        (other) =>
          other !== op && !placed.has(other) && other.returnIndex !== null && other.returnIndex < op.invokeIndex,
      );
      if (blocked) continue;
      const next = apply(state, op);
      if (next === undefined) continue;
      placed.add(op);
      const found = search(next.state);
      placed.delete(op);
      if (found) return true;
    }
    return false;
  };
  void model;
  return search(initial);
}

function same(a: Json, b: Json): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The register's sequential specification, written out independently of the checker's models. */
function apply(state: Json, op: HistoryOperation): { state: Json } | undefined {
  const known = op.hasResult && op.returnIndex !== null;
  switch (op.op) {
    case "read":
    case "get":
      return !known || same(op.result, state) ? { state } : undefined;
    case "write":
    case "put":
      return { state: op.args[0] ?? null };
    case "cas": {
      const swapped = same(state, op.args[0] ?? null);
      if (known && op.result !== swapped) return undefined;
      return { state: swapped ? (op.args[1] ?? null) : state };
    }
    default:
      throw new Error(`no such operation ${op.op}`);
  }
}

/** Replays an order with the reference specification (per key for kv): every result must match. */
function replays(model: string, initial: Json, order: readonly HistoryOperation[]): boolean {
  const states = new Map<string | null, Json>();
  const start = (key: string | null): Json =>
    model === "kv" ? ((initial as Record<string, Json>)[key as string] ?? null) : initial;
  for (const op of order) {
    const state = states.has(op.key) ? (states.get(op.key) as Json) : start(op.key);
    const next = apply(state, op);
    if (next === undefined) return false;
    states.set(op.key, next.state);
  }
  return true;
}
