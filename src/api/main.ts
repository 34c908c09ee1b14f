import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createServer } from "./server";

/**
 * `npm start`: serves the API on HOST:PORT (127.0.0.1 unless HOST says otherwise) with
 * the database at DB_PATH and the scenarios in SCENARIOS_DIR; CORS_ORIGINS and the
 * FAULTLINE_MAX_* limits are read by the server (README, Serving safely).
 */
async function main(): Promise<void> {
  const port = parsePort(process.env["PORT"] ?? "4000");
  const dbPath = resolve(process.env["DB_PATH"] ?? "./data/faultline.db");
  const scenariosDir = resolve(process.env["SCENARIOS_DIR"] ?? "./scenarios");
  mkdirSync(dirname(dbPath), { recursive: true });

  const host = process.env["HOST"]?.trim() || undefined;
  const server = await createServer({ port, dbPath, scenariosDir, ...(host === undefined ? {} : { host }) });
  const problems = server.services.scenarios.problems();
  console.log(`faultline: ${server.services.scenarios.list().length} scenarios loaded from ${scenariosDir}`);
  for (const problem of problems) {
    console.warn(
      `faultline: skipped ${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  console.log(`faultline: database ${dbPath}`);
  console.log(`faultline: GraphQL API and IDE at ${server.url} (subscriptions at ${server.wsUrl})`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`faultline: ${signal}, shutting down`);
    server.close().then(
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
  console.error("faultline: could not start:", error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
