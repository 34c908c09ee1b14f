import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { checkExpectations } from "../../src/scenarios/expect";
import { runScenario } from "../../src/scenarios/runner";
import { CONSENSUS_DIR, CONSENSUS_SCENARIOS, loadConsensus } from "./raft-helpers";

// The consensus scenarios, read by the real loader and run by the real runner: each
// one is a lesson, so each must keep its promises (expect:) for its own seed.

test("every Raft scenario of the issue is present, teaches something, and keeps its expect: outcomes, deterministically", () => {
  const ids = readdirSync(CONSENSUS_DIR)
    .filter((name) => name.startsWith("raft-") && name.endsWith(".yaml"))
    .map((name) => name.slice(0, -".yaml".length))
    .sort();
  assert.deepEqual(ids, [...CONSENSUS_SCENARIOS]);
  for (const id of ids) {
    const scenario = loadConsensus(id);
    assert.equal(scenario.protocol, "raft");
    assert.ok(scenario.objectives.length >= 3, `${id} tells the learner what to take away`);
    assert.ok(scenario.summary.length > 400, `${id} explains itself`);
    const result = runScenario(scenario);
    assert.deepEqual(
      checkExpectations(scenario, result).map((failure) => failure.message),
      [],
      `${id} (reproduce with seed=${scenario.spec.seed})`,
    );
    const violations = scenario.expect.find((item) => item.kind === "violations");
    assert.ok(violations !== undefined, `${id} says which invariants it violates, if any`);
    assert.equal(violations.kind === "violations" && violations.invariants.length > 0, id.endsWith("-unsafe"), id);
    assert.equal(runScenario(scenario).traceHash, result.traceHash, `${id} is deterministic`);
  }
});
