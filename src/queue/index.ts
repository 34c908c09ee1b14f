/** The durable run queue (issue 13): the contract, pg-boss behind it, and its settings. */
export type { DeadRunJobHandler, JobAttempt, RunJob, RunJobHandler, RunQueue, RunQueueStats } from "./contract";
export { deadQueueName, describeFailure, openRunQueue } from "./pg-boss";
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_POLL_SECONDS,
  DEFAULT_QUEUE_POOL_SIZE,
  DEFAULT_QUEUE_SCHEMA,
  DEFAULT_RUN_EXPIRE_SECONDS,
  DEFAULT_RUN_QUEUE_NAME,
  DEFAULT_RUN_RETRIES,
  DEFAULT_RUN_RETRY_DELAY_SECONDS,
  DEFAULT_SUPERVISE_SECONDS,
  MAX_WORKER_CONCURRENCY,
  recoveryBoundSeconds,
  resolveRunQueueSettings,
  type RunQueueOptions,
  type RunQueueSettings,
} from "./settings";
export { RUN_QUEUE_ENV, runQueueOptionsFromEnv } from "./env";
