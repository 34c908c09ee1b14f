import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { loadGradedCatalog } from "../grading/catalog";
import { UsageError } from "./options";
import type { Catalog } from "./commands";

/**
 * Loads every scenario under `dir` (SCENARIOS_DIR). Bad files are kept as problems
 * with their paths relative to the working directory, so that
 * "scenarios/transactions/x.yaml:3:7" can be opened from where the command ran.
 */
export function loadCatalog(dir: string, cwd = process.cwd()): Catalog {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(
      `the scenarios directory ${dir} does not exist; set SCENARIOS_DIR or run from the project folder`,
    );
  }
  const loaded = loadGradedCatalog(dir);
  const problems = loaded.problems.map((problem) => ({ ...problem, file: shortPath(join(dir, problem.file), cwd) }));
  return { dir: shortPath(dir, cwd), scenarios: loaded.scenarios, problems };
}

/** Relative to the working directory when the file is below it, else absolute. */
function shortPath(file: string, cwd: string): string {
  const path = relative(cwd, file);
  return path === "" ? "." : path.startsWith("..") || isAbsolute(path) ? file : path;
}
