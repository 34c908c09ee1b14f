import { test } from "node:test";
import assert from "node:assert/strict";
import { dynamo, MAX_KEY_LENGTH, preferenceList, reconcile } from "../../src/protocols/dynamo";
import type { Version } from "../../src/protocols/dynamo";
import { dynamoConfig, facts, op, returns, runDynamo, runReplication, viewOf } from "./dynamo-helpers";

const FIVE = ["n1", "n2", "n3", "n4", "n5"];
const THREE = ["n1", "n2", "n3"];

test("DeCandia et al. 2007 §4.2-4.3: the preference list is every node in ring order, the same for the same names", () => {
  const list = preferenceList("x", FIVE);
  assert.deepEqual([...list].sort(), FIVE);
  assert.deepEqual(preferenceList("x", [...FIVE].reverse()), list, "the ring depends on names, not on their order");
  assert.deepEqual(list, ["n2", "n4", "n3", "n1", "n5"]);
});

test("§4.5 quorum sizes: defaults N = 3, R = W = 2; R or W above N is refused by name", () => {
  const config = dynamoConfig({}, FIVE);
  assert.deepEqual([config.n, config.r, config.w], [3, 2, 2]);
  const bad = dynamo.parseConfig({ n: 3, r: 4, w: 0 }, FIVE);
  assert.equal(bad.ok, false);
  if (!bad.ok)
    assert.deepEqual(
      bad.problems.map((problem) => problem.path),
      [["r"], ["w"]],
    );
  const tooMany = dynamo.parseConfig({ n: 6 }, FIVE);
  assert.equal(tooMany.ok, false);
});

test("§4.5: a put is acknowledged after exactly W replicas accepted it, a get after R answered", () => {
  for (const w of [1, 2, 3]) {
    const result = runDynamo({
      nodes: FIVE,
      config: { n: 3, r: w, w },
      workload: [op(10, "n1", "put", { key: "x", value: w }), op(200, "n5", "get", { key: "x" })],
    });
    const [put] = returns(result, "put");
    assert.equal(put?.["ok"], true);
    assert.equal((put?.["acks"] as string[]).length, w);
    assert.ok(
      (put?.["acks"] as string[]).every((node) => ["n2", "n4", "n3"].includes(node)),
      "only home replicas",
    );
    const [get] = returns(result, "get");
    assert.equal((get?.["answeredBy"] as string[]).length, w);
    assert.equal(get?.["value"], w);
  }
});

test("§4.6 sloppy quorum: unreachable home replicas are replaced by the next nodes, with hints, handed back after the heal", () => {
  const result = runReplication("dynamo-sloppy-quorum-hinted-handoff");
  const [fallback] = facts(result, "sloppy-quorum");
  assert.deepEqual(fallback?.data?.["fallbacks"], [
    { node: "n1", hintFor: "n4" },
    { node: "n5", hintFor: "n3" },
  ]);
  const puts = returns(result, "put");
  assert.deepEqual(puts[1]?.["acks"], ["n1", "n2"], "the sloppy quorum acknowledged the write");
  const heal = result.events.find((event) => event.kind === "HEAL");
  const delivered = facts(result, "hint-delivered");
  assert.equal(delivered.length, 2);
  assert.ok(
    delivered.every((event) => heal !== undefined && event.seq > heal.seq),
    "hints are delivered only after the heal",
  );
  assert.deepEqual(delivered.map((event) => event.data?.["home"]).sort(), ["n3", "n4"]);
  for (const node of ["n1", "n5"]) assert.deepEqual(viewOf(result, node)["hints"], {});
  for (const node of ["n2", "n3", "n4"])
    assert.deepEqual((viewOf(result, node)["store"] as Record<string, { values: unknown }>)["x"]?.values, [2]);
});

test("§4.6: with sloppyQuorum off, the same partition fails the write (outcome unknown) instead", () => {
  const result = runDynamo({
    nodes: FIVE,
    config: { sloppyQuorum: false },
    workload: [op(300, "n1", "put", { key: "x", value: 2 })],
    faults: [
      {
        trigger: { type: "at", at: 200 },
        action: {
          do: "partition",
          groups: [
            ["n1", "n2", "n5"],
            ["n3", "n4"],
          ],
        },
      },
    ],
  });
  const [put] = returns(result, "put");
  assert.equal(put?.["ok"], false);
  assert.equal(put?.["outcome"], "unknown", "a replica may still have stored it");
  assert.equal(facts(result, "sloppy-quorum").length, 0);
});

test("§5 read repair: the coordinator sends the newest version to a replica that answered with an older one", () => {
  const result = runReplication("dynamo-quorum-stale-read");
  const [repair] = facts(result, "read-repair");
  assert.deepEqual(repair?.data?.["nodes"], ["n3"]);
  assert.deepEqual(repair?.data?.["values"], [1]);
  const gets = returns(result, "get");
  assert.equal(gets[0]?.["value"], null, "R + W <= N: the first get is stale");
  assert.equal(gets[1]?.["value"], 1, "after read repair the replica has it");
  const strict = returns(runReplication("dynamo-quorum-strict-read"), "get");
  assert.deepEqual(
    strict.map((get) => get["value"]),
    [1, 1],
    "R + W > N: no stale read without a partition",
  );
});

test("§4.4: concurrent writes are kept as siblings, returned with a merged context, and the client's merge replaces them", () => {
  const result = runReplication("dynamo-concurrent-writes-siblings");
  const [first, second] = returns(result, "get");
  assert.deepEqual(first?.["siblings"], [["book"], ["pen"]]);
  assert.deepEqual(first?.["context"], { n1: 1, n2: 1 });
  assert.deepEqual(second?.["value"], ["book", "pen"]);
  for (const node of THREE) {
    const store = viewOf(result, node)["store"] as Record<string, { values: unknown; clocks: unknown }>;
    assert.deepEqual(store["cart"]?.values, [["book", "pen"]]);
    assert.deepEqual(store["cart"]?.clocks, [{ n1: 1, n2: 1, n3: 1 }]);
  }
  assert.deepEqual(result.violations, []);
});

test("§4.4 reconciliation: a descendant replaces its ancestor; concurrent versions stay, unless last-writer-wins drops one", () => {
  const a: Version = { value: "a", clock: { n1: 1 }, ts: 10, by: "n1" };
  const b: Version = { value: "b", clock: { n2: 1 }, ts: 5, by: "n2" };
  const c: Version = { value: "c", clock: { n1: 1, n2: 1 }, ts: 1, by: "n3" };
  assert.deepEqual(
    reconcile([a, b], "vector-clock").kept.map((v) => v.value),
    ["a", "b"],
  );
  assert.deepEqual(
    reconcile([a, b, c], "vector-clock").kept.map((v) => v.value),
    ["c"],
  );
  const lww = reconcile([a, b], "last-writer-wins");
  assert.deepEqual(
    lww.kept.map((v) => v.value),
    ["a"],
  );
  assert.deepEqual(
    lww.lost.map((v) => v.value),
    ["b"],
  );
});

test("last-writer-wins on a skewed clock loses a write that was acknowledged after the other one", () => {
  const result = runReplication("dynamo-lww-lost-update");
  const [draft, final] = returns(result, "put");
  assert.equal(draft?.["ok"], true);
  assert.equal(final?.["ok"], true);
  assert.ok(
    (draft?.["ts"] as number) > (final?.["ts"] as number),
    "n1's fast clock gave the earlier write the larger timestamp",
  );
  assert.equal(returns(result, "get")[0]?.["value"], "draft");
  assert.deepEqual([...new Set(result.violations.map((v) => v.invariant))], ["dynamo-no-lost-concurrent-write"]);
  const discards = facts(result, "discard");
  assert.ok(discards.length >= 2 && discards.every((event) => event.data?.["value"] === "final"));
});

test("client input: a key over the limit, a put without a value and a bad context are refused by name", () => {
  const result = runDynamo({
    nodes: THREE,
    workload: [
      op(10, "n1", "put", { key: "k".repeat(MAX_KEY_LENGTH + 1), value: 1 }),
      op(20, "n1", "put", { key: "x" }),
      op(30, "n1", "put", { key: "x", value: 1, context: { n1: -1 } }),
      op(40, "n1", "delete", { key: "x" }),
    ],
  });
  const errors = result.events
    .filter((event) => event.kind === "CLIENT_RETURN")
    .map((event) => String((event.data?.["result"] as Record<string, unknown>)["error"]));
  assert.match(errors[0] ?? "", new RegExp(`limit is ${MAX_KEY_LENGTH}`));
  assert.match(errors[1] ?? "", /args\.value/);
  assert.match(errors[2] ?? "", /args\.context\.n1/);
  assert.match(errors[3] ?? "", /unknown operation delete/);
});

test("a crashed replica recovers its store and hints from disk and still hands the hints off", () => {
  const result = runDynamo({
    nodes: FIVE,
    workload: [op(300, "n1", "put", { key: "x", value: 2 }), op(1500, "n4", "get", { key: "x" })],
    faults: [
      {
        trigger: { type: "at", at: 200 },
        action: {
          do: "partition",
          groups: [
            ["n1", "n2", "n5"],
            ["n3", "n4"],
          ],
        },
      },
      { trigger: { type: "at", at: 450 }, action: { do: "crash", node: "n5" } },
      { trigger: { type: "at", at: 600 }, action: { do: "recover", node: "n5" } },
      { trigger: { type: "at", at: 800 }, action: { do: "heal" } },
    ],
  });
  assert.deepEqual(viewOf(result, "n5")["hints"], {});
  assert.deepEqual((viewOf(result, "n3")["store"] as Record<string, { values: unknown }>)["x"]?.values, [2]);
  assert.equal(returns(result, "get")[0]?.["value"], 2);
});
