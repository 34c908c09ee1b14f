import { performance } from "node:perf_hooks";
import { checkLinearizability, historyFromTrace } from "../checkers/linearizability";
import type { Json } from "../sim/json";
import type { TraceEvent } from "../sim/types";
import type { Answer } from "./query";

/**
 * The answer query `{ linearizability: { field } }`: the run's client operations
 * judged by the linearizability checker (src/checkers/linearizability), as
 * Run.linearizability judges them. field `verdict` (the default) gives LINEARIZABLE,
 * NOT_LINEARIZABLE or UNKNOWN; `failedInvoke` and `failedReturn` give the seq of the
 * CLIENT_INVOKE or CLIENT_RETURN event of the operation that cannot be placed. The
 * justification is that operation's invoke and return seqs (none when linearizable).
 */

export const LINEARIZABILITY_FIELDS = ["verdict", "failedInvoke", "failedReturn"] as const;
export type LinearizabilityField = (typeof LINEARIZABILITY_FIELDS)[number];

/** The checker's wall-time budget for one key; a key the checker cannot decide in it is refused, never UNKNOWN by chance. */
export const LINEARIZABILITY_KEY_BUDGET_MS = 10_000;

/** Thrown (and turned into a QueryError by the caller) when the run cannot answer. */
export class HistoryQueryError extends Error {}

export function linearizabilityAnswer(events: readonly TraceEvent[], field: LinearizabilityField = "verdict"): Answer {
  const extracted = historyFromTrace(events);
  if (extracted === null)
    throw new HistoryQueryError("expected client operations (put, get, cas, append) in the run, found none");
  const started = performance.now();
  const report = checkLinearizability(extracted.history, {
    expired: () => performance.now() - started > LINEARIZABILITY_KEY_BUDGET_MS,
  });
  if (report.verdict === "UNKNOWN") {
    throw new HistoryQueryError(
      `expected the linearizability checker to decide within ${LINEARIZABILITY_KEY_BUDGET_MS} ms, found UNKNOWN`,
    );
  }
  const failed = report.failedOp === null ? undefined : extracted.history.operations[report.failedOp];
  const invoke = failed?.["invokeIndex"];
  const returned = failed?.["returnIndex"];
  const justification = [invoke, returned].filter((seq): seq is number => typeof seq === "number");
  if (field === "verdict") return { value: report.verdict, justification };
  const value: Json | undefined = field === "failedInvoke" ? invoke : returned;
  if (typeof value !== "number") {
    throw new HistoryQueryError(
      `expected an operation that cannot be placed (with a ${field === "failedInvoke" ? "invocation" : "reply"}), found the history ${report.verdict}`,
    );
  }
  return { value, justification };
}
