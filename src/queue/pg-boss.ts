import { setTimeout as sleep } from "node:timers/promises";
import PgBoss from "pg-boss";
import { redactUrl } from "../store/pg";
import type { DeadRunJobHandler, JobAttempt, RunJob, RunJobHandler, RunQueue, RunQueueStats } from "./contract";
import {
  MAX_WORKER_CONCURRENCY,
  resolveRunQueueSettings,
  type RunQueueOptions,
  type RunQueueSettings,
} from "./settings";

/**
 * The run queue on pg-boss 10 (PostgreSQL): jobs are rows in pg-boss's tables, taken
 * with SELECT ... FOR UPDATE SKIP LOCKED, so any number of processes share one queue and
 * a job is handed to one worker at a time. What pg-boss does for us, and where:
 * - retries: a failed try goes back to the queue (state "retry") until retryLimit tries
 *   have followed the first; the fetch that takes it again counts retryCount up.
 * - expiry: a try active longer than expireInSeconds is failed by the supervision round
 *   (maintenanceIntervalSeconds), which covers a worker killed mid-try; in a live
 *   process pg-boss also fails the try when its handler outlives the expiry.
 * - dead letters: a job that fails its last try is copied (data and error) to the
 *   dead-letter queue, whose worker calls the dead handler.
 * Delivery is at least once: a handler must cope with a job whose run it already
 * finished (a process that stops between the handler's end and pg-boss's completion
 * leaves the job active until it expires, and then it is retried).
 */

/** The dead-letter queue of a run queue. */
export function deadQueueName(queueName: string): string {
  return `${queueName}-dead`;
}

/** Opens (and on first use creates) the queue's schema and its two queues. */
export async function openRunQueue(url: string, options: RunQueueOptions = {}): Promise<RunQueue> {
  const settings = resolveRunQueueSettings(options);
  const where = `schema "${settings.schema}" at ${redactUrl(url)}`;
  const boss = new PgBoss({
    connectionString: url,
    schema: settings.schema,
    application_name: "faultline-run-queue",
    max: settings.poolSize,
    supervise: true,
    maintenanceIntervalSeconds: settings.superviseSeconds,
    // No cron schedules here: the timekeeper would only add queries and a queue of its own.
    schedule: false,
    migrate: true,
  });
  boss.on("error", (error: Error) => settings.onError(new Error(`${where}: ${error.message}`)));
  const queueOptions = {
    retryLimit: settings.retries,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: false,
    expireInSeconds: settings.expireSeconds,
  };
  try {
    await boss.start();
    // The dead-letter queue first: the run queue's row refers to it.
    const dead = deadQueueName(settings.queueName);
    await retryDeadlocks(() => boss.createQueue(dead, { ...queueOptions, name: dead }));
    await retryDeadlocks(() =>
      boss.createQueue(settings.queueName, { ...queueOptions, name: settings.queueName, deadLetter: dead }),
    );
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw new Error(`run queue: could not open pg-boss ${where}: ${messageOf(error)}`);
  }
  return new PgBossRunQueue(boss, settings, where);
}

class PgBossRunQueue implements RunQueue {
  private closing: Promise<void> | null = null;

  constructor(
    private readonly boss: PgBoss,
    private readonly settings: RunQueueSettings,
    private readonly where: string,
  ) {}

  async enqueue(job: RunJob): Promise<string> {
    this.assertOpen("enqueue");
    if (typeof job.runId !== "string" || job.runId.length === 0) {
      throw new Error(`run queue: enqueue needs a non-empty runId, got ${JSON.stringify(job.runId)}`);
    }
    // The settings go on every job too: they win over the queue row, which keeps the
    // settings of whichever instance created the queue first.
    const id = await this.boss.send(
      this.settings.queueName,
      { runId: job.runId },
      {
        retryLimit: this.settings.retries,
        retryDelay: this.settings.retryDelaySeconds,
        retryBackoff: false,
        expireInSeconds: this.settings.expireSeconds,
        deadLetter: deadQueueName(this.settings.queueName),
      },
    );
    if (id === null) {
      throw new Error(`run queue: pg-boss stored no job for run ${job.runId} in ${this.where}`);
    }
    return id;
  }

  async work(handler: RunJobHandler, options: { readonly concurrency: number }): Promise<void> {
    this.assertOpen("work");
    const { concurrency } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_WORKER_CONCURRENCY) {
      throw new Error(
        `run queue: work concurrency must be an integer from 1 to ${MAX_WORKER_CONCURRENCY}, got ${concurrency}`,
      );
    }
    // pg-boss 10 has no team size: concurrency is that many workers, each fetching one
    // job at a time, so one slow run holds one worker and each job completes on its own.
    for (let worker = 0; worker < concurrency; worker++) {
      await this.startWorker(this.settings.queueName, async (job) => {
        await handler(readRunJob(job, this.settings.queueName), attemptOf(job));
      });
    }
  }

  async onDead(handler: DeadRunJobHandler): Promise<void> {
    this.assertOpen("onDead");
    const queue = deadQueueName(this.settings.queueName);
    await this.startWorker(queue, async (job) => {
      await handler(readRunJob(job, queue), describeFailure(job.output));
    });
  }

  async stats(): Promise<RunQueueStats> {
    this.assertOpen("stats");
    const sql = `SELECT state::text AS state, count(*)::int AS count FROM ${this.settings.schema}.job WHERE name = $1 GROUP BY state`;
    const result = await this.boss.getDb().executeSql(sql, [this.settings.queueName]);
    const counts = new Map<string, number>();
    for (const row of result.rows as { state: string; count: number }[]) counts.set(row.state, row.count);
    const count = (state: string): number => counts.get(state) ?? 0;
    return { queued: count("created") + count("retry"), active: count("active"), failed: count("failed") };
  }

  close(): Promise<void> {
    // pg-boss stops its workers from fetching, waits while any holds a job (up to the
    // timeout), fails the jobs still held (so they are retried), then ends its pool.
    this.closing ??= this.boss.stop({ graceful: true, wait: true, close: true, timeout: this.settings.closeTimeoutMs });
    return this.closing;
  }

  /** One pg-boss worker: batches of one job, with the retry counts (includeMetadata). */
  private async startWorker(
    queue: string,
    handle: (job: PgBoss.JobWithMetadata<unknown>) => Promise<void>,
  ): Promise<void> {
    let workerId: string | null = null;
    workerId = await this.boss.work<unknown>(
      queue,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.settings.pollSeconds },
      async (jobs) => {
        try {
          for (const job of jobs) await handle(job);
        } finally {
          // pg-boss's worker sleeps a polling interval after every fetch, even a fruitful
          // one; a worker that just had a job asks for the next one at once instead.
          if (workerId !== null && this.closing === null) this.boss.notifyWorker(workerId);
        }
      },
    );
  }

  private assertOpen(operation: string): void {
    if (this.closing !== null) throw new Error(`run queue: ${operation} after close (${this.where})`);
  }
}

function attemptOf(job: PgBoss.JobWithMetadata<unknown>): JobAttempt {
  return { retry: job.retryCount, final: job.retryCount >= job.retryLimit };
}

function readRunJob(job: PgBoss.Job<unknown>, queue: string): RunJob {
  const data = job.data;
  if (
    typeof data === "object" &&
    data !== null &&
    "runId" in data &&
    typeof data.runId === "string" &&
    data.runId !== ""
  ) {
    return { runId: data.runId };
  }
  throw new Error(`run queue: job ${job.id} in queue ${queue} carries no runId (data ${JSON.stringify(data)})`);
}

/**
 * The reason pg-boss stored for a job's last failure: a thrown Error is stored serialized
 * ({ name, message, stack }), anything else and pg-boss's own reasons (expiry, shutdown)
 * under "value".
 */
export function describeFailure(output: unknown): string {
  if (typeof output === "string") return output;
  if (typeof output === "object" && output !== null) {
    if ("message" in output && typeof output.message === "string") return output.message;
    if ("value" in output) return describeFailure(output.value);
  }
  return output === null || output === undefined ? "no reason stored" : JSON.stringify(output);
}

/** How many times creating a queue is tried when PostgreSQL picks it as a deadlock's victim. */
const CREATE_QUEUE_TRIES = 5;

/**
 * pg-boss creates a queue as a row plus a partition of its job table, idempotently (a
 * second create of the same name does nothing). Instances that start at once on a fresh
 * schema can deadlock on those locks; PostgreSQL aborts one, which simply tries again.
 */
async function retryDeadlocks(create: () => Promise<void>): Promise<void> {
  for (let tried = 1; ; tried++) {
    try {
      await create();
      return;
    } catch (error) {
      const deadlock = typeof error === "object" && error !== null && "code" in error && error.code === "40P01";
      if (!deadlock || tried >= CREATE_QUEUE_TRIES) throw error;
      // Only the victim retries, so no jitter is needed: the survivor has gone ahead.
      await sleep(50 * tried);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
