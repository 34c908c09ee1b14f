/**
 * The run queue's settings, their defaults and their bounds. Each is a named constant
 * so the lead can map environment variables onto them and a test can shrink them.
 */

/** pg-boss's own default schema; tests give each queue a fresh one. */
export const DEFAULT_QUEUE_SCHEMA = "pgboss";
/** The pg-boss queue that carries run jobs; its dead-letter queue is this name + "-dead". */
export const DEFAULT_RUN_QUEUE_NAME = "faultline-runs";
/** Retries after the first try: a run gets three tries in all before it is dead. */
export const DEFAULT_RUN_RETRIES = 2;
/** Seconds between a failed try and its retry (no backoff: a run's failures are not load). */
export const DEFAULT_RUN_RETRY_DELAY_SECONDS = 2;
/**
 * Seconds a try may stay active before it counts as failed: longer than the longest run
 * (a run is bounded by its scenario's maxTime/maxEvents). A worker killed mid-run leaves
 * its job active; only this expiry lets another worker take it, so it also bounds how
 * long a dead worker's run waits.
 */
export const DEFAULT_RUN_EXPIRE_SECONDS = 15 * 60;
/**
 * Seconds between pg-boss's supervision rounds (maintenanceIntervalSeconds): the round
 * that turns expired active jobs into retries (or dead ones). Every instance runs the
 * timer; a row lock in pg-boss's version table lets one round per interval through.
 */
export const DEFAULT_SUPERVISE_SECONDS = 30;
/** Seconds an idle worker sleeps between polls (pg-boss refuses less than 0.5). */
export const DEFAULT_POLL_SECONDS = 2;
/** How long close() waits for running handlers before failing their tries (so they are retried). */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
/** PostgreSQL connections one queue instance may hold (fetches, completions, supervision). */
export const DEFAULT_QUEUE_POOL_SIZE = 10;
/** Upper bound on work()'s concurrency in one process: each worker polls on its own. */
export const MAX_WORKER_CONCURRENCY = 64;

/** pg-boss refuses an expiry of a day or more. */
const MAX_EXPIRE_SECONDS = 24 * 60 * 60 - 1;
const MIN_POLL_SECONDS = 0.5;

export interface RunQueueOptions {
  /** PostgreSQL schema of pg-boss's tables (created on first open). */
  readonly schema?: string;
  readonly queueName?: string;
  readonly retries?: number;
  readonly retryDelaySeconds?: number;
  readonly expireSeconds?: number;
  readonly superviseSeconds?: number;
  readonly pollSeconds?: number;
  readonly closeTimeoutMs?: number;
  readonly poolSize?: number;
  /** Errors of pg-boss's background loops (polling, supervision); the default writes them to stderr. */
  readonly onError?: (error: Error) => void;
}

export type RunQueueSettings = Required<RunQueueOptions>;

/** Fills the defaults and checks every bound; the error names the setting and the value. */
export function resolveRunQueueSettings(options: RunQueueOptions = {}): RunQueueSettings {
  const schema = options.schema ?? DEFAULT_QUEUE_SCHEMA;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,49}$/.test(schema)) {
    throw new Error(
      `run queue: schema "${schema}" must be 1-50 letters, digits or underscores, not starting with a digit`,
    );
  }
  const queueName = options.queueName ?? DEFAULT_RUN_QUEUE_NAME;
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(queueName)) {
    throw new Error(`run queue: queueName "${queueName}" must be 1-60 letters, digits, "_" or "-"`);
  }
  const settings: RunQueueSettings = {
    schema,
    queueName,
    retries: integerIn("retries", options.retries ?? DEFAULT_RUN_RETRIES, 0, 100),
    retryDelaySeconds: integerIn(
      "retryDelaySeconds",
      options.retryDelaySeconds ?? DEFAULT_RUN_RETRY_DELAY_SECONDS,
      0,
      3600,
    ),
    expireSeconds: integerIn(
      "expireSeconds",
      options.expireSeconds ?? DEFAULT_RUN_EXPIRE_SECONDS,
      1,
      MAX_EXPIRE_SECONDS,
    ),
    superviseSeconds: integerIn("superviseSeconds", options.superviseSeconds ?? DEFAULT_SUPERVISE_SECONDS, 1, 3600),
    pollSeconds: numberIn("pollSeconds", options.pollSeconds ?? DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS, 300),
    closeTimeoutMs: integerIn("closeTimeoutMs", options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 1000, 3_600_000),
    poolSize: integerIn("poolSize", options.poolSize ?? DEFAULT_QUEUE_POOL_SIZE, 2, 1000),
    onError: options.onError ?? writeQueueError,
  };
  return settings;
}

/**
 * The longest a job of a worker killed mid-try waits before another worker takes it:
 * its expiry, then up to two supervision intervals (a round that fires a moment early
 * finds the previous one too recent and skips), the retry delay and one idle poll.
 */
export function recoveryBoundSeconds(settings: RunQueueSettings): number {
  return settings.expireSeconds + 2 * settings.superviseSeconds + settings.retryDelaySeconds + settings.pollSeconds;
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`run queue: ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function numberIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`run queue: ${name} must be a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function writeQueueError(error: Error): void {
  process.stderr.write(`faultline run queue: ${error.message}\n`);
}
