import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { checkExpectations } from "../../src/scenarios/expect";
import { runScenario } from "../../src/scenarios/runner";

// Every lesson holds on every seed its scenario declares (`seeds:`, default 1-20),
// not just on the seed it was written at: a lesson that only holds by luck teaches
// nothing on the learner's seed. The first failing seed is printed with the command
// that reproduces it.

const SCENARIOS_DIR = path.resolve(__dirname, "..", "..", "..", "scenarios");
const { scenarios } = loadScenarioDirectory(SCENARIOS_DIR);

for (const scenario of scenarios) {
  const seeds = [...new Set([scenario.spec.seed, ...scenario.seeds.seeds])];
  test(`${scenario.file}: every expect: holds on seeds ${describeSeeds(seeds)}`, () => {
    for (const seed of seeds) {
      const result = runScenario(scenario, { seed });
      const failures = checkExpectations(scenario, result).map((failure) => failure.message);
      assert.deepEqual(
        failures,
        [],
        `${scenario.id} loses its lesson at seed=${seed} (${result.eventCount} events, stopped: ${result.stopReason}); ` +
          `reproduce: npm run cli -- run ${scenario.id} --seed ${seed}`,
      );
    }
  });
}

function describeSeeds(seeds: readonly number[]): string {
  return seeds.length > 6 ? `${seeds.slice(0, 3).join(", ")}, ... (${seeds.length})` : seeds.join(", ");
}
