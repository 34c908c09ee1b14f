import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalJson, type JsonObject } from "../../src/sim/json";
import {
  DATA_TYPES,
  CRDT_TYPES,
  gCounter,
  lwwRegister,
  lwwSet,
  orSet,
  rga,
  twoPhaseSet,
  type AnyCrdtType,
  type CrdtTypeName,
  type PrepareEnv,
  type Request,
} from "../../src/protocols/crdt/datatypes";
import { rgaBenchmark } from "../../src/protocols/crdt";

// The pure data types, checked against the laws of RR-7506 §2.2.1: a state-based
// object converges when its payloads form a join semilattice, that is when merge is
// commutative, associative and idempotent, and updates only go up.

const REPLICAS = ["r1", "r2", "r3"];

/** An environment like a replica's: Lamport stamps (observed + 1) and a per-replica tag counter. */
function envFor(replica: string, counters: Map<string, number>): PrepareEnv {
  return {
    replica,
    stamp: (observed) => ({ time: observed + 1, replica }),
    uniqueTag: () => {
      const next = (counters.get(replica) ?? 0) + 1;
      counters.set(replica, next);
      return `${replica}#${next}`;
    },
  };
}

/** A random client request for a type; some are refused by a precondition, which is part of the test. */
function requestArb(type: CrdtTypeName): fc.Arbitrary<Request> {
  const element = fc.constantFrom("a", "b", "c");
  switch (type) {
    case "g-counter":
      return fc.integer({ min: 1, max: 3 }).map((amount) => ({ op: "inc", args: { amount } }));
    case "pn-counter":
      return fc.record({
        op: fc.constantFrom("inc", "dec"),
        args: fc.record({ amount: fc.integer({ min: 1, max: 3 }) }),
      });
    case "lww-register":
      return fc.integer({ min: 0, max: 9 }).map((value) => ({ op: "set", args: { value } }));
    case "lww-set":
    case "or-set":
    case "2p-set":
      return fc.record({ op: fc.constantFrom("add", "add", "remove"), args: fc.record({ element }) });
    case "rga":
      return fc.oneof(
        fc.record({
          op: fc.constant("insert"),
          args: fc.record({ index: fc.integer({ min: 0, max: 4 }), text: fc.constantFrom("x", "yz", "q") }),
        }),
        fc.record({ op: fc.constant("delete"), args: fc.record({ index: fc.integer({ min: 0, max: 4 }) }) }),
      );
  }
}

type Step = { kind: "update"; replica: number; request: Request } | { kind: "merge"; replica: number; from: number };

function stepsArb(type: CrdtTypeName): fc.Arbitrary<Step[]> {
  const replica = fc.integer({ min: 0, max: REPLICAS.length - 1 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("update" as const), replica, request: requestArb(type) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("merge" as const), replica, from: replica }) },
  );
  return fc.array(step, { maxLength: 25 });
}

/** Runs a history of local updates and pairwise merges; returns each replica's payload. */
function play(type: AnyCrdtType, steps: readonly Step[]): unknown[] {
  const payloads: unknown[] = REPLICAS.map(() => type.empty());
  const counters = new Map<string, number>();
  for (const step of steps) {
    if (step.kind === "merge") {
      payloads[step.replica] = type.merge(payloads[step.replica], payloads[step.from]);
      continue;
    }
    const replica = REPLICAS[step.replica] as string;
    const prepared = type.prepare(payloads[step.replica], step.request, envFor(replica, counters));
    if (!prepared.ok) continue;
    for (const op of prepared.ops) payloads[step.replica] = type.apply(payloads[step.replica], op, "state");
  }
  return payloads;
}

const same = (type: AnyCrdtType, a: unknown, b: unknown): boolean =>
  canonicalJson(type.encode(a)) === canonicalJson(type.encode(b));

for (const name of CRDT_TYPES) {
  const type = DATA_TYPES[name];
  test(`${name}: merge is commutative, associative and idempotent, and leaves its arguments alone (RR-7506 §2.2.1)`, () => {
    fc.assert(
      fc.property(stepsArb(name), (steps) => {
        const [a, b, c] = play(type, steps);
        const before = [a, b, c].map((p) => canonicalJson(type.encode(p)));
        assert.ok(same(type, type.merge(a, b), type.merge(b, a)), "commutative: a ⊔ b = b ⊔ a");
        assert.ok(
          same(type, type.merge(type.merge(a, b), c), type.merge(a, type.merge(b, c))),
          "associative: (a ⊔ b) ⊔ c = a ⊔ (b ⊔ c)",
        );
        assert.ok(same(type, type.merge(a, a), a), "idempotent: a ⊔ a = a");
        assert.ok(same(type, type.merge(type.merge(a, b), b), type.merge(a, b)), "a duplicated merge changes nothing");
        assert.ok(same(type, type.decode(type.encode(a)), a), "decode(encode(a)) = a");
        assert.deepEqual(
          [a, b, c].map((p) => canonicalJson(type.encode(p))),
          before,
          "merge must not modify its arguments",
        );
        // Equal payloads read the same value (what the convergence checker relies on).
        assert.equal(canonicalJson(type.value(type.merge(a, b))), canonicalJson(type.value(type.merge(b, a))));
      }),
      { numRuns: 150 },
    );
  });

  test(`${name}: merging everything in any order gives one payload (strong eventual consistency)`, () => {
    fc.assert(
      fc.property(stepsArb(name), fc.constantFrom([0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]), (steps, order) => {
        const payloads = play(type, steps);
        const forward = payloads.reduce((acc, p) => type.merge(acc, p), type.empty());
        const shuffled = order.reduce((acc, i) => type.merge(acc, payloads[i]), type.empty());
        assert.ok(same(type, forward, shuffled));
      }),
      { numRuns: 100 },
    );
  });
}

test("G-Counter (Spec 6): merge takes each entry's maximum, so a state received twice is counted once", () => {
  const counters = new Map<string, number>();
  const inc = (payload: ReturnType<typeof gCounter.empty>, replica: string) => {
    const prepared = gCounter.prepare(payload, { op: "inc", args: {} }, envFor(replica, counters));
    assert.ok(prepared.ok);
    return prepared.ops.reduce((p, op) => gCounter.apply(p, op, "state"), payload);
  };
  const a = inc(inc(gCounter.empty(), "r1"), "r1");
  const b = inc(gCounter.empty(), "r2");
  const merged = gCounter.merge(gCounter.merge(a, b), b);
  assert.deepEqual(gCounter.encode(merged), { r1: 2, r2: 1 });
  assert.equal(gCounter.value(merged), 3);
  assert.equal(gCounter.metadata(merged).vectorEntries, 2);
  assert.equal(
    gCounter.prepare(a, { op: "dec", args: {} }, envFor("r1", counters)).ok,
    false,
    "a G-Counter cannot go down",
  );
});

test("OR-Set (Spec 15): a remove deletes only the tags it observed, so a concurrent add wins", () => {
  const counters = new Map<string, number>();
  const run = (payload: ReturnType<typeof orSet.empty>, replica: string, request: Request) => {
    const prepared = orSet.prepare(payload, request, envFor(replica, counters));
    assert.ok(prepared.ok, JSON.stringify(prepared));
    return prepared.ops.reduce((p, op) => orSet.apply(p, op, "state"), payload);
  };
  const shared = run(orSet.empty(), "r1", { op: "add", args: { element: "x" } });
  const readd = run(shared, "r1", { op: "add", args: { element: "x" } }); // tag r1#2, unseen by r2
  const removed = run(shared, "r2", { op: "remove", args: { element: "x" } }); // observes r1#1 only
  assert.deepEqual(orSet.value(removed), []);
  const merged = orSet.merge(readd, removed);
  assert.deepEqual(orSet.value(merged), ["x"], "add wins");
  assert.deepEqual(orSet.encode(merged), { live: { x: ["r1#2"] }, tombstones: { x: ["r1#1"] } });
  // A remove at a replica that has seen every tag removes the element for good.
  const all = run(merged, "r2", { op: "remove", args: { element: "x" } });
  assert.deepEqual(orSet.value(orSet.merge(merged, all)), []);
  // Op-based (Spec 15 proper): causal delivery lets the remove forget tags, no tombstones.
  const opRemoved = orSet.apply(readd, { type: "remove", element: "x", tags: ["r1#1", "r1#2"] }, "op");
  assert.deepEqual(orSet.metadata(opRemoved), { tags: 0, tombstones: 0, vectorEntries: 0 });
});

test("LWW-element-Set (§3.3.3): the later timestamp decides, so a concurrent add can be lost", () => {
  const add = { type: "add" as const, element: "x", stamp: { time: 250, replica: "n1" } };
  const remove = { type: "remove" as const, element: "x", stamp: { time: 260, replica: "n2" } };
  const left = lwwSet.apply(lwwSet.empty(), add, "state");
  const right = lwwSet.apply(lwwSet.empty(), remove, "state");
  assert.deepEqual(lwwSet.value(lwwSet.merge(left, right)), [], "the remove is later: the add is lost");
  const tie = lwwSet.apply(right, { ...add, stamp: { time: 260, replica: "n2" } }, "state");
  assert.deepEqual(lwwSet.value(tie), ["x"], "an exact tie goes to add (bias towards add)");
});

test("2P-Set (Spec 12): a removed element can never come back", () => {
  let payload = twoPhaseSet.empty();
  const env = envFor("r1", new Map());
  const apply = (request: Request) => {
    const prepared = twoPhaseSet.prepare(payload, request, env);
    if (prepared.ok) payload = prepared.ops.reduce((p, op) => twoPhaseSet.apply(p, op, "state"), payload);
    return prepared;
  };
  assert.equal(apply({ op: "remove", args: { element: "x" } }).ok, false, "remove requires lookup(e)");
  apply({ op: "add", args: { element: "x" } });
  apply({ op: "remove", args: { element: "x" } });
  const readd = apply({ op: "add", args: { element: "x" } });
  assert.ok(readd.ok && /can never hold it again/.test(readd.explanation));
  assert.deepEqual(twoPhaseSet.value(payload), []);
  assert.equal(twoPhaseSet.metadata(payload).tombstones, 1);
});

test("LWW-Register (Spec 9 vs Spec 8): a smaller timestamp is assigned at the source but loses every merge", () => {
  const newer = lwwRegister.apply(
    lwwRegister.empty(),
    { type: "set", value: "draft", stamp: { time: 510, replica: "n1" } },
    "state",
  );
  const prepared = lwwRegister.prepare(
    newer,
    { op: "set", args: { value: "final" } },
    { replica: "n2", stamp: () => ({ time: 150, replica: "n2" }), uniqueTag: () => "unused" },
  );
  assert.ok(prepared.ok && prepared.anomaly !== undefined, "the causally later, smaller-stamped write is flagged");
  const local = lwwRegister.apply(newer, prepared.ops[0] as JsonObject as never, "state");
  assert.equal(lwwRegister.value(local), "final", "Spec 9 assigns at the source");
  assert.equal(lwwRegister.value(lwwRegister.merge(local, newer)), "draft", "merge keeps the larger timestamp");
  assert.equal(
    lwwRegister.value(lwwRegister.apply(newer, prepared.ops[0] as never, "op")),
    "draft",
    "Spec 8's downstream ignores it",
  );
});

test("RGA (Roh et al.): concurrent inserts at one position are ordered by timestamp, larger first, without interleaving", () => {
  const env = (replica: string): PrepareEnv => envFor(replica, new Map());
  const local = (payload: ReturnType<typeof rga.empty>, replica: string, request: Request) => {
    const prepared = rga.prepare(payload, request, env(replica));
    assert.ok(prepared.ok, JSON.stringify(prepared));
    for (const op of prepared.ops) rga.apply(payload, op, "state");
    return prepared.ops;
  };
  const base = rga.empty();
  local(base, "n1", { op: "insert", args: { index: 0, text: "hello" } });
  const left = rga.decode(rga.encode(base));
  const right = rga.decode(rga.encode(base));
  const leftOps = local(left, "n1", { op: "insert", args: { index: 5, text: " world" } });
  const rightOps = local(right, "n2", { op: "insert", args: { index: 5, text: " there" } });
  assert.equal(rga.value(rga.merge(left, right)), "hello there world", "6@n2 > 6@n1: n2's run comes first, whole");
  assert.equal(rga.value(rga.merge(right, left)), "hello there world");
  // Op-based replay, in either order, integrates to the same text as the state merge.
  const replayed = rga.decode(rga.encode(left));
  for (const op of rightOps) rga.apply(replayed, op, "op");
  const other = rga.decode(rga.encode(right));
  for (const op of leftOps) rga.apply(other, op, "op");
  assert.equal(rga.value(replayed), "hello there world");
  assert.equal(rga.value(other), "hello there world");
  // Deleting leaves a tombstone that a concurrent insert can still refer to.
  local(left, "n1", { op: "delete", args: { index: 4 } }); // the "o" everyone typed after
  assert.equal(rga.value(rga.merge(left, right)), "hell there world");
  assert.equal(rga.metadata(left).tombstones, 1);
  assert.equal(rga.prepare(left, { op: "insert", args: { index: 99, text: "!" } }, env("n1")).ok, false);
});

test("rgaBenchmark: a seeded editing sequence of 20,000 single-character edits, merged into a second replica, converges", () => {
  const first = rgaBenchmark(20_000, 7, { verify: true });
  const again = rgaBenchmark(20_000, 7);
  assert.equal(first.opsApplied, 20_000);
  assert.equal(first.inserts + first.deletes, 20_000);
  assert.ok(first.deletes > 2_000, "the sequence deletes as well as inserts");
  assert.equal(first.converged, true, "merging either way gives the same text");
  assert.equal(first.merged, first.elements, "every element of the first replica reached the second");
  assert.equal(first.textHash, again.textHash, "same seed, same text");
  assert.notEqual(rgaBenchmark(20_000, 8).textHash, first.textHash, "another seed, another text");
});
