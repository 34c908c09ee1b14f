import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import type { Scenario } from "../../src/scenarios/types";
import type { Json } from "../../src/sim/json";

export const SCENARIOS_DIR = path.resolve(__dirname, "..", "..", "..", "scenarios");

let cached: Scenario[] | undefined;
export function scenario(id: string): Scenario {
  cached ??= loadScenarioDirectory(SCENARIOS_DIR).scenarios;
  const found = cached.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no scenario ${id} in ${SCENARIOS_DIR}`);
  return found;
}

/** The scenario with other questions in place of its own. */
export function withQuestions(base: Scenario, questions: readonly Json[]): Scenario {
  return { ...base, questions };
}
