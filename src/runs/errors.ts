/** The codes a run-engine error carries; the API puts them in extensions.code. */
export type FaultlineErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "RUN_FAILED"
  | "BUSY"
  | "INTERNAL"
  /** A pause, step, resume, re-pace or injection asked of a run that is not a live paced run of this server (or not paused). */
  | "RUN_NOT_LIVE";

/** What a BUSY error adds, for extensions: when to retry, and the queue limit that was reached. */
export interface BusyDetails {
  readonly retryAfterMs: number;
  readonly limit: number;
}

/** An error a user caused or can act on; the API maps `code` (and the argument, or when to retry) into extensions. */
export class FaultlineError extends Error {
  constructor(
    readonly code: FaultlineErrorCode,
    message: string,
    /** For BAD_USER_INPUT: the argument at fault (e.g. "seed"), for extensions.argumentName. */
    readonly argumentName?: string,
    /** For BUSY: when to retry and the limit that was reached. */
    readonly busy?: BusyDetails,
    /** More facts for extensions: a limit's value and name (limit, limitName), a scenario's problems, ... */
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = "FaultlineError";
  }
}

/** An error's message for a run's error text or a log line (anything thrown, not only an Error). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
