import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { GradingPool, GradingService, inProcessGrader, type Identity } from "../grading";
import { plural } from "../sim/english";
import { openFaultlineStore } from "../store/open";
import type { FaultlineStore } from "../store/contract";
import { DiskService, retentionFromEnv } from "./disk";
import { RunExplorer } from "./explore";
import { DEFAULT_PACED_RUN_MAX_MS, WorkerRunService } from "./runs";
import { CatalogScenarioService } from "./scenarios";
import { openTopology, roleFromEnv, type ServerRole, type Topology } from "./topology";
import { openRunQueue } from "../queue/pg-boss";
import type { RunService, ScenarioService } from "./types";

export {
  CANCELLED_RUN_ERROR,
  DEFAULT_MAX_PACED_RUNS,
  DEFAULT_MAX_QUEUED_PACED_RUNS,
  DEFAULT_MAX_QUEUED_RUNS,
  DEFAULT_PACED_RUN_MAX_MS,
  WorkerRunService,
  type RunServiceOptions,
} from "./runs";
export { CatalogScenarioService } from "./scenarios";
export {
  LimitExceeded,
  MAX_EXPORT_EVENTS,
  MAX_IMPORT_CHARS,
  RunExplorer,
  type TimelineQuery,
  type TypedEvent,
} from "./explore";
export {
  DEFAULT_FAILED_TRACE_MINUTES,
  DEFAULT_RETENTION_INTERVAL_MINUTES,
  DiskService,
  RETENTION_VARIABLES,
  retentionFromEnv,
  type RetentionSettings,
} from "./disk";
export * from "./types";
export { ARGUMENT_RANGES, MAX_EVENTS_PAGE, MAX_PACE_MS, MAX_RUNS_PAGE, type Maybe } from "./validate";

export interface CreateServicesOptions {
  /** The store: a SQLite file (created with its folder if missing), or a PostgreSQL URL (DATABASE_URL). */
  readonly dbPath: string;
  /** Where scenarios/<topic>/<id>.yaml files are read from, once, now. */
  readonly scenariosDir: string;
  /** Warm threads for unpaced runs and replays (default FAULTLINE_RUN_WORKERS, else os.availableParallelism()). */
  readonly maxRunWorkers?: number;
  /** Unpaced runs and replays that may wait before BUSY (default FAULTLINE_RUN_QUEUE, else 64). */
  readonly maxQueuedRuns?: number;
  /** Paced runs at once (default FAULTLINE_PACED_RUNS, else 8). */
  readonly maxPacedRuns?: number;
  /** Paced runs that may wait before BUSY (default FAULTLINE_PACED_QUEUE, else 16). */
  readonly maxQueuedPacedRuns?: number;
  /** A paced run's wall-time ceiling in ms (default FAULTLINE_PACED_RUN_MAX_MS, else 600000). */
  readonly pacedRunMaxMs?: number;
  /** Grading threads (default FAULTLINE_GRADING_WORKERS, else the machine's parallelism, at most 4). */
  readonly maxGradingWorkers?: number;
  /** The environment the FAULTLINE_* defaults are read from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where start-up reports go, one line each (default: stderr). */
  readonly report?: (line: string) => void;
  /** What this process is (default FAULTLINE_ROLE, else "all"): ./topology.ts. */
  readonly role?: ServerRole;
}

export interface Services {
  readonly scenarios: ScenarioService;
  readonly runs: RunService;
  /** Timelines, diagrams, exports and imports of runs (src/runs/explore.ts). */
  readonly explore: RunExplorer;
  /** Students, assignments and submissions (src/grading). */
  readonly grading: GradingService;
  /** Deleting runs and the periodic retention pass (disk.ts). */
  readonly disk: DiskService;
  /** Who holds this Authorization header: anonymous without one; a refused token is remembered, not thrown. */
  identify(authorization: string | undefined): Promise<Identity>;
  /** This process's role, and how runs reach the other processes (bus, queue). */
  readonly topology: {
    readonly role: ServerRole;
    readonly description: string;
    /** Names this deployment (a hash of its store's locator) where processes share a namespace, e.g. Redis keys. */
    readonly deployment: string;
  };
  /** Stops every run (they become FAILED, with their seed), ends every follower, closes the database. */
  close(): Promise<void>;
}

/**
 * Everything the server and the CLI need: opens (and migrates) the database, marks
 * runs a dead process left RUNNING as FAILED, loads the scenarios directory, and
 * starts the run service.
 */
export async function createServices(options: CreateServicesOptions): Promise<Services> {
  const report = options.report ?? ((line: string) => process.stderr.write(line + "\n"));
  const env = options.env ?? process.env;
  const retention = retentionFromEnv(env);
  const { store, interruptedRuns, reclaimedEvents } = await openFaultlineStore(options.dbPath, "owner");
  let topology: Topology | undefined;
  try {
    if (interruptedRuns > 0) {
      report(
        `faultline: ${interruptedRuns} run${interruptedRuns === 1 ? " was" : "s were"} still RUNNING when the last ` +
          `server stopped; marked FAILED, and ${interruptedRuns === 1 ? "its partial trace" : "their partial traces"} ` +
          `(${plural(reclaimedEvents, "event")}) deleted`,
      );
    }
    const scenarios = new CatalogScenarioService(options.scenariosDir, report);
    await scenarios.saveTo(store);
    const role = options.role ?? roleFromEnv(env);
    const pacedRunMaxMs =
      options.pacedRunMaxMs ?? envInt(env, "FAULTLINE_PACED_RUN_MAX_MS", 1) ?? DEFAULT_PACED_RUN_MAX_MS;
    topology = await openTopology(store, options.dbPath, role, env, pacedRunMaxMs, openRunQueue);
    const { bus, queue } = topology;
    const runs = new WorkerRunService({
      bus,
      ...(queue === undefined ? {} : { queue }),
      store,
      dbPath: options.dbPath,
      scenarios,
      maxRunWorkers: options.maxRunWorkers ?? envInt(env, "FAULTLINE_RUN_WORKERS", 1),
      maxQueuedRuns: options.maxQueuedRuns ?? envInt(env, "FAULTLINE_RUN_QUEUE", 0),
      maxPacedRuns: options.maxPacedRuns ?? envInt(env, "FAULTLINE_PACED_RUNS", 1),
      maxQueuedPacedRuns: options.maxQueuedPacedRuns ?? envInt(env, "FAULTLINE_PACED_QUEUE", 0),
      pacedRunMaxMs,
    });
    // Grading runs scenarios (variants, keys, schedules) in its own worker pool, off the API's event loop.
    const grader =
      options.dbPath === ":memory:"
        ? inProcessGrader(store)
        : new GradingPool({
            dbPath: options.dbPath,
            threads: options.maxGradingWorkers ?? envInt(env, "FAULTLINE_GRADING_WORKERS", 1),
            maxQueue: envInt(env, "FAULTLINE_GRADING_QUEUE", 0),
          });
    const grading = new GradingService(
      store,
      { scenario: (id) => scenarios.get(id), questions: (id) => scenarios.questions(id) },
      await seedSecret(store, options.dbPath, env),
      undefined,
      grader,
    );
    const identify = async (authorization: string | undefined): Promise<Identity> => {
      if (authorization === undefined || authorization === "") return { role: "anonymous" };
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const found = match ? await store.grading.identify(match[1] as string) : undefined;
      if (found === undefined) return { role: "anonymous", rejected: true };
      return found.role === "instructor"
        ? { role: "instructor" }
        : { role: "student", studentId: found.studentId as string };
    };
    const disk = new DiskService(store, options.dbPath, retention, report);
    disk.start();
    // A worker (and a process of role all on PostgreSQL) takes runs from the queue.
    if (queue !== undefined && role !== "api") await runs.workQueue();
    const close = async (): Promise<void> => {
      try {
        await grading.close();
        await disk.close();
      } finally {
        // Runs stop first (they end FAILED, with their seed); a job taken meanwhile is refused, so
        // it stays queued for another worker; then the queue and the bus let go of their connections.
        await runs.close();
        await queue?.close();
        await bus.close();
      }
    };
    const explore = new RunExplorer(store, scenarios, runs);
    const { description } = topology;
    const deployment = createHash("sha256").update(options.dbPath).digest("hex").slice(0, 16);
    return { scenarios, runs, explore, grading, disk, identify, close, topology: { role, description, deployment } };
  } catch (error) {
    await topology?.queue?.close().catch(() => undefined);
    await topology?.bus.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}

/** An integer setting from the environment, or undefined when it is not set; a bad value stops start-up, naming it. */
function envInt(env: Readonly<Record<string, string | undefined>>, name: string, min: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`faultline: ${name} must be an integer of at least ${min}; got "${text}"`);
  }
  return value;
}

/**
 * The key of personal seeds: FAULTLINE_SEED_SECRET; else, for a SQLite file, the secret
 * kept beside it by earlier versions when there is one (so seeds stay what they were);
 * else the store's shared secret, created once and the same for every process on it.
 */
async function seedSecret(store: FaultlineStore, dbPath: string, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env["FAULTLINE_SEED_SECRET"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const file = `${dbPath}.seed-secret`;
  if (store.kind === "sqlite" && existsSync(file)) return readFileSync(file, "utf8").trim();
  return store.sharedSecret("seed-secret");
}
