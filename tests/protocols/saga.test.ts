import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { saga } from "../../src/protocols/saga";
import { checkExpectations } from "../../src/scenarios/expect";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import type { JsonObject } from "../../src/sim/json";
import { Rng } from "../../src/sim/rng";
import { DEFAULT_NETWORK, type FaultSpec, type SimulationSpec } from "../../src/sim/spec";
import { Simulation } from "../../src/sim/world";

// Sagas (Garcia-Molina & Salem 1987): the scenarios through the real loader and runner,
// the rules read from the events' data, and a property test under chaos.
const DIR = join(__dirname, "..", "..", "..", "scenarios", "transactions");

function load(id: string): Scenario {
  const parsed = parseScenario(readFileSync(join(DIR, `${id}.yaml`), "utf8"), `transactions/${id}.yaml`);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

const ids = readdirSync(DIR)
  .filter((name) => name.endsWith(".yaml") && /^protocol: saga$/m.test(readFileSync(join(DIR, name), "utf8")))
  .map((name) => name.slice(0, -".yaml".length))
  .sort();

test("every saga scenario loads and its expect: outcomes hold, deterministically", () => {
  assert.ok(ids.includes("saga-trip-booking-happy") && ids.includes("saga-non-idempotent-double-refund"));
  for (const id of ids) {
    const scenario = load(id);
    const result = runScenario(scenario);
    assert.deepEqual(
      checkExpectations(scenario, result).map((f) => f.message),
      [],
      id,
    );
    assert.equal(runScenario(scenario).traceHash, result.traceHash, `${id} is deterministic`);
  }
});

test("a refused step makes the orchestrator compensate the done steps in reverse order (section 1: T1 T2 C2 C1)", () => {
  const result = runScenario(load("saga-payment-fails-compensate"));
  const compensate = result.events.find((e) => e.data?.["fact"] === "compensate");
  assert.deepEqual(compensate?.data?.["order"], ["hotel", "flight"]);
  const undone = result.events
    .filter((e) => e.kind === "STATE_CHANGE" && e.data?.["fact"] === "compensation")
    .map((e) => e.node);
  assert.deepEqual(undone, ["hotel", "flight"]);
  assert.equal(result.events.filter((e) => e.data?.["fact"] === "step" && e.node === "car").length, 0);
});

test("a duplicated compensation is recognised by its idempotency key and refunds once", () => {
  const result = runScenario(load("saga-duplicate-compensation-idempotent"));
  const refunds = result.events.filter((e) => e.data?.["fact"] === "compensation" && e.node === "payment");
  assert.equal(refunds.length, 1);
  assert.equal(refunds[0]?.data?.["refunded"], 300);
  const dup = result.events.find((e) => e.data?.["fact"] === "duplicate" && e.data?.["step"] === "undo");
  assert.equal(dup?.data?.["applied"], false);
  assert.deepEqual(result.violations, []);
});

test("the teaching flag makes the refund non-idempotent: a duplicate refunds twice and MoneyConserved reports it", () => {
  const result = runScenario(load("saga-non-idempotent-double-refund"));
  const refunds = result.events.filter((e) => e.data?.["fact"] === "compensation" && e.node === "payment");
  assert.equal(refunds.length, 2);
  assert.ok(refunds.every((e) => e.data?.["idempotent"] === false));
  assert.deepEqual(
    result.violations.map((v) => v.invariant),
    ["MoneyConserved"],
  );
});

test("a bad config names the field", () => {
  const nodes = ["orch", "flight", "payment"];
  const bad = saga.parseConfig({ steps: ["flight", "nope"], fail: { car: "x" }, retryMs: 0 }, nodes);
  assert.ok(!bad.ok);
  const paths = bad.problems.map((p) => p.path.join("."));
  assert.ok(paths.includes("steps.1") && paths.includes("fail.car") && paths.includes("retryMs"), paths.join(","));
  const good = saga.parseConfig({}, nodes);
  assert.ok(good.ok);
  assert.deepEqual(good.config.steps, ["flight", "payment"]);
  assert.equal(good.config.payment, "payment");
});

const NODES = ["orch", "flight", "hotel", "payment", "car"];
const CHAOS_ENDS_MS = 800;

function plan(seed: number, mode: "orchestrated" | "choreographed"): { config: JsonObject; spec: SimulationSpec } {
  const rng = new Rng(seed, "saga-property");
  const sagas = rng.int(1, 3);
  const workload = Array.from({ length: sagas }, (_, i) => ({
    trigger: { type: "at" as const, at: rng.int(0, 200) },
    node: "orch",
    op: "book",
    args: { saga: `s${i + 1}`, amount: 100 * rng.int(1, 4) },
    followRedirects: 0,
  }));
  const faults: FaultSpec[] = [];
  for (let i = rng.int(1, 5); i > 0; i--) {
    const at = rng.int(0, 500);
    const kind = rng.pick(["crash-orch", "crash", "drop", "duplicate", "delay"] as const);
    if (kind === "crash-orch" || kind === "crash") {
      const node = kind === "crash-orch" ? "orch" : rng.pick(NODES);
      faults.push({ trigger: { type: "at", at }, action: { do: "crash", node } });
      faults.push({ trigger: { type: "at", at: at + rng.int(10, 300) }, action: { do: "recover", node } });
    } else if (kind === "drop") {
      faults.push({ trigger: { type: "at", at }, action: { do: "drop", probability: rng.pick([0.2, 0.5]) } });
    } else if (kind === "delay") {
      faults.push({ trigger: { type: "at", at }, action: { do: "delay", min: 20, max: 200 } });
    } else {
      faults.push({ trigger: { type: "at", at }, action: { do: "duplicate", probability: rng.pick([0.5, 1]) } });
    }
  }
  faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "heal" } });
  faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "drop", probability: 0 } });
  faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "duplicate", probability: 0 } });
  faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "delay", min: 1, max: 10 } });
  for (const node of NODES) {
    faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS + 1 }, action: { do: "recover", node } });
  }
  const config: JsonObject = {
    ...(mode === "choreographed" ? { mode } : {}),
    steps: ["flight", "hotel", "payment", "car"],
    stepTimeoutMs: rng.pick([150, 400]),
    ...(rng.chance(0.4) ? { fail: { [rng.pick(["hotel", "payment", "car"])]: "sold out" } } : {}),
  };
  return {
    config,
    spec: {
      nodes: NODES,
      seed,
      network: { ...DEFAULT_NETWORK },
      clocks: {},
      workload,
      faults,
      limits: { maxTime: 30_000, maxEvents: 100_000 },
    },
  };
}

for (const mode of ["orchestrated", "choreographed"] as const) {
  test(`${mode}: with idempotent compensations, the saga invariants hold under duplication, loss, delay and crashes, and every saga ends (seeds 1..100)`, () => {
    let compensated = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const { config, spec } = plan(seed, mode);
      const reproduce = `seed=${seed}, config=${JSON.stringify(config)}, faults=${JSON.stringify(spec.faults)}`;
      const parsed = saga.parseConfig(config, NODES);
      assert.ok(parsed.ok, reproduce);
      const result = new Simulation(saga, parsed.config, spec).run();
      assert.deepEqual(
        result.violations.map((v) => `${v.invariant}: ${v.message}`),
        [],
        reproduce,
      );
      assert.equal(result.stopReason, "quiescent", `${result.stopMessage}; ${reproduce}`);
      const orch = result.nodes.find((n) => n.node === "orch")?.state?.["sagas"] as Record<string, JsonObject>;
      for (const [id, record] of Object.entries(orch)) {
        assert.ok(record["status"] === "COMMITTED" || record["status"] === "COMPENSATED", `${id}: ${reproduce}`);
        if (record["status"] === "COMPENSATED") compensated += 1;
      }
      if (mode === "choreographed") {
        // Liveness of the outbox: once the faults stop, every published event is acknowledged.
        for (const node of result.nodes) assert.deepEqual(node.state?.["outbox"], [], `${node.node}: ${reproduce}`);
      }
    }
    // Not vacuous: some sagas were compensated, not all committed.
    assert.ok(compensated > 5, `only ${compensated} sagas compensated`);
  });
}

test("choreographed: each service compensates when the step after it fails, so the compensations run in reverse (section 1: Cj..C1)", () => {
  const result = runScenario(load("saga-choreography-payment-fails"));
  const undone = result.events
    .filter((e) => e.kind === "STATE_CHANGE" && e.data?.["fact"] === "compensation")
    .map((e) => e.node);
  assert.deepEqual(undone, ["car", "hotel", "flight"]);
  // No node sends a command: only events (and their acknowledgements) cross the network.
  const types = new Set(
    result.events.filter((e) => e.kind === "SEND").map((e) => (e.data?.["message"] as JsonObject)["type"]),
  );
  assert.deepEqual([...types].sort(), ["ACK", "STEP_BOOKED", "STEP_CANCELLED", "STEP_FAILED", "TRIP_REQUESTED"]);
  const end = result.events.find((e) => e.data?.["fact"] === "end");
  assert.equal(end?.node, "trip");
  assert.deepEqual(end?.data?.["undone"], ["car", "hotel", "flight"]);
  assert.equal(end?.data?.["status"], "COMPENSATED");
});

test("choreographed: a duplicated or re-sent event is recognised by the step's idempotency key and books once", () => {
  const result = runScenario(load("saga-choreography"));
  const duplicates = result.events.filter((e) => e.data?.["fact"] === "duplicate").map((e) => e.node);
  assert.deepEqual([...new Set(duplicates)].sort(), ["hotel", "payment"]);
  const steps = result.events.filter((e) => e.data?.["fact"] === "step");
  assert.deepEqual(
    steps.map((e) => e.node),
    ["flight", "hotel", "car", "payment"],
  );
  assert.ok(steps.every((e) => e.data?.["ok"] === true));
});

test("choreographed: the teaching flag makes payment's refund non-idempotent, and a duplicated STEP_FAILED refunds twice", () => {
  const scenario = load("saga-choreography");
  const parsed = saga.parseConfig(
    {
      mode: "choreographed",
      steps: ["flight", "hotel", "payment", "car"],
      fail: { car: "no cars left" },
      nonIdempotent: "payment",
    },
    scenario.spec.nodes,
  );
  assert.ok(parsed.ok);
  const faults: FaultSpec[] = [
    { trigger: { type: "at", at: 0 }, action: { do: "duplicate", from: "car", to: "payment", probability: 1 } },
  ];
  const spec: SimulationSpec = { ...scenario.spec, faults };
  const result = new Simulation(saga, parsed.config, spec).run();
  const refunds = result.events.filter((e) => e.data?.["fact"] === "compensation" && e.node === "payment");
  assert.equal(refunds.length, 2);
  assert.deepEqual(
    result.violations.map((v) => v.invariant),
    ["MoneyConserved"],
  );
  const violation = result.events.find((e) => e.kind === "VIOLATION");
  assert.deepEqual(violation?.data?.["details"], { saga: "trip1", charged: 300, refunded: 600 });
});

test("a bad mode names the field", () => {
  const bad = saga.parseConfig({ mode: "conducted" }, ["trip", "flight"]);
  assert.ok(!bad.ok);
  assert.deepEqual(
    bad.problems.map((p) => p.path.join(".")),
    ["mode"],
  );
});
