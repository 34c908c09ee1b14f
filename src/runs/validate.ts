import { MAX_SEED } from "../scenarios/loader";
import { EVENT_KINDS, type EventKind } from "../sim/types";
import { FaultlineError } from "./errors";

/**
 * Every argument a client sends is checked here, once, by the run engine; the GraphQL
 * resolvers and the CLI pass arguments through as they came (null included, which
 * GraphQL allows for an optional argument). A refusal is BAD_USER_INPUT and names the
 * argument in its message and in argumentName.
 */

/** The slowest pace: one event every ten seconds. */
export const MAX_PACE_MS = 10_000;
export const DEFAULT_EVENTS_PAGE = 100;
export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_RUNS_PAGE = 20;
export const MAX_RUNS_PAGE = 100;
/** The longest id or node name accepted (ids are UUIDs, scenario ids and node names are short). */
export const MAX_NAME_LENGTH = 200;
/** The most kinds one events() filter may list (there are only so many). */
export const MAX_KINDS = EVENT_KINDS.length;

/** A value a client may leave out: absent, or null in GraphQL. */
export type Maybe<T> = T | null | undefined;

/** The argument rules, by name, so that the API's descriptions and the engine say the same thing. */
export const ARGUMENT_RANGES = {
  seed: { min: 0, max: MAX_SEED },
  pace: { min: 1, max: MAX_PACE_MS },
  eventsFirst: { min: 1, max: MAX_EVENTS_PAGE },
  runsFirst: { min: 1, max: MAX_RUNS_PAGE },
  /** -1 (like leaving it out) means before the first event. */
  after: { min: -1, max: Number.MAX_SAFE_INTEGER },
  seq: { min: 0, max: Number.MAX_SAFE_INTEGER },
} as const;

export function badArgument(name: string, message: string): FaultlineError {
  return new FaultlineError("BAD_USER_INPUT", `Argument "${name}" ${message}`, name);
}

/** An optional integer within [range.min, range.max]; null becomes undefined. */
export function optionalInt(
  name: string,
  value: Maybe<number>,
  range: { min: number; max: number },
): number | undefined {
  return value === null || value === undefined ? undefined : requiredInt(name, value, range);
}

export function requiredInt(name: string, value: number, range: { min: number; max: number }): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    const bounds =
      range.max === Number.MAX_SAFE_INTEGER ? `at least ${range.min}` : `between ${range.min} and ${range.max}`;
    throw badArgument(name, `must be an integer ${bounds}; got ${value}.`);
  }
  return value;
}

/** A required id or name: a non-empty string of bounded length. */
export function requiredName(name: string, value: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw badArgument(name, `must be a string of 1 to ${MAX_NAME_LENGTH} characters.`);
  }
  return value;
}

export function optionalName(name: string, value: Maybe<string>): string | undefined {
  return value === null || value === undefined ? undefined : requiredName(name, value);
}

/** Known event kinds, each once; an empty list filters nothing, like an absent one. */
export function optionalKinds(value: Maybe<readonly EventKind[]>): readonly EventKind[] | undefined {
  if (value === null || value === undefined) return undefined;
  for (const kind of value) {
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
      throw badArgument(
        "kinds",
        `has an unknown event kind "${String(kind)}"; expected some of ${EVENT_KINDS.join(", ")}.`,
      );
    }
  }
  const kinds = [...new Set(value)];
  return kinds.length === 0 ? undefined : kinds;
}

const CURSOR_PREFIX = "run:";

export function encodeRunCursor(number: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${number}`).toString("base64url");
}

/** The run number an opaque runs() cursor stands for. */
export function decodeRunCursor(cursor: Maybe<string>): number | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const text = cursor.length > MAX_NAME_LENGTH ? "" : Buffer.from(cursor, "base64url").toString("utf8");
  const number = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || encodeRunCursor(number) !== cursor) {
    throw badArgument("after", "is not a cursor this server gave out (use pageInfo.endCursor of the previous page).");
  }
  return number;
}
