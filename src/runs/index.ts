import { openStore } from "../store";
import { WorkerRunService } from "./runs";
import { CatalogScenarioService } from "./scenarios";
import type { RunService, ScenarioService } from "./types";

export { WorkerRunService, type RunServiceOptions } from "./runs";
export { CatalogScenarioService } from "./scenarios";
export * from "./types";

export interface CreateServicesOptions {
  /** The SQLite file (created with its folder if missing). */
  readonly dbPath: string;
  /** Where scenarios/<topic>/<id>.yaml files are read from, once, now. */
  readonly scenariosDir: string;
  /** Runs simulated at once in worker threads (default 4). */
  readonly maxRunWorkers?: number;
  /** Runs that may wait for a worker before startRun refuses more (default 100). */
  readonly maxQueuedRuns?: number;
  /** Where start-up reports go, one line each (default: stderr). */
  readonly report?: (line: string) => void;
}

export interface Services {
  readonly scenarios: ScenarioService;
  readonly runs: RunService;
  /** Stops every run (they become FAILED, with their seed), ends every follower, closes the database. */
  close(): Promise<void>;
}

/**
 * Everything the server and the CLI need: opens (and migrates) the database, marks
 * runs a dead process left RUNNING as FAILED, loads the scenarios directory, and
 * starts the run service.
 */
export function createServices(options: CreateServicesOptions): Services {
  const report = options.report ?? ((line: string) => process.stderr.write(line + "\n"));
  const { store, interruptedRuns } = openStore(options.dbPath);
  try {
    if (interruptedRuns > 0) {
      report(
        `faultline: ${interruptedRuns} run${interruptedRuns === 1 ? " was" : "s were"} still RUNNING when the last ` +
          "server stopped; marked FAILED",
      );
    }
    const scenarios = new CatalogScenarioService(store, options.scenariosDir, report);
    const runs = new WorkerRunService({
      store,
      dbPath: options.dbPath,
      scenarios,
      maxRunWorkers: options.maxRunWorkers,
      maxQueuedRuns: options.maxQueuedRuns,
    });
    return { scenarios, runs, close: () => runs.close() };
  } catch (error) {
    store.close();
    throw error;
  }
}
