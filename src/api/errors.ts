import { randomBytes } from "node:crypto";
import { GradingError } from "../grading";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { MiddlewareFn } from "type-graphql";
import { FaultlineError } from "../runs";
import type { ApiContext } from "./context";
import { LIMIT_CODE, RATE_LIMITED_CODE, refusalExtensions } from "./limits/refusal";
import { tokenRefusal } from "./limits/query-shape";

/** The extensions.code of an error we did not expect; its message is not shown to clients. */
export const INTERNAL_CODE = "INTERNAL_SERVER_ERROR";

/** A GraphQL error with a code clients can act on (extensions.code). */
export function userError(code: FaultlineError["code"], message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * Turns a run-engine FaultlineError into a GraphQL error carrying its code, and the
 * argument at fault (extensions.argumentName) or, for BUSY, when to retry
 * (extensions.retryAfterMs) and the queue limit (extensions.limit); anything else passes through.
 */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof GradingError) {
    return new GraphQLError(error.message, {
      extensions: {
        code: error.code,
        ...(error.limit === undefined ? {} : { limit: error.limit }),
        ...(error.limitName === undefined ? {} : { limitName: error.limitName }),
      },
    });
  }
  if (!(error instanceof FaultlineError)) return error;
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      ...(error.argumentName === undefined ? {} : { argumentName: error.argumentName }),
      ...(error.busy === undefined ? {} : { retryAfterMs: error.busy.retryAfterMs, limit: error.busy.limit }),
      ...error.extra,
    },
  });
}

/** Global type-graphql middleware: every resolver's FaultlineError reaches the client with its code. */
export const mapServiceErrors: MiddlewareFn<ApiContext> = async (_data, next) => {
  try {
    return await next();
  } catch (error) {
    throw toGraphQLError(error);
  }
};

const knownCodes = new Set([
  "BAD_USER_INPUT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "RUN_FAILED",
  "RUN_NOT_LIVE",
  "BUSY",
  "INTERNAL",
  LIMIT_CODE,
  RATE_LIMITED_CODE,
  // Apollo's and graphql-js's own request errors.
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/**
 * formatError for graphql-ws, which (unlike Apollo) does not give request errors a
 * code: an error graphql-js raised itself, with no error behind it, is a bad request
 * (parse and validation errors before execution, bad variables during it).
 */
export function formatWebSocketError(error: GraphQLError, requestErrorCode: string): GraphQLFormattedError {
  const formatted = error.toJSON();
  if (error.originalError === undefined && formatted.extensions?.code === undefined) {
    return formatError({ ...formatted, extensions: { ...formatted.extensions, code: requestErrorCode } }, error);
  }
  return formatError(formatted, error);
}

/**
 * The one error format of the API (HTTP and WebSocket): message, locations, path and
 * extensions.code, never a stack trace. A refusal by a limit keeps its own code,
 * limit and limitName (Apollo re-codes validation and parse errors; they are put
 * back). An error we did not expect keeps its code INTERNAL_SERVER_ERROR and loses
 * its message, which may reveal internals: it is logged on the server with an id,
 * and the client sees only that id (extensions.errorId), to quote when reporting it.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const refusal = refusalExtensions(error) ?? refusalExtensions(tokenRefusal(formatted.message));
  if (refusal !== undefined) {
    const message = refusalMessage(error) ?? tokenRefusal(formatted.message)?.message ?? formatted.message;
    return { ...located(formatted), message, extensions: refusal };
  }
  const code = typeof formatted.extensions?.code === "string" ? formatted.extensions.code : undefined;
  if (code !== undefined && knownCodes.has(code)) {
    const { stacktrace: _stacktrace, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = error instanceof GraphQLError && error.originalError !== undefined ? error.originalError : error;
  const errorId = logInternalError("an unexpected error in a GraphQL operation", original);
  return {
    message: `Internal server error (id ${errorId}): the server's log has the details under this id`,
    ...located(formatted),
    extensions: { code: INTERNAL_CODE, errorId },
  };
}

/** Logs an error we did not expect under a new id, and returns the id: all a client is told. */
export function logInternalError(what: string, error: unknown): string {
  const errorId = randomBytes(6).toString("hex");
  console.error(`faultline: internal error ${errorId}: ${what}:`, error);
  return errorId;
}

function located(formatted: GraphQLFormattedError): Pick<GraphQLFormattedError, "locations" | "path"> {
  return {
    ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
    ...(formatted.path === undefined ? {} : { path: formatted.path }),
  };
}

/** The refusal's own message (Apollo keeps it, but a wrapper may not). */
function refusalMessage(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof GraphQLError && depth < 4; depth++) {
    if (typeof current.extensions["limitName"] === "string") return current.message;
    current = current.originalError;
  }
  return undefined;
}
