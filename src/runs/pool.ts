import { join } from "node:path";
import { existsSync } from "node:fs";
import Piscina from "piscina";
import { FaultlineError } from "./errors";
import type { WorkerTask } from "./run-worker";

/** The compiled task module, next to this file in dist/. */
export const WORKER_FILE = join(__dirname, "run-worker.js");

export interface TaskPoolOptions {
  /** Names the pool in a BUSY error ("run", "paced run"). */
  readonly name: string;
  /** Threads at most. */
  readonly threads: number;
  /**
   * Start every thread at once and keep it while the pool is open (the run pool: a run
   * should never wait for a thread to load the code). Otherwise threads start on demand
   * and leave after a minute idle (the paced pool: its tasks take seconds to minutes).
   */
  readonly warm: boolean;
  /** Tasks that may wait for a thread; one more is refused with BUSY. */
  readonly maxQueue: number;
  /** The environment variable that sets `threads`, named in a BUSY error. */
  readonly threadsVariable: string;
  /** The environment variable that sets `maxQueue`, named in a BUSY error. */
  readonly queueVariable: string;
  /** A first guess of one task's wall time, in ms, until tasks have been timed. */
  readonly typicalTaskMs: number;
}

/** A place in a pool's bound held for one task; releasing it twice releases it once. */
export interface PoolPlace {
  release(): void;
}

/**
 * A piscina pool of warm worker threads with a bounded queue. The bound is counted
 * here, before a task is submitted, so that a caller can be told BUSY (with when to
 * retry) before it has stored anything; piscina's own maxQueue is the same number, as
 * a backstop.
 */
export class TaskPool {
  private readonly piscina: Piscina<WorkerTask, unknown>;
  /** Submitted and not yet settled: running plus queued. */
  private inFlight = 0;

  constructor(private readonly options: TaskPoolOptions) {
    for (const [what, value, min] of [
      ["threads", options.threads, 1],
      ["maxQueue", options.maxQueue, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new Error(`the ${options.name} pool's ${what} must be an integer of at least ${min}, got ${value}`);
      }
    }
    if (!existsSync(WORKER_FILE)) {
      throw new Error(`faultline: the run worker ${WORKER_FILE} is missing; build with \`npm run build\` first`);
    }
    this.piscina = new Piscina<WorkerTask, unknown>({
      filename: WORKER_FILE,
      minThreads: options.warm ? options.threads : 0,
      maxThreads: options.threads,
      maxQueue: options.maxQueue,
      idleTimeout: options.warm ? Number.MAX_SAFE_INTEGER : 60_000,
      concurrentTasksPerWorker: 1,
      recordTiming: true,
    });
  }

  get threads(): number {
    return this.options.threads;
  }

  get limit(): number {
    return this.options.threads + this.options.maxQueue;
  }

  /** Throws BUSY when a task submitted now would not fit in the queue. */
  assertRoom(): void {
    if (this.inFlight < this.limit) return;
    const queued = this.inFlight - this.options.threads;
    // The queue moves one place per finished task, and `threads` tasks finish in about one task's time.
    const retryAfterMs = Math.max(50, Math.ceil(((queued + 1) / this.options.threads) * this.typicalTaskMs()));
    throw new FaultlineError(
      "BUSY",
      `The server is busy: all ${this.options.threads} ${this.options.name} workers are taken and ` +
        `${queued} ${this.options.name}s already wait (the limit is ${this.options.maxQueue}, ` +
        `set by ${this.options.queueVariable}; workers by ${this.options.threadsVariable}). ` +
        `Retry in about ${retryAfterMs} ms.`,
      undefined,
      { retryAfterMs, limit: this.options.maxQueue },
    );
  }

  /**
   * Takes a place now (BUSY when there is none) for a task submitted later with run(task,
   * { place }). A caller that awaits between its check and its submission (storing the run
   * first) must hold a place: assertRoom() alone lets every caller that checks before the
   * first one submits through, and the extra ones are then refused by run() after they
   * were stored. A place not given to run() must be released.
   */
  reserve(): PoolPlace {
    this.assertRoom();
    this.inFlight += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.inFlight -= 1;
      },
    };
  }

  /** Runs a task in the place reserved for it, or else in one taken now (BUSY when there is none). */
  async run<Result>(
    task: WorkerTask,
    options: { transferList?: readonly Transferable[]; signal?: AbortSignal; place?: PoolPlace } = {},
  ): Promise<Result> {
    const place = options.place ?? this.reserve();
    try {
      return (await this.piscina.run(task, {
        transferList: options.transferList as never,
        signal: options.signal ?? null,
      })) as Result;
    } finally {
      place.release();
    }
  }

  /** The median run time of the tasks so far (piscina's histogram), or the configured guess before any. */
  private typicalTaskMs(): number {
    const median = this.piscina.histogram.runTime.p50;
    return Number.isFinite(median) && median > 0 ? median : this.options.typicalTaskMs;
  }

  /** Stops every thread: running tasks are cut off (their runs are marked by the caller), queued ones rejected. */
  destroy(): Promise<void> {
    return this.piscina.destroy();
  }
}
