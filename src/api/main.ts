import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createServices } from "../runs";
import { roleFromEnv } from "../runs/topology";
import { isPostgresUrl } from "../store/open";
import { redactUrl } from "../store/pg";
import { createServer } from "./server";

/**
 * `npm start`: serves the API on HOST:PORT (127.0.0.1 unless HOST says otherwise) with
 * the store at DATABASE_URL (PostgreSQL) or else the SQLite file DB_PATH, and the
 * scenarios in SCENARIOS_DIR; CORS_ORIGINS, REDIS_URL, FAULTLINE_ROLE and the
 * FAULTLINE_MAX_* limits are read too (README, Serving safely). With FAULTLINE_ROLE=worker
 * (`npm run worker`) it serves nothing and executes queued runs.
 */
async function main(): Promise<void> {
  const port = parsePort(process.env["PORT"] ?? "4000");
  const url = process.env["DATABASE_URL"]?.trim() ?? "";
  const dbPath = url !== "" ? url : resolve(process.env["DB_PATH"] ?? "./data/faultline.db");
  const scenariosDir = resolve(process.env["SCENARIOS_DIR"] ?? "./scenarios");
  if (!isPostgresUrl(dbPath)) mkdirSync(dirname(dbPath), { recursive: true });
  if (roleFromEnv(process.env) === "worker") return work(dbPath, scenariosDir);

  const host = process.env["HOST"]?.trim() || undefined;
  const server = await createServer({ port, dbPath, scenariosDir, ...(host === undefined ? {} : { host }) });
  const problems = server.services.scenarios.problems();
  console.log(`faultline: ${server.services.scenarios.list().length} scenarios loaded from ${scenariosDir}`);
  for (const problem of problems) {
    console.warn(
      `faultline: skipped ${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  console.log(`faultline: database ${describeStore(dbPath)}; ${server.services.topology.description}`);
  console.log(`faultline: GraphQL API and IDE at ${server.url} (subscriptions at ${server.wsUrl})`);

  onSignals(() => server.close());
}

/** FAULTLINE_ROLE=worker: executes queued runs until SIGINT or SIGTERM; no HTTP. */
async function work(dbPath: string, scenariosDir: string): Promise<void> {
  const services = await createServices({ dbPath, scenariosDir });
  console.log(`faultline: worker on ${describeStore(dbPath)}; ${services.topology.description}`);
  onSignals(() => services.close());
}

/** A store for the log: a path, or a URL without its password. */
function describeStore(locator: string): string {
  return isPostgresUrl(locator) ? redactUrl(locator) : locator;
}

function onSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`faultline: ${signal}, shutting down`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("faultline: shutdown failed:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer from 0 to 65535; got "${text}"`);
  }
  return port;
}

main().catch((error: unknown) => {
  // Start-up errors often name faultline themselves ("faultline: FAULTLINE_ROLE=..."): say it once.
  const message = error instanceof Error ? error.message.replace(/^faultline: /, "") : String(error);
  console.error(`faultline: could not start: ${message}`);
  process.exitCode = 1;
});
