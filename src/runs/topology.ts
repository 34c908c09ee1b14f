import { openRunBus, redactRedisUrl, type RunBus } from "../bus";
import type { FaultlineStore } from "../store/contract";
import type { RunQueueOptions } from "../queue/settings";
import type { RunJobQueue } from "./jobs";

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
  readonly queue: RunJobQueue | undefined;
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
  openQueue: (url: string) => Promise<RunJobQueue>,
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
  const bus = await openRunBus(redisUrl === "" ? undefined : redisUrl);
  let queue: RunJobQueue | undefined;
  try {
    queue = store.kind === "postgres" ? await openQueue(locator) : undefined;
  } catch (error) {
    await bus.close();
    throw error;
  }
  const busText = bus.kind === "redis" ? `Redis pub/sub at ${redactRedisUrl(redisUrl)}` : "in-process events";
  const queueText = queue === undefined ? "runs executed in this process" : "runs through the durable queue (pg-boss)";
  return { role, bus, queue, description: `role ${role}; ${busText}; ${queueText}` };
}

/** The queue's settings a deployment may change, one variable each (README, Serving a course). */
export const QUEUE_VARIABLES = {
  retries: "FAULTLINE_QUEUE_RETRIES",
  expireSeconds: "FAULTLINE_QUEUE_EXPIRE_SECONDS",
  superviseSeconds: "FAULTLINE_QUEUE_SUPERVISE_SECONDS",
  pollSeconds: "FAULTLINE_QUEUE_POLL_SECONDS",
} as const;

/** How often an idle worker looks for a job: a started run waits at most this long for one, in seconds. */
export const DEFAULT_QUEUE_POLL_SECONDS = 0.5;

/** The queue's settings from the environment; the queue checks each bound and names it. */
export function queueOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): RunQueueOptions {
  const read = (name: string): number | undefined => {
    const text = env[name]?.trim() ?? "";
    if (text === "") return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new Error(`faultline: ${name} must be a number; got "${text}"`);
    return value;
  };
  const options: { -readonly [K in keyof RunQueueOptions]: RunQueueOptions[K] } = {
    pollSeconds: read(QUEUE_VARIABLES.pollSeconds) ?? DEFAULT_QUEUE_POLL_SECONDS,
  };
  const retries = read(QUEUE_VARIABLES.retries);
  if (retries !== undefined) options.retries = retries;
  const expire = read(QUEUE_VARIABLES.expireSeconds);
  if (expire !== undefined) options.expireSeconds = expire;
  const supervise = read(QUEUE_VARIABLES.superviseSeconds);
  if (supervise !== undefined) options.superviseSeconds = supervise;
  return options;
}
