import { test } from "node:test";
import assert from "node:assert/strict";
import { crdt, type CrdtConfig } from "../../src/protocols/crdt";
import { CRDT_TYPES, type CrdtTypeName } from "../../src/protocols/crdt/datatypes";
import { canonicalJson, type JsonObject } from "../../src/sim/json";
import { Rng } from "../../src/sim/rng";
import {
  DEFAULT_LIMITS,
  DEFAULT_NETWORK,
  type FaultSpec,
  type SimulationSpec,
  type WorkloadSpec,
} from "../../src/sim/spec";
import { Simulation, type SimulationResult } from "../../src/sim/world";
import type { TraceEvent } from "../../src/sim/types";
import { QUIESCENT_CONVERGENCE, strongEventualConsistencyChecker } from "../../src/checkers/convergence";

// The network layer: replicas on the simulated network converge under partitions,
// loss, duplication and crashes (Yjs's testHelper and TigerBeetle's VOPR: seeded chaos,
// then heal and compare every replica). Every failure names the seed and the faults.

const NODES = ["n1", "n2", "n3", "n4"];

function config(raw: JsonObject, nodes: readonly string[] = NODES): CrdtConfig {
  const parsed = crdt.parseConfig(raw, nodes);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

function run(cfg: CrdtConfig, spec: Partial<SimulationSpec>): SimulationResult {
  return new Simulation(crdt, cfg, {
    nodes: NODES,
    seed: 1,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload: [],
    faults: [],
    limits: DEFAULT_LIMITS,
    ...spec,
  }).run();
}

const at = (time: number, node: string, op: string, args: JsonObject = {}): WorkloadSpec => ({
  trigger: { type: "at", at: time },
  node,
  op,
  args,
  followRedirects: 0,
});

const fault = (time: number, action: FaultSpec["action"]): FaultSpec => ({ trigger: { type: "at", at: time }, action });

function randomRequest(type: CrdtTypeName, rng: Rng): { op: string; args: JsonObject } {
  const element = rng.pick(["a", "b", "c"]);
  switch (type) {
    case "g-counter":
      return { op: "inc", args: { amount: rng.int(1, 3) } };
    case "pn-counter":
      return { op: rng.pick(["inc", "dec"]), args: { amount: rng.int(1, 3) } };
    case "lww-register":
      return { op: "set", args: { value: rng.int(0, 99) } };
    case "lww-set":
    case "or-set":
    case "2p-set":
      return { op: rng.pick(["add", "add", "remove"]), args: { element } };
    case "rga":
      return rng.chance(0.7)
        ? { op: "insert", args: { index: rng.int(0, 2), text: rng.pick(["x", "yz", "abc"]) } }
        : { op: "delete", args: { index: rng.int(0, 2) } };
  }
}

/** A seeded chaos run: random updates, partitions, a crash, loss and duplicated messages, then a final heal. */
function chaos(
  type: CrdtTypeName,
  mode: "state" | "op" | "delta",
  seed: number,
  gc = false,
): { result: SimulationResult; schedule: string } {
  const rng = new Rng(seed, `chaos:${type}:${mode}`);
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < 12; i++) {
    const request = randomRequest(type, rng);
    workload.push(at(rng.int(0, 1200), rng.pick(NODES), request.op, request.args));
  }
  const faults: FaultSpec[] = [];
  for (let i = rng.int(1, 2); i > 0; i--) {
    const start = rng.int(0, 1000);
    // A random non-empty proper subset of the nodes on one side; the rest on the other.
    let group = NODES.filter(() => rng.chance(0.5));
    if (group.length === 0 || group.length === NODES.length) group = [rng.pick(NODES)];
    faults.push(fault(start, { do: "partition", groups: [group] }));
    faults.push(fault(start + rng.int(50, 400), { do: "heal" }));
  }
  if (rng.chance(0.6)) {
    const victim = rng.pick(NODES);
    const down = rng.int(0, 1100);
    faults.push(fault(down, { do: "crash", node: victim }));
    faults.push(fault(down + rng.int(20, 300), { do: "recover", node: victim }));
  }
  faults.push(fault(1500, { do: "heal" }));
  const cfg = config({ type, mode, gossipIntervalMs: rng.int(20, 80), fanout: rng.int(1, 3), ...(gc ? { gc } : {}) });
  const result = run(cfg, {
    seed,
    network: { ...DEFAULT_NETWORK, delay: { min: 1, max: 15 }, drop: 0.1, duplicate: 0.2 },
    workload,
    faults,
    limits: { maxTime: 60_000, maxEvents: 200_000 },
  });
  const schedule = JSON.stringify({
    config: cfg,
    faults: faults.map((f) => ({ at: f.trigger.type === "at" ? f.trigger.at : null, ...f.action })),
    workload: workload.map((w) => ({
      at: w.trigger.type === "at" ? w.trigger.at : null,
      node: w.node,
      op: w.op,
      args: w.args,
    })),
  });
  return { result, schedule };
}

const SEEDS_PER_CASE = 12;

for (const type of CRDT_TYPES) {
  for (const mode of ["state", "op", "delta"] as const) {
    if (mode === "delta" && type === "rga") continue;
    test(`${type} (${mode} mode): after seeded partitions, crashes, loss and duplicated gossip, every replica converges and gossip goes quiet`, () => {
      for (let seed = 1; seed <= SEEDS_PER_CASE; seed++) {
        const { result, schedule } = chaos(type, mode, seed);
        const why = `reproduce with seed=${seed}, type=${type}, mode=${mode}, schedule=${schedule}`;
        assert.equal(result.stopReason, "quiescent", `the run must end by itself (${result.stopMessage}); ${why}`);
        assert.deepEqual(result.violations, [], why);
        const views = result.nodes.map((node) => node.state);
        assert.ok(
          views.every((view) => view !== null),
          `every node is up at the end; ${why}`,
        );
        const values = new Set(views.map((view) => canonicalJson(view?.["value"] ?? null)));
        assert.equal(values.size, 1, `replicas disagree: ${[...values].join(" vs ")}; ${why}`);
        const states = new Set(views.map((view) => canonicalJson(view?.["state"] ?? null)));
        assert.equal(states.size, 1, `replicas hold different payloads; ${why}`);
        for (const view of views) {
          assert.equal((view?.["gossip"] as JsonObject)["active"], false, `gossip must stop when in sync; ${why}`);
        }
        // Every delivery, timer and request is explained by the replica, never left with the core's bare summary.
        const bare = result.events.find(
          (e) =>
            (e.kind === "DELIVER" && / receives .* from \w+\.$/.test(e.summary)) ||
            (e.kind === "TIMER" && e.summary.endsWith("timer fires.")) ||
            // (A request to a crashed node is answered by the core itself: the replica never sees it.)
            (e.kind === "CLIENT_INVOKE" &&
              e.summary.startsWith("A client asks") &&
              !(result.events[e.seq + 1]?.summary ?? "").includes("is down")),
        );
        assert.equal(bare, undefined, `unexplained event ${bare?.seq}: ${bare?.summary}; ${why}`);
        if (type === "g-counter" || type === "pn-counter") {
          // Every acknowledged update counts exactly once, whatever was lost or duplicated.
          let expected = 0;
          for (const event of result.events) {
            if (event.kind !== "CLIENT_RETURN") continue;
            const data = event.data as JsonObject;
            if ((data["result"] as JsonObject)["ok"] !== true || (data["op"] !== "inc" && data["op"] !== "dec"))
              continue;
            const invoke = result.events.find(
              (e) => e.kind === "CLIENT_INVOKE" && (e.data as JsonObject)["request"] === data["request"],
            );
            const amount = Number(((invoke?.data as JsonObject)["args"] as JsonObject)["amount"]);
            expected += data["op"] === "inc" ? amount : -amount;
          }
          assert.equal(views[0]?.["value"], expected, `the counter must count each acknowledged update once; ${why}`);
        }
      }
    });
  }
}

// Baquero, Almeida & Shoker 2014: GC never removes what a replica could still need. With
// crashes and partitions, a replica that missed ops must still get them after the heal,
// so every replica converges; and once all is quiet, every op is stable and collected.
for (const type of CRDT_TYPES) {
  test(`${type} (op mode, gc: true): after crashes and partitions every replica converges, and the stable log is collected`, () => {
    let collected = 0;
    for (let seed = 1; seed <= SEEDS_PER_CASE; seed++) {
      const { result, schedule } = chaos(type, "op", seed, true);
      const why = `reproduce with seed=${seed}, type=${type}, mode=op, gc=true, schedule=${schedule}`;
      assert.equal(result.stopReason, "quiescent", why);
      assert.deepEqual(result.violations, [], why);
      const views = result.nodes.map((node) => node.state as JsonObject);
      assert.equal(new Set(views.map((view) => canonicalJson(view["value"]))).size, 1, why);
      for (const view of views) {
        const delivered = view["delivered"] as JsonObject;
        const frontier = (view["stability"] as JsonObject)["frontier"] as JsonObject;
        collected += ((view["stability"] as JsonObject)["collected"] as JsonObject)["log"] as number;
        for (const [origin, count] of Object.entries(frontier)) {
          assert.ok(
            (count as number) <= ((delivered[origin] as number) ?? 0),
            `the frontier never passes what was delivered; ${why}`,
          );
        }
      }
    }
    assert.ok(collected > 0, "not a vacuous pass: stable ops were collected");
  });
}

const noteOf = (result: SimulationResult, invariant: string): TraceEvent | undefined =>
  result.events.find((e) => e.kind === "NOTE" && e.node === "network" && e.data?.["invariant"] === invariant);

test("QuiescentConvergence (liveness): replicas that stop gossiping before the heal end quiescent and different; no safety violation", () => {
  const result = run(config({ type: "or-set", gossipUntilMs: 100 }), {
    nodes: NODES,
    workload: [at(10, "n1", "add", { element: "x" }), at(20, "n3", "add", { element: "y" })],
    faults: [fault(0, { do: "partition", groups: [["n1", "n2"]] }), fault(500, { do: "heal" })],
  });
  assert.equal(result.stopReason, "quiescent");
  assert.deepEqual(
    result.violations.map((v) => v.invariant),
    [QUIESCENT_CONVERGENCE],
    "a distinct finding: not converged at quiescence, and no two replicas with the same updates disagree",
  );
  const violation = result.events.find((e) => e.kind === "VIOLATION");
  const details = violation?.data?.["details"] as JsonObject;
  assert.deepEqual(details["values"], { n1: ["x"], n2: ["x"], n3: ["y"], n4: ["y"] });
  assert.deepEqual(details["delivered"], { n1: { n1: 1 }, n2: { n1: 1 }, n3: { n3: 1 }, n4: { n3: 1 } });
  assert.ok(result.events.some((e) => e.kind === "TIMER" && e.data?.["gossip"] === "stopped"));
});

test("Shapiro et al. Def. 2.2: a correct G-Counter stopped at maxTime before gossip carried an increment reports nothing", () => {
  const result = run(config({ type: "g-counter", gossipIntervalMs: 50 }), {
    workload: [at(10, "n1", "inc"), at(20, "n2", "inc", { amount: 2 })],
    limits: { ...DEFAULT_LIMITS, maxTime: 30 },
  });
  assert.equal(result.stopReason, "maxTime");
  const values = result.nodes.map((node) => node.state?.["value"]);
  assert.notDeepEqual(new Set(values).size, 1, "the replicas really are different when the run stops");
  assert.deepEqual(result.violations, [], "not converged yet is not diverged");
  const note = noteOf(result, QUIESCENT_CONVERGENCE);
  assert.equal(note?.data?.["judged"], false);
  assert.equal(note?.data?.["notJudged"], "not-quiescent");
});

test("StrongEventualConsistency (safety) is judged on every step: equal delivered sets with different values is a violation at once", () => {
  // The checker alone, on hand-built steps: n1 and n2 report the same delivered updates but different values.
  type Fake = { value: number; delivered: Record<string, number> };
  const checker = strongEventualConsistencyChecker<Fake>({
    name: "Fake",
    value: (s) => s.value,
    delivered: (s) => s.delivered,
    metadataTotal: () => 0,
    metadataDetail: () => ({}),
    quiet: () => true,
  });
  const step = (states: Record<string, Fake>) => ({
    event: { seq: 0, time: 0, node: "n1", kind: "NOTE" as const, summary: "", lamport: 0, vclock: {}, data: null },
    time: 0,
    states: new Map(Object.entries(states)),
    durable: new Map(),
  });
  assert.deepEqual(
    checker.observe(step({ n1: { value: 1, delivered: { n1: 1 } }, n2: { value: 0, delivered: {} } })),
    [],
  );
  const found = checker.observe(
    step({ n1: { value: 1, delivered: { n1: 1 } }, n2: { value: 2, delivered: { n1: 1 } } }),
  );
  assert.equal(found.length, 1);
  assert.deepEqual(found[0]?.data?.["nodes"], ["n1", "n2"]);
  assert.deepEqual(found[0]?.data?.["values"], { n1: 1, n2: 2 });
  assert.deepEqual(
    checker.observe(step({ n1: { value: 1, delivered: { n1: 1 } }, n2: { value: 2, delivered: { n1: 1 } } })),
    [],
    "each disagreement is reported once",
  );
});

test("Convergence is not judged when the run ends partitioned, and the final note's data says why", () => {
  const result = run(config({ type: "g-counter", gossipUntilMs: 300 }), {
    workload: [at(10, "n1", "inc"), at(10, "n3", "inc")],
    faults: [fault(0, { do: "partition", groups: [["n1", "n2"]] })],
  });
  assert.deepEqual(result.violations, []);
  const note = noteOf(result, QUIESCENT_CONVERGENCE);
  assert.ok(note, "the checker's summary is recorded as a NOTE");
  assert.equal(note.data?.["judged"], false);
  assert.equal(note.data?.["notJudged"], "partitioned");
});

test("the final NOTE reports the run's peak metadata, which each replica's view also shows", () => {
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < 5; i++) {
    workload.push(at(i * 20, "n1", "add", { element: "x" }), at(i * 20 + 10, "n1", "remove", { element: "x" }));
  }
  const result = run(config({ type: "or-set" }, ["n1", "n2"]), { nodes: ["n1", "n2"], workload });
  const note = noteOf(result, QUIESCENT_CONVERGENCE);
  assert.ok(note);
  assert.equal(note.data?.["peakMetadata"], 5, "five tombstones, the most any replica held");
  assert.equal(note.data?.["converged"], true);
  assert.equal(note.data?.["peakNode"], "n1");
  assert.deepEqual(note.data?.["peakDetail"], { tags: 1, tombstones: 4, vectorEntries: 0, log: 0, total: 5, peak: 5 });
  for (const view of result.nodes) {
    assert.deepEqual((view.state?.["metadata"] as JsonObject)["tombstones"], 5);
    assert.deepEqual((view.state?.["metadata"] as JsonObject)["peak"], 5);
  }
  const last = result.events[result.events.length - 1];
  assert.equal(last?.data?.["stopReason"], "quiescent");
  const traffic = noteOf(result, "GossipTraffic");
  assert.equal(
    result.events[result.events.length - 2],
    traffic,
    "the traffic account comes right before the stop note",
  );
  assert.equal(result.events[result.events.length - 3], note);
});

test("op mode: an op that arrives before what it depends on waits in the buffer (causal delivery), and the OR-Set keeps no tombstone", () => {
  const result = run(config({ type: "or-set", mode: "op" }, ["n1", "n2", "n3"]), {
    nodes: ["n1", "n2", "n3"],
    network: {
      ...DEFAULT_NETWORK,
      delay: { min: 5, max: 5 },
      links: [{ from: "n1", to: "n3", delay: { min: 200, max: 200 } }],
    },
    workload: [at(0, "n1", "add", { element: "x" }), at(50, "n2", "remove", { element: "x" })],
  });
  assert.deepEqual(result.violations, []);
  const wait = result.events.find(
    (e) => e.kind === "DELIVER" && e.node === "n3" && (e.data?.["buffered"] as string[] | undefined)?.length === 1,
  );
  assert.ok(wait, "n2's remove reaches n3 before n1's add and must wait");
  assert.deepEqual(wait.data?.["buffered"], ["n2:1"]);
  const n3 = result.nodes.find((n) => n.node === "n3")?.state;
  assert.deepEqual(n3?.["value"], []);
  assert.equal(
    (n3?.["metadata"] as JsonObject)["tombstones"],
    0,
    "Spec 15: causal delivery makes tombstones unnecessary",
  );
  assert.equal((n3?.["delivery"] as JsonObject)["buffered"], 0);
  // README: contains says true or false for every element ever seen, even one the op-based payload forgot.
  for (const view of result.nodes) assert.deepEqual(view.state?.["contains"], { x: false });
});

test("op mode: every duplicated op is discarded, so a PN-Counter counts each update once", () => {
  const result = run(config({ type: "pn-counter", mode: "op" }, ["n1", "n2", "n3"]), {
    nodes: ["n1", "n2", "n3"],
    network: { ...DEFAULT_NETWORK, duplicate: 1 },
    workload: [at(0, "n1", "inc", { amount: 5 }), at(3, "n2", "dec", { amount: 2 }), at(6, "n3", "inc")],
  });
  assert.deepEqual(result.violations, []);
  assert.ok(
    result.events.some(
      (e) => e.kind === "DELIVER" && ((e.data?.["duplicates"] as string[] | undefined)?.length ?? 0) > 0,
    ),
  );
  for (const view of result.nodes) assert.equal(view.state?.["value"], 4);
});

test("a crashed replica restarts from what it persisted and catches up through gossip", () => {
  const result = run(config({ type: "g-counter" }, ["n1", "n2", "n3"]), {
    nodes: ["n1", "n2", "n3"],
    workload: [at(0, "n2", "inc", { amount: 4 }), at(100, "n1", "inc", { amount: 2 })],
    faults: [fault(90, { do: "crash", node: "n2" }), fault(400, { do: "recover", node: "n2" })],
  });
  assert.deepEqual(result.violations, []);
  const recover = result.events.find((e) => e.kind === "RECOVER" && e.node === "n2");
  assert.equal(recover?.data?.["value"], 4);
  assert.deepEqual(recover?.data?.["delivered"], { n2: 1 });
  for (const view of result.nodes) assert.equal(view.state?.["value"], 6);
});

test("client requests: reads answer from the local replica; refused updates say why", () => {
  const result = run(config({ type: "2p-set" }, ["n1", "n2"]), {
    nodes: ["n1", "n2"],
    workload: [
      at(0, "n1", "remove", { element: "x" }),
      at(1, "n1", "inc"),
      at(2, "n1", "add", { element: "x" }),
      at(3, "n2", "read"),
    ],
  });
  const returns = result.events.filter((e) => e.kind === "CLIENT_RETURN").map((e) => (e.data as JsonObject)["result"]);
  assert.deepEqual(returns[0], {
    ok: false,
    error: '"x" is not in the set here (Spec 12: remove(e) requires lookup(e))',
  });
  assert.equal((returns[1] as JsonObject)["ok"], false);
  assert.deepEqual(returns[2], { ok: true, value: ["x"] });
  assert.deepEqual(
    returns[3],
    { ok: true, value: [] },
    "n2 answers at once from its own replica, before gossip arrives",
  );
});

test("config: problems name their path", () => {
  const paths = (raw: unknown) => {
    const parsed = crdt.parseConfig(raw, ["a", "b"]);
    return parsed.ok ? [] : parsed.problems.map((p) => p.path.join("."));
  };
  assert.deepEqual(paths({ type: "or-sett" }), ["type"]);
  assert.deepEqual(paths({ type: "or-set", fanout: 3 }), ["fanout"]);
  assert.deepEqual(paths({ type: "lww-set", timestamps: "hlc" }), ["timestamps"]);
  assert.deepEqual(paths({ type: "rga", mode: "delta" }), ["mode"], "the RGA has no delta-mutators here");
  assert.deepEqual(paths({ type: "or-set", mode: "gossip" }), ["mode"]);
  assert.deepEqual(
    paths({ type: "lww-set", mode: "state", gc: true }),
    ["gc"],
    "outside op mode GC by stability collects only tombstones named by unique tags (the OR-Set's)",
  );
  assert.deepEqual(paths({ type: "or-set", mode: "state", gc: true }), []);
  assert.deepEqual(paths({ type: "rga", gossipMs: 3 }), ["gossipMs"]);
  assert.deepEqual(paths({ type: "rga", mode: "op", gossipIntervalMs: 10, gossipUntilMs: 500 }), []);
  assert.deepEqual(paths({ type: "or-set", mode: "delta" }), []);
  assert.deepEqual(paths({ type: "or-set", mode: "op", gc: true }), []);
});
