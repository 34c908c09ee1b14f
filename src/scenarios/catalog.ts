import { closeSync, constants, openSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { locateField, parseScenario, type ProtocolLookup } from "./loader";
import { sortProblems, type ScenarioProblem } from "./problems";
import type { Scenario } from "./types";
import { SCENARIO_LIMITS } from "./limits";
import { PROTOCOLS } from "../protocols";

/** scenarios/topics.yaml: the course structure, read by src/explore/topics.ts, not a scenario. */
export const TOPICS_FILE = "topics.yaml";

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
  let root: string;
  try {
    root = realpathSync(dir);
    if (!statSync(root).isDirectory()) throw new Error("not a directory");
  } catch {
    // The directory's absolute path is the server's business: clients see its name only.
    problems.push(fileProblem(path.basename(dir), "expected a directory of scenario files (scenarios/<topic>/<id>.yaml), found no such directory"));
    return { scenarios, problems };
  }
  const byId = new Map<string, string>();
  const listing = yamlFiles(root, "", 0, problems);
  for (const file of listing) {
    // The course's topics (src/explore/topics.ts) live beside the topic folders.
    if (file === TOPICS_FILE) continue;
    const source = readScenarioFile(root, file, problems);
    if (source === undefined) continue;
    if (!file.includes("/")) {
      problems.push(fileProblem(file, "expected the file in a topic folder (scenarios/<topic>/<id>.yaml), found it at the top level"));
      continue;
    }
    let parsed: ReturnType<typeof parseScenario>;
    try {
      parsed = parseScenario(source, file, protocols);
    } catch (error) {
      // Only a bug can get here; it must still not stop the other files from loading.
      problems.push(fileProblem(file, `could not load the file: ${errorMessage(error)}`));
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

/**
 * Reads one scenario file, refusing anything but a regular file inside the
 * directory (a FIFO would block forever, a symlink could show a file from
 * elsewhere to every client), larger than maxFileBytes, or not valid UTF-8.
 */
function readScenarioFile(root: string, file: string, problems: ScenarioProblem[]): string | undefined {
  const full = path.join(root, file);
  let real: string;
  try {
    real = realpathSync(full);
  } catch (error) {
    problems.push(fileProblem(file, `could not resolve the file (${codeOf(error)}): a broken or looping symlink?`));
    return undefined;
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    problems.push(fileProblem(file, "expected a file inside the scenarios directory, found a symlink that leads outside it; it is not read"));
    return undefined;
  }
  const stat = statSync(real);
  if (!stat.isFile()) {
    problems.push(fileProblem(file, "expected a regular file, found a special file (FIFO, socket or device); it is not read"));
    return undefined;
  }
  const limit = SCENARIO_LIMITS.maxFileBytes;
  if (stat.size > limit) {
    problems.push(fileProblem(file, `expected a file of at most ${limit} bytes (the limit maxFileBytes), found ${stat.size} bytes`));
    return undefined;
  }
  let bytes: Buffer;
  try {
    // O_NONBLOCK: a file swapped for a FIFO after the stat still cannot block the read.
    const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    problems.push(fileProblem(file, `could not read the file (${codeOf(error)})`));
    return undefined;
  }
  if (bytes.length > limit) {
    problems.push(fileProblem(file, `expected a file of at most ${limit} bytes (the limit maxFileBytes), found more`));
    return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    problems.push({ file, ...lineAndColumn(bytes, at), path: "", message: `expected UTF-8 text, found a byte that is not UTF-8 (0x${bytes[at]?.toString(16).padStart(2, "0")}) at byte ${at}` });
    return undefined;
  }
}

/** Every .yaml/.yml entry below `dir` (at most maxFiles, maxDepth deep), as sorted relative paths with "/" separators. */
function yamlFiles(root: string, relative: string, depth: number, problems: ScenarioProblem[]): string[] {
  const found: string[] = [];
  if (depth > SCENARIO_LIMITS.maxDepth) {
    problems.push(fileProblem(relative, `expected folders at most ${SCENARIO_LIMITS.maxDepth} deep (the limit maxDepth); this folder is not read`));
    return found;
  }
  const entries = readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    // Folders are entered only when they are real folders: a symlinked folder could loop or lead outside.
    if (entry.isDirectory()) found.push(...yamlFiles(root, child, depth + 1, problems));
    else if (/\.ya?ml$/.test(entry.name)) found.push(child);
    if (found.length > SCENARIO_LIMITS.maxFiles) {
      problems.push(fileProblem(child, `expected at most ${SCENARIO_LIMITS.maxFiles} scenario files (the limit maxFiles); the rest are not read`));
      return found.slice(0, SCENARIO_LIMITS.maxFiles);
    }
  }
  return found;
}

function fileProblem(file: string, message: string): ScenarioProblem {
  return { file, line: 1, column: 1, path: "", message };
}

function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "error";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstInvalidUtf8(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  // The longest prefix that decodes (ignoring a sequence cut at its end) ends at the bad byte.
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return Math.min(low, bytes.length - 1);
}

function lineAndColumn(bytes: Buffer, offset: number): { line: number; column: number } {
  const before = bytes.subarray(0, offset).toString("utf8");
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
