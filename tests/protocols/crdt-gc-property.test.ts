import { test } from "node:test";
import assert from "node:assert/strict";
import { crdt } from "../../src/protocols/crdt";
import { orSet, type OrSetPayload } from "../../src/protocols/crdt/datatypes/or-set";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import { canonicalJson, type Json, type JsonObject } from "../../src/sim/json";
import { Rng } from "../../src/sim/rng";
import { DEFAULT_NETWORK, type FaultSpec, type WorkloadSpec } from "../../src/sim/spec";
import { Simulation, type SimulationResult } from "../../src/sim/world";

// Garbage collection by causal stability (Baquero, Almeida & Shoker 2014) never removes
// what a replica could still need. The same seeded chaos (partitions, a crash and a
// recovery, loss, duplicated and late messages, then a heal) is run twice, with gc and
// without. In state and delta modes gc sends the same messages at the same times, so
// every value a replica ever shows, at every moment, must be the same in both runs (a
// collected tombstone that was still needed would bring a tag back). In op mode gc
// rightly changes the traffic (a replica does not resend an op it knows is stable to a
// peer whose old vector still lacked it), so there the runs must end with the same
// delivered ops and the same value everywhere. In every mode every replica converges and
// the frontier never passes what a replica has delivered. Failures print seed and plan.

const NODES = ["n1", "n2", "n3", "n4"];
const SEEDS = 12;

const at = (time: number, node: string, op: string, args: JsonObject): WorkloadSpec => ({
  trigger: { type: "at", at: time },
  node,
  op,
  args,
  followRedirects: 0,
});
const fault = (time: number, action: FaultSpec["action"]): FaultSpec => ({ trigger: { type: "at", at: time }, action });

interface Chaos {
  readonly workload: WorkloadSpec[];
  readonly faults: FaultSpec[];
  readonly gossipIntervalMs: number;
  readonly fanout: number;
}

function chaos(seed: number, type: string): Chaos {
  const rng = new Rng(seed, `gc-chaos:${type}`);
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < 24; i++) {
    const node = rng.pick(NODES);
    const time = rng.int(0, 1200);
    if (type === "rga") {
      workload.push(
        rng.chance(0.6)
          ? at(time, node, "insert", { index: rng.int(0, 3), text: rng.pick(["x", "yz"]) })
          : at(time, node, "delete", { index: rng.int(0, 3) }),
      );
    } else {
      workload.push(at(time, node, rng.pick(["add", "add", "remove", "remove"]), { element: rng.pick(["a", "b"]) }));
    }
  }
  const faults: FaultSpec[] = [];
  for (let i = rng.int(1, 2); i > 0; i--) {
    const start = rng.int(0, 1000);
    let group = NODES.filter(() => rng.chance(0.5));
    if (group.length === 0 || group.length === NODES.length) group = [rng.pick(NODES)];
    faults.push(fault(start, { do: "partition", groups: [group] }));
    faults.push(fault(start + rng.int(50, 400), { do: "heal" }));
  }
  // A crash in most runs: the crashed replica holds the frontier back, and restarts from what it persisted.
  if (rng.chance(0.8)) {
    const victim = rng.pick(NODES);
    const down = rng.int(0, 1100);
    faults.push(fault(down, { do: "crash", node: victim }));
    faults.push(fault(down + rng.int(20, 400), { do: "recover", node: victim }));
  }
  faults.push(fault(1600, { do: "heal" }));
  return { workload, faults, gossipIntervalMs: rng.int(20, 80), fanout: rng.int(1, 3) };
}

function run(seed: number, type: string, mode: string, gc: boolean, plan: Chaos): SimulationResult {
  const parsed = crdt.parseConfig(
    { type, mode, gc, gossipIntervalMs: plan.gossipIntervalMs, fanout: plan.fanout },
    NODES,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return new Simulation(crdt, parsed.config, {
    nodes: NODES,
    seed,
    // Duplicates delivered late are the old messages that could bring a collected tag back.
    network: { ...DEFAULT_NETWORK, delay: { min: 1, max: 40 }, drop: 0.1, duplicate: 0.3 },
    clocks: {},
    workload: plan.workload,
    faults: plan.faults,
    limits: { maxTime: 60_000, maxEvents: 200_000 },
  }).run();
}

/** Every value each replica showed, in order, with the time it changed. */
function valueHistory(result: SimulationResult): string[] {
  return result.events
    .filter((event) => event.kind === "STATE_CHANGE" && event.data?.["value"] !== undefined)
    .map((event) => `${event.time} ${event.node} ${canonicalJson(event.data?.["value"] as Json)}`);
}

const CASES: readonly (readonly [string, string])[] = [
  ["or-set", "state"],
  ["or-set", "delta"],
  ["or-set", "op"],
  ["lww-set", "op"],
  ["rga", "op"],
];

for (const [type, mode] of CASES) {
  const same = mode === "op" ? "ends with the same ops and value" : "shows the same values at the same moments";
  test(`${type} (${mode} mode): with gc every replica ${same} as without, after crashes and partitions`, () => {
    let collected = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const plan = chaos(seed, type);
      const why = `reproduce with seed=${seed}, type=${type}, mode=${mode}, plan=${JSON.stringify(plan)}`;
      const withGc = run(seed, type, mode, true, plan);
      const without = run(seed, type, mode, false, plan);
      assert.equal(withGc.stopReason, "quiescent", why);
      assert.deepEqual(withGc.violations, [], why);
      const views = withGc.nodes.map((node) => node.state as JsonObject);
      assert.equal(new Set(views.map((view) => canonicalJson(view["value"]))).size, 1, `not converged; ${why}`);
      if (mode === "op") {
        const end = (result: SimulationResult): string =>
          canonicalJson(result.nodes.map((node) => [node.state?.["delivered"] ?? null, node.state?.["value"] ?? null]));
        assert.equal(end(withGc), end(without), `gc changed what the replicas end with; ${why}`);
      } else {
        assert.deepEqual(valueHistory(withGc), valueHistory(without), `gc changed what a replica showed; ${why}`);
      }
      for (const view of views) {
        const stability = view["stability"] as JsonObject;
        const delivered = view["delivered"] as JsonObject;
        for (const [origin, count] of Object.entries(stability["frontier"] as JsonObject)) {
          assert.ok((count as number) <= ((delivered[origin] as number) ?? 0), `frontier past delivered; ${why}`);
        }
        const counts = stability["collected"] as JsonObject;
        collected += (counts["log"] as number) + (counts["tombstones"] as number);
      }
      if (mode !== "op" && type === "or-set") {
        // Quiet and healed: every remove is stable, so no tombstone is left anywhere.
        for (const view of views) assert.equal((view["metadata"] as JsonObject)["tombstones"], 0, why);
      }
    }
    assert.ok(collected > 0, "not a vacuous pass: something was collected");
  });
}

test("a tag collected here is not brought back by an old state that still holds it alive (causal context)", () => {
  const gc = orSet.tombstoneGc;
  assert.ok(gc);
  // n1 added milk (n1#1) and removed it; the tombstone was collected; an old state from
  // before the remove arrives with n1#1 alive, and a new add (n1#2) beside it.
  const local: OrSetPayload = { live: {}, tombstones: {} };
  const seen = { n1: 1 };
  const old: OrSetPayload = { live: { milk: ["n1#1", "n1#2"] }, tombstones: {} };
  const { payload, ignored } = gc.forget(old, local, seen);
  assert.equal(ignored, 1);
  assert.deepEqual(orSet.value(orSet.merge(local, payload)), ["milk"], "the new add stays");
  assert.deepEqual(orSet.merge(local, payload).live, { milk: ["n1#2"] }, "the collected tag does not come back");
  // A tag this replica still holds (live or as a tombstone) is never ignored.
  const holding: OrSetPayload = { live: { eggs: ["n2#1"] }, tombstones: { milk: ["n1#1"] } };
  assert.equal(gc.forget(old, holding, { n1: 1, n2: 1 }).ignored, 0);
  assert.deepEqual(gc.context({ live: { a: ["n1#3"] }, tombstones: { b: ["n1#7", "n2#2"] } }), { n1: 7, n2: 2 });
});

test("gc outside op mode is refused for a type whose tombstones name no unique tag, with the reason", () => {
  const refused = crdt.parseConfig({ type: "lww-set", mode: "state", gc: true }, NODES);
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.deepEqual(refused.problems[0]?.path, ["gc"]);
    assert.match(refused.problems[0]?.message ?? "", /or-set/);
  }
  assert.equal(crdt.parseConfig({ type: "or-set", mode: "delta", gc: true }, NODES).ok, true);
});

function scenarioRun(file: string, edit: (source: string) => string = (source) => source): SimulationResult {
  const parsed = parseScenario(edit(readFileSync(join(__dirname, "..", "..", "..", "scenarios", file), "utf8")), file);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return runScenario(parsed.scenario);
}

/** The OR-Set tombstones a replica held after each of its value changes, with the time. */
function tombstonesOf(result: SimulationResult, node: string): { time: number; tombstones: number }[] {
  return result.events
    .filter((event) => event.node === node && event.kind === "STATE_CHANGE" && event.data?.["metadata"] !== undefined)
    .map((event) => ({
      time: event.time,
      tombstones: (event.data?.["metadata"] as JsonObject)["tombstones"] as number,
    }));
}

test("orset-tombstone-gc-state: tombstones stay few while every replica is up, pile up while n3 is crashed, and end at none (orset-tombstone-growth's workload)", () => {
  const result = scenarioRun("crdt/orset-tombstone-gc-state.yaml");
  const crash = result.events.find((event) => event.kind === "CRASH");
  const recover = result.events.find((event) => event.kind === "RECOVER");
  assert.ok(crash && recover);
  const collections = result.events.filter((event) => event.kind === "NOTE" && event.data?.["removedTombstones"]);
  assert.ok(
    collections.some((event) => event.time < crash.time),
    "collected while every replica is up",
  );
  assert.ok(
    collections.every((event) => event.time < crash.time || event.time > recover.time),
    "a crashed replica holds the frontier of every replica back: nothing is collected while it is down",
  );
  const n1 = tombstonesOf(result, "n1");
  const before = Math.max(...n1.filter((point) => point.time < crash.time).map((point) => point.tombstones));
  const during = Math.max(...n1.filter((point) => point.time < recover.time).map((point) => point.tombstones));
  assert.ok(before <= 6, `a handful while all are up (without gc: 10 by then), found ${before}`);
  assert.ok(during > before, `more pile up while n3 is down (${during} > ${before})`);
  for (const node of result.nodes) {
    const view = node.state as JsonObject;
    assert.equal((view["metadata"] as JsonObject)["tombstones"], 0);
    assert.deepEqual((view["stability"] as JsonObject)["frontier"], { n1: 20, n2: 20 });
  }
  // The same scenario without gc is orset-tombstone-growth's story: 20 tombstones everywhere.
  const growth = scenarioRun("crdt/orset-tombstone-gc-state.yaml", (source) =>
    source.replace("type: or-set, gc: true", "type: or-set, gc: false"),
  );
  for (const node of growth.nodes)
    assert.equal(((node.state as JsonObject)["metadata"] as JsonObject)["tombstones"], 20);
});
