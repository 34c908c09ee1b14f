/**
 * The durable run queue (issue 13, "beyond one machine"): an API instance stores a run
 * (RUNNING, with its source, seed and schedule) and enqueues its id; any worker process
 * of the course takes the job, executes the run and completes it in the store. The queue
 * outlives every process: a job enqueued while no worker runs waits, a job whose worker
 * dies is retried by another once its expiry passes, and a job whose every try failed is
 * handed once to the dead handler, which marks the run FAILED.
 *
 * The implementation is src/queue/pg-boss.ts (pg-boss on the course's PostgreSQL); the
 * contract keeps callers free of it so a BullMQ queue could stand behind the same shape.
 */

/** What a job carries: only the run's id; everything else is in the stored run row. */
export interface RunJob {
  readonly runId: string;
}

/** Which try of a job a handler is running. */
export interface JobAttempt {
  /** 0 on the first try, 1 on the first retry, and so on. */
  readonly retry: number;
  /**
   * True when no retry follows if this try fails: the handler may then record the
   * failure itself (the dead handler runs too, for a throw or an expiry).
   */
  readonly final: boolean;
}

/** Counts of one queue's jobs by state, for health checks and reports. */
export interface RunQueueStats {
  /** Waiting for a worker: never taken, or failed and waiting for their retry. */
  readonly queued: number;
  /** Taken by a worker and not yet completed, failed or expired. */
  readonly active: number;
  /** Every try failed or expired (kept until pg-boss archives them). */
  readonly failed: number;
}

/** Handles one job; a throw (or a rejection) fails this try, and a retry follows unless it was final. */
export type RunJobHandler = (job: RunJob, attempt: JobAttempt) => Promise<void>;

/** Handles a job whose last try failed or expired; `error` says why the last try ended. */
export type DeadRunJobHandler = (job: RunJob, error: string) => Promise<void>;

export interface RunQueue {
  /** Stores a job durably and returns its id; it waits until some worker takes it. */
  enqueue(job: RunJob): Promise<string>;
  /**
   * Starts `concurrency` workers in this process, each taking one job at a time. A busy
   * worker takes its next job at once; an idle one polls at the queue's polling interval.
   */
  work(handler: RunJobHandler, options: { readonly concurrency: number }): Promise<void>;
  /** Starts the worker for jobs whose last try failed or expired: each such job reaches a dead handler once. */
  onDead(handler: DeadRunJobHandler): Promise<void>;
  stats(): Promise<RunQueueStats>;
  /**
   * Stops taking jobs, waits for running handlers up to the close timeout, fails (so
   * retries) the jobs of handlers still running after it, and ends the connections.
   */
  close(): Promise<void>;
}
