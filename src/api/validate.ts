import { badArgument } from "./errors";

/**
 * Checks an optional integer argument against its bounds and returns it with null
 * turned into undefined (GraphQL lets a client pass null for an optional argument).
 */
export function intInRange(
  argumentName: string,
  value: number | null | undefined,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw badArgument(argumentName, `must be ${range}; got ${value}.`);
  }
  return value;
}

/** An optional string argument with null turned into undefined. */
export function optional<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** The most events one page can hold. */
export const MAX_EVENTS_PAGE = 1000;
/** The most runs one page can hold. */
export const MAX_RUNS_PAGE = 100;
/** The slowest pace a run can be given: one event every ten seconds. */
export const MAX_PACE_MS = 10_000;
