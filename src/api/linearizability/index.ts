import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { LinearizabilityReport } from "../../checkers/linearizability";
import { runCheckJob, type CheckAnswer, type CheckJob } from "./job";

/**
 * Linearizability checks for the API. The search is CPU-bound and may run for its
 * whole time budget, so a check runs on the main thread only for a short first try
 * (a small history, INLINE_BUDGET_MS at most); anything it does not decide runs in
 * its own worker thread, at most MAX_RUNNING at once and MAX_WAITING more in a
 * queue. Self-contained, so it can move into the run engine's pool (src/runs) later
 * without touching the resolvers.
 */

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 60_000;
const MAX_RUNNING = 2;
const MAX_WAITING = 20;
/** How long past its budget a worker may take before it is stopped and the verdict is UNKNOWN. */
const GRACE_MS = 2_000;

const WORKER_FILE = join(__dirname, "worker.js");
/** Histories up to this size get a first try on the main thread... */
const INLINE_MAX_OPERATIONS = 1_000;
/** ...which blocks it for this long at most (a worker takes about as long to start). */
const INLINE_BUDGET_MS = 20;

export interface LinearizabilityResultRecord extends LinearizabilityReport {
  readonly elapsedMs: number;
}

/** A history the checker refused: the message names the operation and field. */
export class MalformedHistory extends Error {
  constructor(
    message: string,
    readonly path: string | null,
    readonly operation: number | null,
  ) {
    super(message);
    this.name = "MalformedHistory";
  }
}

/** Too many checks running and waiting. */
export class CheckerBusy extends Error {}

let running = 0;
const waiting: (() => void)[] = [];

export async function runCheck(job: CheckJob): Promise<LinearizabilityResultRecord> {
  let spentMs = 0;
  if (countOperations(job.history) <= INLINE_MAX_OPERATIONS) {
    const answer = runCheckJob({ ...job, timeoutMs: Math.min(job.timeoutMs, INLINE_BUDGET_MS) });
    const record = fromAnswer(answer);
    if (record.verdict !== "UNKNOWN" || job.timeoutMs <= INLINE_BUDGET_MS) return record;
    spentMs = record.elapsedMs;
  }
  const record = await checkInWorker(job);
  return { ...record, elapsedMs: record.elapsedMs + spentMs };
}

function fromAnswer(answer: CheckAnswer): LinearizabilityResultRecord {
  if (!answer.ok) throw new MalformedHistory(answer.message, answer.path, answer.operation);
  return { ...answer.report, elapsedMs: answer.elapsedMs };
}

async function checkInWorker(job: CheckJob): Promise<LinearizabilityResultRecord> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) {
      throw new CheckerBusy(
        `The linearizability checker is busy: ${MAX_RUNNING} checks are running and ${MAX_WAITING} waiting. Try again shortly.`,
      );
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await runWorker(job);
  } finally {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running -= 1;
  }
}

function runWorker(job: CheckJob): Promise<LinearizabilityResultRecord> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: { linearizabilityCheck: job } });
    let answer: CheckAnswer | undefined;
    let failure: Error | undefined;
    const killer = setTimeout(() => {
      failure = new Error("stopped");
      void worker.terminate();
    }, job.timeoutMs + GRACE_MS);
    worker.on("message", (message: CheckAnswer) => {
      answer = message;
    });
    worker.on("error", (error) => {
      failure ??= error;
    });
    worker.on("exit", () => {
      clearTimeout(killer);
      if (answer !== undefined) {
        try {
          resolve(fromAnswer(answer));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
      if (failure?.message === "stopped") {
        resolve({
          verdict: "UNKNOWN",
          explanation: `Unknown: the check did not finish within its time budget of ${job.timeoutMs} ms and was stopped.`,
          operations: countOperations(job.history),
          prefix: null,
          failedOp: null,
          elapsedMs: Date.now() - started,
        });
        return;
      }
      reject(failure ?? new Error("the linearizability worker stopped without an answer"));
    });
  });
}

function countOperations(history: unknown): number {
  if (typeof history !== "object" || history === null) return 0;
  const operations = (history as { operations?: unknown }).operations;
  return Array.isArray(operations) ? operations.length : 0;
}
