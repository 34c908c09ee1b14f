import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { projectRoot } from "../../src/api/paths";

/**
 * The server and worker processes a load mode runs: `node dist/src/api/main.js`, what
 * `npm start` runs, each a separate process so that the driver's own work (hundreds of
 * sockets, autocannon) is not measured as the server's, and so that each one's peak
 * memory can be read from /proc.
 */

const MAIN = join(projectRoot, "dist", "src", "api", "main.js");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** Output kept per process for error messages: the tail only, so a chatty process cannot grow the driver. */
const OUTPUT_KEPT_CHARS = 1_000_000;
/** Lines of a process's log shown after a line naming an error id (its stack trace). */
const LINES_AFTER_ERROR_ID = 8;

/**
 * What the processes logged about the errors the driver met: the server answers an
 * unexpected failure with "Internal server error (id X)" and logs the details under X,
 * so each id found in `texts` is looked up in every process's output.
 */
export function logExcerpts(texts: readonly string[], processes: readonly LoadProcess[], maxIds = 50): string[] {
  const ids = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/"errorId":"([0-9a-f]+)"|Internal server error \(id ([0-9a-f]+)\)/g)) {
      if (ids.size < maxIds) ids.add((match[1] ?? match[2]) as string);
    }
  }
  const excerpts: string[] = [];
  // The same failure under many ids (one per subscriber) is shown once.
  const seen = new Set<string>();
  for (const id of ids) {
    for (const loadProcess of processes) {
      const lines = loadProcess.output().split("\n");
      const at = lines.findIndex((line) => line.includes(id) && !line.includes("Internal server error (id"));
      if (at < 0) continue;
      const shape = (lines[at] as string).replaceAll(id, "");
      if (seen.has(shape)) continue;
      seen.add(shape);
      excerpts.push(`${loadProcess.name} on ${id}:`, ...lines.slice(at, at + 1 + LINES_AFTER_ERROR_ID));
    }
  }
  return excerpts;
}

export interface LoadProcess {
  /** "api-1", "worker-2", "sqlite": for messages and the memory note. */
  readonly name: string;
  readonly child: ChildProcess;
  /** The tail of what it printed (stdout and stderr). */
  output(): string;
}

export interface ApiProcess extends LoadProcess {
  /** The GraphQL endpoint (http://127.0.0.1:PORT/graphql). */
  readonly url: string;
  /** The subscriptions endpoint (ws://...). */
  readonly wsUrl: string;
}

/**
 * What a process must get only from its mode: a DATABASE_URL, REDIS_URL or role left in
 * the driver's environment would turn the SQLite mode's server into something else.
 */
const MODE_VARIABLES = ["DATABASE_URL", "REDIS_URL", "FAULTLINE_ROLE", "DB_PATH", "PORT"];

/** Starts a process of the entry point with `env` over the driver's environment (less MODE_VARIABLES). */
export function startProcess(name: string, env: Record<string, string>, cwd: string): LoadProcess {
  const inherited = { ...process.env };
  for (const variable of MODE_VARIABLES) delete inherited[variable];
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    // PORT=0 also for a worker: should it listen after all, it must not take 4000 or collide with another.
    env: { ...inherited, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, output: () => output };
}

/**
 * Starts an API process on a port of the system's choosing (PORT=0: no race for a
 * "free" port) and waits until it prints where it listens, which it does once it accepts.
 */
export async function startApi(name: string, env: Record<string, string>, cwd: string): Promise<ApiProcess> {
  const started = startProcess(name, env, cwd);
  for (let waited = 0; waited < READY_TIMEOUT_MS; waited += 50) {
    const match = /GraphQL API and IDE at (http:\/\/\S+) \(subscriptions at (ws:\/\/\S+)\)/.exec(started.output());
    if (match !== null) return { ...started, url: match[1] as string, wsUrl: match[2] as string };
    if (exited(started)) break;
    await sleep(50);
  }
  await stopProcess(started);
  throw new Error(`load: ${name} did not start within ${READY_TIMEOUT_MS} ms; it printed:\n${started.output()}`);
}

/**
 * Starts a worker process (FAULTLINE_ROLE=worker in env) and waits until it says it
 * works on its store, so that a worker that cannot start fails the mode at once rather
 * than leaving queued runs waiting.
 */
export async function startWorker(name: string, env: Record<string, string>, cwd: string): Promise<LoadProcess> {
  const started = startProcess(name, env, cwd);
  for (let waited = 0; waited < READY_TIMEOUT_MS; waited += 50) {
    if (/faultline: worker on /.test(started.output())) return started;
    if (exited(started)) break;
    await sleep(50);
  }
  await stopProcess(started);
  throw new Error(`load: ${name} did not start within ${READY_TIMEOUT_MS} ms; it printed:\n${started.output()}`);
}

export function exited(process: LoadProcess): boolean {
  return process.child.exitCode !== null || process.child.signalCode !== null;
}

/** SIGTERM (the server drains and exits), then SIGKILL if it has not exited in time. */
export async function stopProcess(loadProcess: LoadProcess): Promise<void> {
  if (exited(loadProcess)) return;
  const gone = new Promise<void>((resolve) => loadProcess.child.once("exit", () => resolve()));
  loadProcess.child.kill("SIGTERM");
  // Unreferenced: once the process has exited, the timer must not hold the driver's own exit.
  const timer = sleep(STOP_TIMEOUT_MS, "late" as const, { ref: false });
  if ((await Promise.race([gone.then(() => "gone" as const), timer])) === "late") {
    loadProcess.child.kill("SIGKILL");
    await gone;
  }
}

/**
 * The process's peak resident memory in bytes: VmHWM of /proc/<pid>/status, the kernel's
 * high-water mark, so one read at the end sees the peak without sampling. Null where
 * there is no /proc (not Linux) or the process has gone.
 */
export function peakRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}
