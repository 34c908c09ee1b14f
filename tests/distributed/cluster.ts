import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
import { createLoadDatabase, unreachable, type LoadDatabase } from "../../bench/load/services";

/**
 * Real processes of one course's deployment for the tests: a fresh PostgreSQL database
 * per test (the store and pg-boss's queue both live in it, so tests never meet), the
 * machine's Redis, API instances and workers started as `npm start` / `npm run worker`
 * start them (node dist/src/api/main.js with FAULTLINE_ROLE).
 */

const MAIN = join(projectRoot, "dist", "src", "api", "main.js");

/** The PostgreSQL server the tests use: DATABASE_URL, else the machine's (trust auth, database test). */
export const ADMIN_URL = process.env["DATABASE_URL"] ?? "postgresql://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Why the cluster tests cannot run here (PostgreSQL or Redis unreachable), or undefined when they can. */
export async function clusterUnavailable(): Promise<string | undefined> {
  return (await unreachable(ADMIN_URL, REDIS_URL)) ?? undefined;
}

/** A new empty database on the test server (the load driver's); drop() removes it and ends its connections. */
export function freshDatabase(): Promise<LoadDatabase> {
  return createLoadDatabase(ADMIN_URL);
}

export interface Instance {
  readonly role: "api" | "worker" | "all";
  readonly child: ChildProcess;
  /** The GraphQL endpoint (API roles only). */
  readonly url: string;
  readonly wsUrl: string;
  readonly output: () => string;
}

/** Starts one process of the deployment and waits until it says it is ready. */
export async function startInstance(role: Instance["role"], env: Readonly<Record<string, string>>): Promise<Instance> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: "0",
      FAULTLINE_ROLE: role,
      FAULTLINE_RUN_WORKERS: "1",
      FAULTLINE_PACED_RUNS: "4",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ready =
    role === "worker"
      ? /faultline: worker on /
      : /GraphQL API and IDE at (http:\/\/\S+) \(subscriptions at (ws:\/\/\S+)\)/;
  for (let waited = 0; waited < 120_000; waited += 50) {
    const match = ready.exec(output);
    if (match !== null) {
      return { role, child, url: match[1] ?? "", wsUrl: match[2] ?? "", output: () => output };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`the ${role} process did not start:\n${output}`);
}

/** Stops a process (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits for it to exit. */
export async function stopInstance(instance: Instance, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const { child } = instance;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}
