import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { SCENARIO_LIMITS } from "../../src/scenarios/limits";
import { formatProblem } from "../../src/scenarios/problems";
import { mutate, sampleArbitrary, type Sample } from "./fuzz-mutations";

/**
 * The loader fuzz's worker (fuzz.test.ts runs it in a worker thread so that a hang
 * can be detected and the worker terminated). It posts "start" before each sample,
 * so the test knows which one hung, and "done" or "fail" at the end.
 */

export interface FuzzOptions {
  readonly scenariosDir: string;
  readonly numRuns: number;
  readonly seed: number;
}

export type FuzzMessage =
  | { readonly type: "start"; readonly run: number; readonly file: string; readonly sample: string }
  | { readonly type: "done"; readonly loaded: number; readonly refused: number; readonly byReason: Record<string, number> }
  | { readonly type: "fail"; readonly message: string };

const options = workerData as FuzzOptions;
const port = parentPort;
if (port === null) throw new Error("fuzz-worker.ts runs in a worker thread (see fuzz.test.ts)");

function realFiles(dir: string): string[] {
  const files: string[] = [];
  for (const topic of readdirSync(dir, { withFileTypes: true })) {
    if (!topic.isDirectory()) continue;
    for (const name of readdirSync(path.join(dir, topic.name)).sort()) {
      if (name.endsWith(".yaml")) files.push(`${topic.name}/${name}`);
    }
  }
  return files.sort();
}

const files = realFiles(options.scenariosDir);
const sources = new Map(files.map((file) => [file, readFileSync(path.join(options.scenariosDir, file), "utf8")]));
const base = mkdtempSync(path.join(tmpdir(), "faultline-fuzz-"));
let loaded = 0;
let refused = 0;
const byReason: Record<string, number> = {};
let run = 0;

/** Every sample either loads or is refused with problems that say where and why, in words a client may see. */
function check(sample: Sample): void {
  const file = files[sample.file % files.length] as string;
  run += 1;
  port?.postMessage({ type: "start", run, file, sample: JSON.stringify(sample) } satisfies FuzzMessage);
  const bytes = mutate(sources.get(file) as string, sample);
  const dir = path.join(base, `run-${run}`);
  mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  writeFileSync(path.join(dir, file), bytes);
  try {
    const catalog = loadScenarioDirectory(dir);
    const shown = catalog.problems.map(formatProblem).join("\n");
    if (catalog.scenarios.length === 1) {
      loaded += 1;
      if (catalog.problems.length > 0) throw new Error(`${file} loaded but also gave problems:\n${shown}`);
      const scenario = catalog.scenarios[0];
      if (scenario === undefined || scenario.spec.nodes.length > SCENARIO_LIMITS.maxNodes)
        throw new Error(`${file} loaded past the limit maxNodes`);
      if (scenario.spec.limits.maxEvents > SCENARIO_LIMITS.maxEvents)
        throw new Error(`${file} loaded with maxEvents ${scenario.spec.limits.maxEvents}, past the limit`);
      return;
    }
    refused += 1;
    if (catalog.scenarios.length !== 0) throw new Error(`${file}: ${catalog.scenarios.length} scenarios from one file`);
    if (catalog.problems.length === 0) throw new Error(`${file} was neither loaded nor refused with a problem`);
    for (const problem of catalog.problems) {
      const where = formatProblem(problem);
      if (problem.file !== file) throw new Error(`a problem names ${problem.file}, not the file ${file}: ${where}`);
      if (!Number.isInteger(problem.line) || problem.line < 1 || !Number.isInteger(problem.column) || problem.column < 1)
        throw new Error(`a problem without a line and column: ${where}`);
      if (problem.message.trim() === "") throw new Error(`a problem without a message: ${where}`);
      if (problem.message.length > 2_000) throw new Error(`a problem of ${problem.message.length} characters: ${where.slice(0, 300)}`);
      if (problem.message.includes(base)) throw new Error(`a problem shows the server's absolute path: ${where}`);
      if (/could not load the file|\n\s+at |\[object Object\]/.test(problem.message))
        throw new Error(`a loader bug reached the problem list: ${where}`);
    }
    const first = catalog.problems[0]?.message ?? "";
    const reason = /UTF-8/.test(first) ? "utf-8" : /YAML/.test(first) ? "yaml" : /limit/.test(first) ? "limit" : "field";
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  fc.assert(fc.property(sampleArbitrary, check), { numRuns: options.numRuns, seed: options.seed });
  port.postMessage({ type: "done", loaded, refused, byReason } satisfies FuzzMessage);
} catch (error) {
  port.postMessage({ type: "fail", message: error instanceof Error ? error.message : String(error) } satisfies FuzzMessage);
} finally {
  rmSync(base, { recursive: true, force: true });
}
