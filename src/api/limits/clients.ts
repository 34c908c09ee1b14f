import { createHash } from "node:crypto";
import type { GraphQLError } from "graphql";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Limits } from "./config";
import { limitRefusal, RATE_LIMITED_CODE } from "./refusal";

/**
 * Who a request comes from, for the per-client limits: its bearer token if it sends
 * one (a student or instructor, wherever they connect from), else its network address.
 * The token is hashed so that no secret sits in the limiters' tables.
 */
export function clientKey(authorization: unknown, address: string | undefined): string {
  if (typeof authorization === "string" && authorization.trim() !== "") {
    return `token:${createHash("sha256").update(authorization.trim()).digest("hex").slice(0, 32)}`;
  }
  return `address:${address ?? "unknown"}`;
}

/** The per-client rate limit (rate-limiter-flexible, in memory): FAULTLINE_RATE_LIMIT operations per window. */
export class ClientRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly limits: Limits) {
    this.limiter = new RateLimiterMemory({ points: limits.rateLimit, duration: limits.rateWindowSeconds });
  }

  /** Counts one operation of the client; a refusal (HTTP 429, retryAfterMs) once it has used up its window. */
  async take(client: string): Promise<GraphQLError | undefined> {
    try {
      await this.limiter.consume(client, 1);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterMs = Math.max(1, Math.ceil(rejection.msBeforeNext));
      return limitRefusal(
        "rateLimit",
        this.limits.rateLimit,
        `Too many requests: at most ${this.limits.rateLimit} per ${this.limits.rateWindowSeconds} s per client; ` +
          `retry in ${retryAfterMs} ms`,
        { code: RATE_LIMITED_CODE, retryAfterMs, status: 429 },
      );
    }
  }
}
