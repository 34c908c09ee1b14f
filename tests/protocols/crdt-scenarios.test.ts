import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { QUIESCENT_CONVERGENCE, STRONG_EVENTUAL_CONSISTENCY } from "../../src/checkers/convergence";
import { checkExpectations } from "../../src/scenarios/expect";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import type { JsonObject } from "../../src/sim/json";

// The CRDT scenarios, read through the real loader and run by the real runner, and
// the claims their summaries make about what would happen otherwise.

const ROOT = join(__dirname, "..", "..", "..", "scenarios");

function load(file: string, edit: (source: string) => string = (source) => source): Scenario {
  const parsed = parseScenario(edit(readFileSync(join(ROOT, file), "utf8")), file);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

const files = [
  ...readdirSync(join(ROOT, "crdt"))
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => `crdt/${name}`),
  "clocks/clock-skew-lww.yaml",
].sort();

const finalValue = (scenario: Scenario, node: string): unknown => {
  const view = runScenario(scenario).nodes.find((n) => n.node === node);
  return (view?.state as JsonObject | null)?.["value"];
};

test("every CRDT scenario loads, runs the crdt protocol, and its expect: outcomes hold for its seed", () => {
  for (const id of [
    "gcounter-partition-merge",
    "orset-concurrent-add-remove",
    "lww-set-lost-add",
    "rga-concurrent-insert",
    "orset-tombstone-growth",
  ]) {
    assert.ok(files.includes(`crdt/${id}.yaml`), `scenarios/crdt/${id}.yaml exists`);
  }
  for (const file of files) {
    const scenario = load(file);
    assert.equal(scenario.protocol, "crdt");
    assert.ok(scenario.objectives.length >= 3, `${file} tells the learner what to take away`);
    const result = runScenario(scenario);
    assert.deepEqual(
      checkExpectations(scenario, result).map((failure) => failure.message),
      [],
      `${file} (reproduce with seed=${scenario.spec.seed})`,
    );
    assert.ok(
      scenario.expect.some(
        (e) => e.kind === "violations" && e.invariants.every((name) => name === STRONG_EVENTUAL_CONSISTENCY),
      ),
      `${file} states that the replicas converge (only clock-skew-lww shows a safety violation, on purpose)`,
    );
    const summary = result.events.find((e) => e.kind === "NOTE" && e.data?.["invariant"] === QUIESCENT_CONVERGENCE);
    assert.equal(summary?.data?.["converged"], true, `${file} ends with the convergence note`);
  }
});

test("the same concurrent add and remove: the OR-Set keeps x, the LWW-element-Set loses it", () => {
  const orSet = load("crdt/orset-concurrent-add-remove.yaml");
  const lwwSet = load("crdt/lww-set-lost-add.yaml");
  assert.deepEqual(orSet.spec.workload, lwwSet.spec.workload, "both tell the same story");
  assert.deepEqual(orSet.spec.faults, lwwSet.spec.faults);
  assert.deepEqual(finalValue(orSet, "n3"), ["x"]);
  assert.deepEqual(finalValue(lwwSet, "n3"), []);
});

test("lww-set-lost-add: the outcome is decided by the clock, not by what users knew; an add 20 ms later would win", () => {
  const later = load("crdt/lww-set-lost-add.yaml", (source) =>
    source.replace(
      "{ at: 250, node: n1, op: add, args: { element: x } }",
      "{ at: 280, node: n1, op: add, args: { element: x } }",
    ),
  );
  assert.deepEqual(finalValue(later, "n2"), ["x"]);
});

test("clock-skew-lww: with Lamport timestamps the causally later write wins, as the summary says", () => {
  const skewed = load("clocks/clock-skew-lww.yaml");
  assert.equal(finalValue(skewed, "n1"), "draft");
  const lamport = load("clocks/clock-skew-lww.yaml", (source) =>
    source.replace("timestamps: physical", "timestamps: lamport"),
  );
  const result = runScenario(lamport);
  assert.deepEqual(result.violations, []);
  for (const node of result.nodes) assert.equal(node.state?.["value"], "final");
  assert.equal(result.events.filter((e) => e.kind === "NOTE" && e.node === "n2").length, 0, "no anomaly to report");
  const honest = load("clocks/clock-skew-lww.yaml", (source) =>
    source.replace("n1: { offset: 500 }", "n1: { offset: 0 }"),
  );
  assert.equal(finalValue(honest, "n2"), "final", "without the skew, physical time gets it right here");
});

test("orset-tombstone-growth: in op mode (Spec 15) the same history leaves no tombstone, but a log of ops", () => {
  const op = load("crdt/orset-tombstone-growth.yaml", (source) =>
    source.replace("config: { type: or-set,", "config: { type: or-set, mode: op,"),
  );
  const result = runScenario(op);
  assert.deepEqual(result.violations, []);
  const metadata = result.nodes[0]?.state?.["metadata"] as JsonObject;
  assert.equal(metadata["tombstones"], 0);
  assert.equal(metadata["log"], 40, "every add and remove is kept to resend to a replica that missed it");
});

test("rga-concurrent-insert: the state-based RGA reaches the same text as the op-based one", () => {
  const state = load("crdt/rga-concurrent-insert.yaml", (source) => source.replace("mode: op", "mode: state"));
  const result = runScenario(state);
  assert.deepEqual(result.violations, []);
  for (const node of result.nodes) assert.equal(node.state?.["value"], "Hello there world");
});
