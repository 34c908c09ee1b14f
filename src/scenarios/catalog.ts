import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { locateField, parseScenario, type ProtocolLookup } from "./loader";
import { sortProblems, type ScenarioProblem } from "./problems";
import type { Scenario } from "./types";
import { PROTOCOLS } from "../protocols";

export interface Catalog {
  /** Every scenario that loaded, in file order (sorted by relative path). */
  readonly scenarios: Scenario[];
  /** Every problem of every file that did not load; the files they are in are skipped. */
  readonly problems: ScenarioProblem[];
}

/**
 * Loads every scenarios/<topic>/<id>.yaml (or .yml) under `dir`, in sorted order so
 * that the result never depends on the file system's listing order. A bad file is
 * reported and skipped; it never stops the others. When two files give the same id,
 * the later one (in path order) is reported and skipped.
 */
export function loadScenarioDirectory(dir: string, protocols: ProtocolLookup = PROTOCOLS): Catalog {
  const scenarios: Scenario[] = [];
  const problems: ScenarioProblem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push({
      file: dir,
      line: 1,
      column: 1,
      path: "",
      message: "expected a directory of scenario files (scenarios/<topic>/<id>.yaml), found no such directory",
    });
    return { scenarios, problems };
  }
  const byId = new Map<string, string>();
  for (const file of yamlFiles(dir, "")) {
    let source: string;
    try {
      source = readFileSync(path.join(dir, file), "utf8");
    } catch (error) {
      problems.push({ file, line: 1, column: 1, path: "", message: `could not read the file: ${String(error)}` });
      continue;
    }
    if (!file.includes("/")) {
      problems.push({
        file,
        line: 1,
        column: 1,
        path: "",
        message: "expected the file in a topic folder (scenarios/<topic>/<id>.yaml), found it at the top level",
      });
      continue;
    }
    let parsed: ReturnType<typeof parseScenario>;
    try {
      parsed = parseScenario(source, file, protocols);
    } catch (error) {
      // Only a bug can get here; it must still not stop the other files from loading.
      problems.push({ file, line: 1, column: 1, path: "", message: `could not load the file: ${String(error)}` });
      continue;
    }
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const earlier = byId.get(parsed.scenario.id);
    if (earlier !== undefined) {
      problems.push({
        file,
        ...locateField(source, file, ["id"]),
        path: "id",
        message: `expected a unique id, found "${parsed.scenario.id}" already used by ${earlier}; this file is skipped`,
      });
      continue;
    }
    byId.set(parsed.scenario.id, file);
    scenarios.push(parsed.scenario);
  }
  return { scenarios, problems: sortProblems(problems) };
}

/** Every .yaml/.yml file below `dir`, as sorted relative paths with "/" separators. */
function yamlFiles(root: string, relative: string): string[] {
  const found: string[] = [];
  const names = readdirSync(path.join(root, relative)).sort();
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const child = relative === "" ? name : `${relative}/${name}`;
    const stat = statSync(path.join(root, child));
    if (stat.isDirectory()) found.push(...yamlFiles(root, child));
    else if (/\.ya?ml$/.test(name)) found.push(child);
  }
  return found;
}
