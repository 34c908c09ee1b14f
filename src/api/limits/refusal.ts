import { GraphQLError } from "graphql";
import { LIMIT_SPECS, type Limits } from "./config";

/** extensions.code of a refusal by a limit on the operation or the client. */
export const LIMIT_CODE = "LIMIT_EXCEEDED";
/** extensions.code of a refusal by the per-client rate limit (HTTP 429). */
export const RATE_LIMITED_CODE = "RATE_LIMITED";

/** What a limit refusal carries in extensions: the code, the limit's value and its variable. */
export interface RefusalExtensions {
  readonly code: string;
  readonly limit: number;
  readonly limitName: string;
  readonly retryAfterMs?: number;
  readonly [key: string]: unknown;
}

/**
 * A refusal by a limit: extensions.code, extensions.limit (the number) and
 * extensions.limitName (the environment variable that sets it), and the HTTP status
 * Apollo answers with (400, or 429 for the rate limit).
 */
export function limitRefusal(
  name: keyof Limits,
  limit: number,
  message: string,
  extra: { readonly code?: string; readonly retryAfterMs?: number; readonly status?: number } = {},
): GraphQLError {
  const variable = LIMIT_SPECS[name].variable;
  return new GraphQLError(`${message} (limit ${variable}=${limit})`, {
    extensions: {
      code: extra.code ?? LIMIT_CODE,
      limit,
      limitName: variable,
      ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
      http: { status: extra.status ?? 400 },
    },
  });
}

/**
 * The refusal's own extensions if this error (or one it wraps) is a refusal: the
 * innermost wins, since Apollo wraps a validation error and re-codes it.
 */
export function refusalExtensions(error: unknown): RefusalExtensions | undefined {
  let found: RefusalExtensions | undefined;
  for (let current: unknown = error, depth = 0; current instanceof GraphQLError && depth < 4; depth++) {
    const { code, limit, limitName } = current.extensions;
    if (typeof code === "string" && typeof limit === "number" && typeof limitName === "string") {
      const { http: _http, ...extensions } = current.extensions;
      found = extensions as RefusalExtensions;
    }
    current = current.originalError;
  }
  return found;
}
