import "./env";
import { cpus, totalmem } from "node:os";
import { runPostgresMode, runSqliteMode, type ModeName, type ModeOutcome } from "./load/modes";
import { noteLines, tableLines } from "./load/report";
import { errorCount, type LoadConfig } from "./load/workload";

/**
 * `npm run load`: a load driver on loopback (issue 13). For each mode it starts the
 * servers as separate processes, measures small queries and unpaced runs on the idle
 * servers (the ceilings), then runs everything at once for a bounded time: runs paced
 * and unpaced, graphql-ws subscribers following the paced ones, autocannon's stream of
 * small queries, and students' submissions. It prints one table and exits 1 when any
 * subscriber lost an event, a request failed, or a mode broke off.
 *
 * Environment: FAULTLINE_LOAD_SECONDS (20), FAULTLINE_LOAD_MODES (sqlite,postgres),
 * FAULTLINE_LOAD_RUNS (50 at once), FAULTLINE_LOAD_PACED_RUNS (10 of them),
 * FAULTLINE_LOAD_SUBSCRIBERS (200), FAULTLINE_LOAD_QUERY_CONNECTIONS (10),
 * FAULTLINE_LOAD_STUDENTS (10); DATABASE_URL and REDIS_URL name the servers of the
 * postgres mode (default the local ones), which is skipped when either is unreachable.
 */

const MODES: Record<ModeName, (config: LoadConfig) => Promise<ModeOutcome>> = {
  sqlite: runSqliteMode,
  postgres: runPostgresMode,
};

function integer(variable: string, fallback: number, min: number): number {
  const text = process.env[variable];
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${variable} must be an integer of at least ${min}; got "${text}"`);
  }
  return value;
}

function configFromEnv(): LoadConfig {
  const runsAtOnce = integer("FAULTLINE_LOAD_RUNS", 50, 1);
  const pacedRuns = integer("FAULTLINE_LOAD_PACED_RUNS", Math.min(10, runsAtOnce), 1);
  if (pacedRuns > runsAtOnce) {
    throw new Error(`FAULTLINE_LOAD_PACED_RUNS (${pacedRuns}) must not exceed FAULTLINE_LOAD_RUNS (${runsAtOnce})`);
  }
  return {
    seconds: integer("FAULTLINE_LOAD_SECONDS", 20, 1),
    runsAtOnce,
    pacedRuns,
    subscribers: integer("FAULTLINE_LOAD_SUBSCRIBERS", 200, 0),
    queryConnections: integer("FAULTLINE_LOAD_QUERY_CONNECTIONS", 10, 1),
    students: integer("FAULTLINE_LOAD_STUDENTS", 10, 0),
  };
}

function modesFromEnv(): ModeName[] {
  const text = process.env["FAULTLINE_LOAD_MODES"]?.trim() || "sqlite,postgres";
  const names = text.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(name in MODES))
      throw new Error(`FAULTLINE_LOAD_MODES: unknown mode "${name}"; the modes are sqlite, postgres`);
  }
  return names as ModeName[];
}

async function main(): Promise<void> {
  const config = configFromEnv();
  const modes = modesFromEnv();
  const cpuList = cpus();
  console.log(
    `machine: ${cpuList.length} x ${cpuList[0]?.model.trim() ?? "unknown cpu"}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, node ${process.version}, NODE_ENV=${process.env["NODE_ENV"]}`,
  );
  console.log("");
  const outcomes: ModeOutcome[] = [];
  for (const mode of modes) {
    process.stderr.write(`load: running the ${mode} mode for ${config.seconds} s...\n`);
    outcomes.push(await MODES[mode](config));
  }
  for (const line of tableLines(outcomes)) console.log(line);
  console.log("");
  for (const line of noteLines(outcomes, config)) console.log(line);
  const bad = outcomes.filter(
    (outcome) =>
      outcome.failed !== null ||
      (outcome.result !== null && (outcome.result.eventsLost > 0 || errorCount(outcome.result) > 0)),
  );
  if (bad.length > 0) {
    console.log(`load: FAILED in ${bad.map((outcome) => outcome.mode).join(", ")} (see above)`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error("load:", error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
