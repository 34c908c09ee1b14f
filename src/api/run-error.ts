import { createHash } from "node:crypto";
import { CANCELLED_RUN_ERROR } from "../runs";
import { INTERRUPTED_RUN_ERROR } from "../store";

/**
 * The beginnings of the run errors the run engine words for users: why a run was
 * cancelled, interrupted, stopped by a shutdown or by the paced-run ceiling. Any
 * other error of a FAILED run is an internal one (a worker's exception, say) and
 * may reveal internals: clients see an id instead, and the server's log has it.
 */
const PUBLIC_RUN_ERRORS: readonly string[] = [
  CANCELLED_RUN_ERROR,
  INTERRUPTED_RUN_ERROR.split(":")[0] as string,
  "the server shut down before the run",
  "the paced run reached the wall-time ceiling",
  "the run ended without completing",
];

const REPRODUCE = / \(reproduce with seed=\d+\)$/;
/** Ids already logged, so that a run read many times is logged once (bounded: the oldest are forgotten). */
const logged = new Set<string>();
const MAX_LOGGED = 10_000;

/** Run.error as a client may see it: a user-facing reason as it is, an internal one as an id (and the seed). */
export function publicRunError(runId: string, error: string | null): string | null {
  if (error === null || PUBLIC_RUN_ERRORS.some((prefix) => error.startsWith(prefix))) return error;
  // The same id for the same run and error, however often it is read.
  const errorId = createHash("sha256").update(`${runId}\u0000${error}`).digest("hex").slice(0, 12);
  if (!logged.has(errorId)) {
    if (logged.size >= MAX_LOGGED) logged.delete(logged.values().next().value as string);
    logged.add(errorId);
    console.error(`faultline: internal error ${errorId}: run ${runId} failed: ${error}`);
  }
  const reproduce = REPRODUCE.exec(error)?.[0] ?? "";
  return `the run failed on an internal error (id ${errorId}: the server's log has the details)${reproduce}`;
}
