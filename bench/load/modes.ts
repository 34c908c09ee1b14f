import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
import { LIMIT_SPECS } from "../../src/api/limits/config";
import { DEFAULT_MAX_QUEUED_GRADING } from "../../src/grading/pool";
import { DEFAULT_MAX_PACED_RUNS, DEFAULT_MAX_QUEUED_RUNS } from "../../src/runs/runs";
import { BENCH_LIMITS } from "../server-limits";
import { exited, logExcerpts, peakRssBytes, startApi, startWorker, stopProcess, type LoadProcess } from "./processes";
import { createLoadDatabase, DEFAULT_POSTGRES_URL, DEFAULT_REDIS_URL, messageOf, unreachable } from "./services";
import { runLoad, type LoadConfig, type LoadResult } from "./workload";

/**
 * The two deployments the load runs against: one server on one SQLite file, and
 * PostgreSQL + Redis with two API instances and two workers. Each mode starts its
 * processes, runs the load, reads their peak memory and stops them, whatever happened.
 */

export type ModeName = "sqlite" | "postgres";

export interface ProcessMemory {
  readonly name: string;
  /** VmHWM in bytes; null when it could not be read. */
  readonly peakBytes: number | null;
}

export interface ModeOutcome {
  readonly mode: ModeName;
  /** What the mode deployed, for the notes ("1 API process, SQLite"). */
  readonly deployment: string;
  readonly result: LoadResult | null;
  readonly memory: readonly ProcessMemory[];
  /** What the processes logged under the ids of the internal errors met (logExcerpts). */
  readonly serverLog: readonly string[];
  /** Why the mode was not run (a server unreachable): not a failure. */
  readonly skipped: string | null;
  /** Why the mode broke off: a failure. */
  readonly failed: string | null;
}

const SCENARIOS_DIR = join(projectRoot, "scenarios");

/**
 * The server variables of a load: the per-client limits lifted (a load driver is one
 * client on purpose), and room for the load's runs and submissions in the servers'
 * queues where the defaults hold fewer, so that "50 runs at once" are admitted rather
 * than refused as BUSY. The thread counts stay the server's own.
 */
export function serverVariables(config: LoadConfig): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(BENCH_LIMITS)) {
    variables[LIMIT_SPECS[name as keyof typeof LIMIT_SPECS].variable] = String(value);
  }
  variables["FAULTLINE_PACED_RUNS"] = String(Math.max(DEFAULT_MAX_PACED_RUNS, config.pacedRuns));
  variables["FAULTLINE_RUN_QUEUE"] = String(Math.max(DEFAULT_MAX_QUEUED_RUNS, config.runsAtOnce));
  variables["FAULTLINE_GRADING_QUEUE"] = String(Math.max(DEFAULT_MAX_QUEUED_GRADING, config.students));
  return variables;
}

export async function runSqliteMode(config: LoadConfig): Promise<ModeOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-load-sqlite-"));
  const dbPath = join(dir, "faultline.db");
  const processes: LoadProcess[] = [];
  const deployment = "1 API process on one SQLite file";
  try {
    const api = await startApi("sqlite", { ...serverVariables(config), DB_PATH: dbPath, SCENARIOS_DIR }, dir);
    processes.push(api);
    const result = await runLoad({ runApi: api, subscribeApi: api, apis: [api], storeLocator: dbPath }, config);
    return finish("sqlite", deployment, result, processes, null);
  } catch (error) {
    return finish("sqlite", deployment, null, processes, messageOf(error));
  } finally {
    await Promise.all(processes.map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fresh database on the PostgreSQL server DATABASE_URL names (default the local one),
 * Redis at REDIS_URL, 2 API instances and 2 workers. Runs are started on api-2 and
 * followed on api-1, so every event a subscriber gets has crossed instances.
 */
export async function runPostgresMode(config: LoadConfig): Promise<ModeOutcome> {
  const adminUrl = process.env["DATABASE_URL"] ?? DEFAULT_POSTGRES_URL;
  const redisUrl = process.env["REDIS_URL"] ?? DEFAULT_REDIS_URL;
  const deployment = "2 API instances + 2 workers on PostgreSQL and Redis";
  const why = await unreachable(adminUrl, redisUrl);
  if (why !== null)
    return { mode: "postgres", deployment, result: null, memory: [], serverLog: [], skipped: why, failed: null };

  const dir = mkdtempSync(join(tmpdir(), "faultline-load-postgres-"));
  const processes: LoadProcess[] = [];
  let drop: (() => Promise<void>) | undefined;
  try {
    const database = await createLoadDatabase(adminUrl);
    drop = database.drop;
    const shared = { ...serverVariables(config), DATABASE_URL: database.url, REDIS_URL: redisUrl, SCENARIOS_DIR };
    // The first instance migrates the new database before the others open it.
    const first = await startApi("api-1", { ...shared, FAULTLINE_ROLE: "api" }, dir);
    processes.push(first);
    // Both at once; each one that started is kept, to be stopped, even if the other failed.
    const settled = await Promise.allSettled(
      ["worker-1", "worker-2"].map((name) => startWorker(name, { ...shared, FAULTLINE_ROLE: "worker" }, dir)),
    );
    const workers = settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    processes.push(...workers);
    for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
    const second = await startApi("api-2", { ...shared, FAULTLINE_ROLE: "api" }, dir);
    processes.push(second);
    const result = await runLoad(
      { runApi: second, subscribeApi: first, apis: [first, second], storeLocator: database.url },
      config,
    );
    for (const worker of workers) {
      if (exited(worker)) result.problems.add(worker.name, `exited during the load; it printed:\n${worker.output()}`);
    }
    return finish("postgres", deployment, result, processes, null);
  } catch (error) {
    return finish("postgres", deployment, null, processes, messageOf(error));
  } finally {
    await Promise.all(processes.map(stopProcess));
    await drop?.().catch((error: unknown) =>
      console.error(`load: could not drop the load database: ${messageOf(error)}`),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The outcome, with each process's peak memory read while it still runs (VmHWM goes with the process). */
function finish(
  mode: ModeName,
  deployment: string,
  result: LoadResult | null,
  processes: readonly LoadProcess[],
  failed: string | null,
): ModeOutcome {
  const memory = processes.map((process) => ({ name: process.name, peakBytes: peakRssBytes(process.child.pid) }));
  const output =
    failed === null
      ? ""
      : processes.map((process) => `\n--- ${process.name} printed:\n${process.output().slice(-2000)}`).join("");
  const errors = [
    ...(result?.problems.first ?? []),
    ...(result?.losses ?? []).map((loss) => loss.detail),
    ...(failed === null ? [] : [failed]),
  ];
  const serverLog = logExcerpts(errors, processes);
  return {
    mode,
    deployment,
    result,
    memory,
    serverLog,
    skipped: null,
    failed: failed === null ? null : failed + output,
  };
}
