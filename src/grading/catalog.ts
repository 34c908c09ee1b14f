import { loadScenarioDirectory, type Catalog } from "../scenarios/catalog";
import { locateField } from "../scenarios/loader";
import { formatPath, sortProblems, type ScenarioProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import { checkScenarioQuestions } from "./keys";
import type { Question } from "./questions";

/**
 * Loads the scenarios directory and checks every scenario's questions on its
 * default seed (keys.ts). A scenario with a bad question is a bad file: it is
 * reported with the file, line and question id, and skipped like any other.
 */
export function loadGradedCatalog(dir: string): Catalog & { questions: ReadonlyMap<string, readonly Question[]> } {
  const loaded = loadScenarioDirectory(dir);
  const scenarios: Scenario[] = [];
  const problems: ScenarioProblem[] = [...loaded.problems];
  const questions = new Map<string, readonly Question[]>();
  for (const scenario of loaded.scenarios) {
    const checked = checkScenarioQuestions(scenario);
    if (checked.problems.length === 0) {
      scenarios.push(scenario);
      questions.set(scenario.id, checked.questions);
      continue;
    }
    for (const problem of checked.problems) {
      const path = ["questions", ...problem.path];
      const raw = scenario.questions?.[problem.path[0] as number];
      const id = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw["id"] : undefined;
      problems.push({
        file: scenario.file,
        ...locateField(scenario.source, scenario.file, path),
        path: formatPath(path),
        message: `${typeof id === "string" ? `question "${id}": ` : ""}${problem.message}`,
      });
    }
  }
  return { scenarios, problems: sortProblems(problems), questions };
}
