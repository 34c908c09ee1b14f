import { loadGradedCatalog, type Question } from "../grading";
import { formatProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import type { Store } from "../store";
import type { ScenarioProblem, ScenarioService } from "./types";

/**
 * The scenarios the server was started with. The directory is read once, through
 * the graded catalog (a scenario whose questions fail on its default seed is a bad
 * file, like the CLI's): every good file is served and upserted into the scenarios table (so
 * runs can name it); every bad one is reported once, on stderr, in the compiler-like
 * "file:line:column: path: message" form, and served by problems().
 */
export class CatalogScenarioService implements ScenarioService {
  private readonly byId: ReadonlyMap<string, Scenario>;
  private readonly loadProblems: readonly ScenarioProblem[];
  private readonly questionsById: ReadonlyMap<string, readonly Question[]>;

  constructor(store: Store, scenariosDir: string, report: (line: string) => void = printToStderr) {
    const catalog = loadGradedCatalog(scenariosDir);
    this.questionsById = catalog.questions;
    this.byId = new Map(catalog.scenarios.map((scenario) => [scenario.id, scenario]));
    this.loadProblems = catalog.problems;
    store.scenarios.upsertAll(
      catalog.scenarios.map((scenario) => ({
        id: scenario.id,
        title: scenario.title,
        topic: scenario.topic,
        protocol: scenario.protocol,
        source: scenario.source,
      })),
    );
    for (const problem of catalog.problems) report(formatProblem(problem));
    if (catalog.problems.length > 0) {
      const files = new Set(catalog.problems.map((problem) => problem.file)).size;
      report(
        `faultline: ${files} scenario file${files === 1 ? "" : "s"} skipped because of the problems above; ` +
          `${catalog.scenarios.length} loaded from ${scenariosDir}`,
      );
    }
  }

  /** In file order (by topic folder, then id), optionally of one topic. */
  list(topic?: string): readonly Scenario[] {
    const all = [...this.byId.values()];
    return topic === undefined ? all : all.filter((scenario) => scenario.topic === topic);
  }

  get(id: string): Scenario | undefined {
    return this.byId.get(id);
  }

  /** A loaded scenario's questions, checked at load. */
  questions(id: string): readonly Question[] | undefined {
    return this.questionsById.get(id);
  }

  problems(): readonly ScenarioProblem[] {
    return this.loadProblems;
  }
}

function printToStderr(line: string): void {
  process.stderr.write(line + "\n");
}
