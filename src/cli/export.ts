import { readFileSync, statSync, writeFileSync } from "node:fs";
import { exportRun, importRun, MAX_IMPORT_BYTES, type ExportFormat } from "../explore/export";
import { recordFinishedRun } from "../grading/record";
import { formatProblem, parseScenario } from "../scenarios/loader";
import type { Scenario } from "../scenarios/types";
import type { TraceEvent } from "../sim/types";
import type { FaultlineStore } from "../store/contract";
import { execute, findScenario, type Catalog } from "./commands";
import { databasePath, storeExists, withStore } from "./db";
import { UsageError, type Print } from "./options";

/** The --format choices of `export`, as typed on a command line. */
export const CLI_EXPORT_FORMATS = ["json", "shiviz", "history"] as const;

/** Events read from the store per query while exporting a stored run. */
const READ_PAGE_EVENTS = 10_000;

export interface ExportOptions {
  /** One of CLI_EXPORT_FORMATS (commander checks the choice). */
  readonly format: string;
  readonly seed?: number;
  /** Write here instead of stdout. */
  readonly out?: string;
}

/**
 * `export RUN_OR_SCENARIO --format json|shiviz|history`: a run stored in the database at
 * DB_PATH (by run id), or else a scenario of SCENARIOS_DIR run here (by scenario id, at
 * --seed or its own seed). JSON imports back to the same trace hash (`import`).
 */
export async function exportCommand(
  env: NodeJS.ProcessEnv,
  target: string,
  options: ExportOptions,
  catalog: () => Catalog,
  write: (text: string) => void,
  print: Print,
): Promise<void> {
  const format = options.format.toUpperCase() as ExportFormat;
  const dbPath = databasePath(env);
  const stored = storeExists(dbPath) ? await withStore(dbPath, (store) => storedRun(store, target)) : undefined;
  if (stored !== undefined && options.seed !== undefined) {
    throw new UsageError(`option --seed is for scenarios: ${target} is a stored run, with seed ${stored.seed}`);
  }
  let text: string;
  if (stored !== undefined) {
    text = exportRun(format, stored);
  } else {
    const scenario = findScenario(catalog(), target);
    const result = execute(scenario, options.seed);
    text = exportRun(format, {
      scenario,
      seed: options.seed ?? scenario.spec.seed,
      events: result.events,
      traceHash: result.traceHash,
    });
  }
  if (options.out === undefined) {
    write(text);
  } else {
    writeFileSync(options.out, text);
    print(`${format.toLowerCase()} export of ${target} written to ${options.out}`);
  }
}

/** A COMPLETED run of the database, ready for exportRun; undefined when there is no run with that id. */
async function storedRun(
  store: FaultlineStore,
  runId: string,
): Promise<{ scenario: Scenario; seed: number; events: TraceEvent[]; traceHash: string } | undefined> {
  const run = await store.runs.get(runId);
  const source = await store.runs.source(runId);
  if (run === undefined || source === undefined) return undefined;
  if (run.status !== "COMPLETED" || run.traceHash === null) {
    throw new UsageError(`run ${runId} is ${run.status}: only a COMPLETED run can be exported`);
  }
  const file = source.scenarioFile ?? `${run.scenarioId}.yaml`;
  const parsed = parseScenario(source.scenarioSource, file);
  if (!parsed.ok) {
    throw new Error(
      `run ${runId}'s stored scenario no longer loads:\n${parsed.problems.map(formatProblem).join("\n")}`,
    );
  }
  const events: TraceEvent[] = [];
  for (let from = 0; ;) {
    const page = await store.events.range(runId, from, READ_PAGE_EVENTS);
    events.push(...page);
    const last = page[page.length - 1];
    if (last === undefined || page.length < READ_PAGE_EVENTS) break;
    from = last.seq + 1;
  }
  return { scenario: parsed.scenario, seed: run.seed, events, traceHash: run.traceHash };
}

/**
 * `import FILE`: reads a JSON export, re-runs it to check its trace hash (importRun), and
 * stores it as a COMPLETED run in the database at DB_PATH; prints the new run's id. Its
 * scenario must be one the server serves (in the database, or in SCENARIOS_DIR).
 */
export async function importCommand(
  env: NodeJS.ProcessEnv,
  file: string,
  catalog: () => Catalog,
  print: Print,
): Promise<void> {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_IMPORT_BYTES) {
      throw new UsageError(`${file} is ${size} bytes, more than the limit of ${MAX_IMPORT_BYTES} (MAX_IMPORT_BYTES)`);
    }
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `${file}: could not read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let imported: ReturnType<typeof importRun>;
  try {
    imported = importRun(text);
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const runId = await withStore(databasePath(env), async (store) => {
    const id = imported.scenario.id;
    if ((await store.scenarios.get(id)) === undefined) {
      const served = catalog().scenarios.find((scenario) => scenario.id === id);
      if (served === undefined) {
        throw new UsageError(`${file} is a run of scenario "${id}", which neither the database nor SCENARIOS_DIR has`);
      }
      await store.scenarios.upsertAll([
        { id, title: served.title, topic: served.topic, protocol: served.protocol, source: served.source },
      ]);
    }
    return recordFinishedRun(store, imported.scenario, imported.seed, imported.result, null);
  });
  print(`imported ${file} as run ${runId} (trace hash ${imported.result.traceHash})`);
}
