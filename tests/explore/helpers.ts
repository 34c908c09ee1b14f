import { join } from "node:path";
import assert from "node:assert/strict";
import { loadScenarioDirectory, type Catalog } from "../../src/scenarios/catalog";
import { formatProblem } from "../../src/scenarios/expect";
import type { Scenario } from "../../src/scenarios/types";

export const SCENARIOS_DIR = join(__dirname, "..", "..", "..", "scenarios");

let catalog: Catalog | undefined;

/** The real catalog under scenarios/, loaded once. */
export function realCatalog(): Catalog {
  catalog ??= loadScenarioDirectory(SCENARIOS_DIR);
  return catalog;
}

export function realScenario(id: string): Scenario {
  const { scenarios, problems } = realCatalog();
  const found = scenarios.find((scenario) => scenario.id === id);
  if (found === undefined) assert.fail(`no scenario ${id}: ${problems.map(formatProblem).join("\n")}`);
  return found;
}
