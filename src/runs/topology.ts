import { openRunBus, redactRedisUrl, type RunBus } from "../bus";
import type { FaultlineStore } from "../store/contract";
import { DEFAULT_RUN_EXPIRE_SECONDS, RUN_QUEUE_ENV, runQueueOptionsFromEnv, type RunQueueOptions } from "../queue";
import type { RunQueue } from "../queue";

/**
 * What this process is in a course's deployment (FAULTLINE_ROLE):
 * - all (default): serves the API and executes runs;
 * - api: serves the API; runs go through the durable queue to the workers;
 * - worker: executes queued runs and serves nothing (`npm run worker`).
 * api and worker need a store several processes can share (DATABASE_URL) and its queue.
 */
export type ServerRole = "all" | "api" | "worker";

export const SERVER_ROLES: readonly ServerRole[] = ["all", "api", "worker"];

export function roleFromEnv(env: Readonly<Record<string, string | undefined>>): ServerRole {
  const text = env["FAULTLINE_ROLE"]?.trim() ?? "";
  if (text === "") return "all";
  if ((SERVER_ROLES as readonly string[]).includes(text)) return text as ServerRole;
  throw new Error(`faultline: FAULTLINE_ROLE must be one of ${SERVER_ROLES.join(", ")}; got "${text}"`);
}

/** How runs travel between this process and the others: the bus (REDIS_URL) and, on PostgreSQL, the job queue. */
export interface Topology {
  readonly role: ServerRole;
  readonly bus: RunBus;
  readonly queue: RunQueue | undefined;
  /** One line for the start-up log. */
  readonly description: string;
}

/**
 * Opens the bus (Redis when REDIS_URL is set, else in-process) and, when the store is
 * PostgreSQL, the durable run queue in that database (pg-boss, its own schema). With
 * SQLite, one process serves everything and the roles api and worker are refused.
 */
export async function openTopology(
  store: FaultlineStore,
  /** The store's locator (DATABASE_URL, with its password: the queue connects with it). */
  locator: string,
  role: ServerRole,
  env: Readonly<Record<string, string | undefined>>,
  /** The longest a healthy run may take (a paced run's wall-time ceiling), in ms. */
  longestRunMs: number,
  openQueue: (url: string, options: RunQueueOptions) => Promise<RunQueue>,
): Promise<Topology> {
  if (store.kind === "sqlite" && role !== "all") {
    throw new Error(
      `faultline: FAULTLINE_ROLE=${role} needs a store that several processes share: set DATABASE_URL ` +
        "(PostgreSQL); with the embedded SQLite file one process serves the API and runs every run",
    );
  }
  const redisUrl = env["REDIS_URL"]?.trim() ?? "";
  if (store.kind === "postgres" && role !== "all" && redisUrl === "") {
    throw new Error(
      `faultline: FAULTLINE_ROLE=${role} needs REDIS_URL too: live events and controls reach the other ` +
        "processes through Redis pub/sub",
    );
  }
  const queueOptions = queueOptionsFromEnv(env);
  if (store.kind === "postgres") checkExpiry(queueOptions, longestRunMs);
  const bus = await openRunBus(redisUrl === "" ? undefined : redisUrl);
  let queue: RunQueue | undefined;
  try {
    queue = store.kind === "postgres" ? await openQueue(locator, queueOptions) : undefined;
  } catch (error) {
    await bus.close();
    throw error;
  }
  const busText = bus.kind === "redis" ? `Redis pub/sub at ${redactRedisUrl(redisUrl)}` : "in-process events";
  const queueText = queue === undefined ? "runs executed in this process" : "runs through the durable queue (pg-boss)";
  return { role, bus, queue, description: `role ${role}; ${busText}; ${queueText}` };
}

/** How much longer than the longest run a try may last before the queue gives it to another worker, in ms. */
export const EXPIRY_MARGIN_MS = 10_000;

/**
 * pg-boss (v10) learns that a worker died only when its try expires, and it also gives a
 * try that outlives the expiry to another worker: so the expiry must exceed the longest
 * healthy run, or a slow run would be written twice. Refused at start-up, naming both.
 */
function checkExpiry(options: RunQueueOptions, longestRunMs: number): void {
  const expireSeconds = options.expireSeconds ?? DEFAULT_RUN_EXPIRE_SECONDS;
  if (expireSeconds * 1000 >= longestRunMs + EXPIRY_MARGIN_MS) return;
  throw new Error(
    `faultline: ${RUN_QUEUE_ENV.expireSeconds} (${expireSeconds} s) must exceed a paced run's wall-time ceiling ` +
      `FAULTLINE_PACED_RUN_MAX_MS (${longestRunMs} ms) by at least ${EXPIRY_MARGIN_MS / 1000} s: a try that ` +
      "outlives its expiry is handed to another worker",
  );
}

/** How often an idle worker looks for a job: a started run waits at most this long for one, in seconds. */
export const DEFAULT_QUEUE_POLL_SECONDS = 0.5;

/** The queue's settings from the environment (src/queue/env.ts), polling faster than pg-boss's default. */
export function queueOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): RunQueueOptions {
  return { pollSeconds: DEFAULT_QUEUE_POLL_SECONDS, ...runQueueOptionsFromEnv(env) };
}
