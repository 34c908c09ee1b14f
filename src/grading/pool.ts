import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import Piscina from "piscina";
import type { PooledGradingTask } from "./grade-worker";
import { GradingError } from "./service";
import type { Grader, GradingTask, TaskResult } from "./task";

/** The compiled task module, next to this file in dist/. */
export const GRADING_WORKER_FILE = join(__dirname, "grade-worker.js");

/** Grading tasks that may wait for a thread before a submission is refused with BUSY (FAULTLINE_GRADING_QUEUE). */
export const DEFAULT_MAX_QUEUED_GRADING = 256;

/** Grading threads when FAULTLINE_GRADING_WORKERS is not set: the machine's parallelism, at most 4. */
export function defaultGradingThreads(): number {
  return Math.min(4, availableParallelism());
}

export interface GradingPoolOptions {
  /** The database the workers store runs in (a file: threads cannot share :memory:). */
  readonly dbPath: string;
  /** Threads at most (FAULTLINE_GRADING_WORKERS); default: the machine's parallelism, at most 4. */
  readonly threads?: number;
  /** Tasks that may wait (FAULTLINE_GRADING_QUEUE). */
  readonly maxQueue?: number;
}

/**
 * Grading off the API's main thread: a piscina pool of worker threads
 * (grade-worker.ts) with a bounded queue. Threads start on demand and leave
 * after a minute idle; a task beyond the queue is refused with BUSY, naming the limit.
 */
export class GradingPool implements Grader {
  private readonly piscina: Piscina<PooledGradingTask, unknown>;
  private readonly threads: number;
  private readonly maxQueue: number;
  private inFlight = 0;

  constructor(private readonly options: GradingPoolOptions) {
    this.threads = options.threads ?? defaultGradingThreads();
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUED_GRADING;
    if (!existsSync(GRADING_WORKER_FILE)) {
      throw new Error(`faultline: the grading worker ${GRADING_WORKER_FILE} is missing; build with \`npm run build\``);
    }
    this.piscina = new Piscina<PooledGradingTask, unknown>({
      filename: GRADING_WORKER_FILE,
      minThreads: 0,
      maxThreads: this.threads,
      maxQueue: this.maxQueue,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
    });
  }

  async run<Task extends GradingTask>(task: Task): Promise<TaskResult<Task>> {
    if (this.inFlight >= this.threads + this.maxQueue) {
      throw new GradingError(
        "BUSY",
        `the server is busy grading: all ${this.threads} grading workers are taken and ${this.maxQueue} tasks wait ` +
          "(the limit FAULTLINE_GRADING_QUEUE); retry in a few seconds",
        this.maxQueue,
        "FAULTLINE_GRADING_QUEUE",
      );
    }
    this.inFlight += 1;
    try {
      return (await this.piscina.run({ dbPath: this.options.dbPath, task })) as TaskResult<Task>;
    } finally {
      this.inFlight -= 1;
    }
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
