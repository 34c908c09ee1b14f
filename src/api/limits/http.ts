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

/** A body over FAULTLINE_MAX_BODY_BYTES (body-parser's 413): a refusal naming the limit, not a plain-text 413. */
export function bodyTooLargeHandler(guard: ApiGuard): ErrorRequestHandler {
  return (error: unknown, _request, response, next) => {
    const type = typeof error === "object" && error !== null && "type" in error ? error.type : undefined;
    if (type !== "entity.too.large" || response.headersSent) {
      next(error);
      return;
    }
    const limit = guard.limits.maxBodyBytes;
    const refusal = limitRefusal("maxBodyBytes", limit, `The request body is larger than ${limit} bytes`, {
      status: 413,
    });
    sendRefusal(response, refusal);
  };
}
