import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { checkExpectations, formatProblem } from "../../src/scenarios/expect";
import { runScenario } from "../../src/scenarios/runner";

// Scenario files as golden tests (etcd's testdata run by datadriven): every file in
// scenarios/ must load without a problem, give the same trace twice for its seed,
// and do what its expect: list promises.

/** The repository's scenarios/ folder, from dist/tests/scenarios. */
const SCENARIOS_DIR = path.resolve(__dirname, "..", "..", "..", "scenarios");
const present = existsSync(SCENARIOS_DIR);
const catalog = present ? loadScenarioDirectory(SCENARIOS_DIR) : { scenarios: [], problems: [] };

test("every scenario file in scenarios/ loads without a problem", () => {
  assert.deepEqual(catalog.problems.map(formatProblem), [], "fix these scenario files");
  if (present) assert.ok(catalog.scenarios.length >= 1, `${SCENARIOS_DIR} exists but holds no scenario`);
});

for (const scenario of catalog.scenarios) {
  test(`${scenario.file}: same seed, same trace; every expect: holds`, () => {
    const seed = scenario.spec.seed;
    const first = runScenario(scenario);
    const second = runScenario(scenario);
    assert.equal(
      second.traceHash,
      first.traceHash,
      `${scenario.id} gave two different traces for seed=${seed}: the run is not deterministic`,
    );
    const failures = checkExpectations(scenario, first);
    assert.deepEqual(
      failures.map((failure) => failure.message),
      [],
      `${scenario.id} with seed=${seed} (${first.eventCount} events, stopped: ${first.stopReason}) ` +
        `does not do what its expect: says`,
    );
  });
}
