import type { ErrorRequestHandler, RequestHandler } from "express";
import type { GraphQLError } from "graphql";
import { clientKey } from "./clients";
import type { ApiGuard } from "./index";
import { limitRefusal } from "./refusal";

/** A refusal as a GraphQL response body, with its HTTP status (and Retry-After for the rate limit). */
function sendRefusal(response: Parameters<RequestHandler>[1], refusal: GraphQLError): void {
  const { http, ...extensions } = refusal.extensions as { http?: { status?: number } } & Record<string, unknown>;
  const retryAfterMs = extensions["retryAfterMs"];
  if (typeof retryAfterMs === "number") response.setHeader("retry-after", String(Math.ceil(retryAfterMs / 1000)));
  response.status(http?.status ?? 400).json({ errors: [{ message: refusal.message, extensions }] });
}

/** The per-client rate limit on HTTP operations, before the body is even read. */
export function rateLimitMiddleware(guard: ApiGuard): RequestHandler {
  return async (request, response, next) => {
    const refusal = await guard.rate.take(clientKey(request.headers.authorization, request.socket.remoteAddress));
    if (refusal === undefined) next();
    else sendRefusal(response, refusal);
  };
}

/**
 * The body's own faults, answered as GraphQL errors: a body over
 * FAULTLINE_MAX_BODY_BYTES (body-parser's 413) is a refusal naming the limit, and a
 * body that is not JSON a BAD_REQUEST saying so, where body-parser would answer in
 * plain text.
 */
export function bodyErrorHandler(guard: ApiGuard): ErrorRequestHandler {
  return (error: unknown, _request, response, next) => {
    const type = typeof error === "object" && error !== null && "type" in error ? error.type : undefined;
    if (response.headersSent || (type !== "entity.too.large" && type !== "entity.parse.failed")) {
      next(error);
      return;
    }
    if (type === "entity.parse.failed") {
      const why = error instanceof Error ? `: ${error.message}` : "";
      response.status(400).json({
        errors: [{ message: `The request body is not valid JSON${why}`, extensions: { code: "BAD_REQUEST" } }],
      });
      return;
    }
    const limit = guard.limits.maxBodyBytes;
    const refusal = limitRefusal("maxBodyBytes", limit, `The request body is larger than ${limit} bytes`, {
      status: 413,
    });
    sendRefusal(response, refusal);
  };
}
