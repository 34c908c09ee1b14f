import { performance } from "node:perf_hooks";
import { checkLinearizability, HistoryError, type LinearizabilityReport } from "../../checkers/linearizability";

/** One linearizability check with its deadline on this thread's clock; the checker itself never reads a clock. */

export interface CheckJob {
  readonly history: unknown;
  readonly timeoutMs: number;
  readonly positionName?: string;
  readonly clientNames?: readonly string[];
}

export type CheckAnswer =
  | { readonly ok: true; readonly report: LinearizabilityReport; readonly elapsedMs: number }
  | { readonly ok: false; readonly message: string; readonly path: string | null; readonly operation: number | null };

/** Runs a job here (the worker calls it; so can a caller that does not need a thread). */
export function runCheckJob(job: CheckJob): CheckAnswer {
  const started = performance.now();
  const deadline = started + job.timeoutMs;
  const names = job.clientNames;
  try {
    const report = checkLinearizability(job.history, {
      expired: () => performance.now() > deadline,
      positionName: job.positionName,
      clientName: names === undefined ? undefined : (client) => names[client] ?? `client ${client}`,
    });
    return { ok: true, report, elapsedMs: performance.now() - started };
  } catch (error) {
    if (error instanceof HistoryError) {
      return { ok: false, message: error.message, path: error.path, operation: error.operation };
    }
    throw error;
  }
}
