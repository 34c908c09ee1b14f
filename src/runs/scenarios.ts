import { loadGradedCatalog, type Question } from "../grading";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadTopics, type CourseTopic } from "../explore/topics";
import { TOPICS_FILE } from "../scenarios/catalog";
import { formatProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import type { FaultlineStore } from "../store/contract";
import { FaultlineError } from "./errors";
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
  private readonly courseTopics: readonly CourseTopic[];

  constructor(scenariosDir: string, report: (line: string) => void = printToStderr) {
    const catalog = loadGradedCatalog(scenariosDir);
    this.questionsById = catalog.questions;
    this.byId = new Map(catalog.scenarios.map((scenario) => [scenario.id, scenario]));
    this.loadProblems = catalog.problems;
    for (const problem of catalog.problems) report(formatProblem(problem));
    // The course (scenarios/topics.yaml): its problems are reported once, like a bad scenario file's.
    const topics = loadTopics(scenariosDir, catalog.scenarios);
    this.courseTopics = topics.topics;
    if (existsSync(join(scenariosDir, TOPICS_FILE))) for (const problem of topics.problems) report(problem);
    if (catalog.problems.length > 0) {
      const files = new Set(catalog.problems.map((problem) => problem.file)).size;
      report(
        `faultline: ${files} scenario file${files === 1 ? "" : "s"} skipped because of the problems above; ` +
          `${catalog.scenarios.length} loaded from ${scenariosDir}`,
      );
    }
  }

  /** Upserts every loaded scenario into the store's scenarios table, so runs can name it. */
  async saveTo(store: FaultlineStore): Promise<void> {
    await store.scenarios.upsertAll(
      [...this.byId.values()].map((scenario) => ({
        id: scenario.id,
        title: scenario.title,
        topic: scenario.topic,
        protocol: scenario.protocol,
        source: scenario.source,
      })),
    );
  }

  /**
   * In file order (by topic folder, then id), optionally of one topic; a topic that is
   * neither in the course nor any scenario's is refused, naming the known ones.
   */
  list(topic?: string): readonly Scenario[] {
    const all = [...this.byId.values()];
    if (topic === undefined) return all;
    const known = new Set([...this.courseTopics.map((course) => course.id), ...all.map((scenario) => scenario.topic)]);
    if (!known.has(topic)) {
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Argument "topic": there is no topic "${topic}"; the topics are ${[...known].join(", ")}.`,
        "topic",
      );
    }
    return all.filter((scenario) => scenario.topic === topic);
  }

  /** The course's topics in teaching order, each with its scenarios in order (scenarios/topics.yaml). */
  topics(): readonly CourseTopic[] {
    return this.courseTopics;
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
