import { createHash } from "node:crypto";
import type { GraphQLError } from "graphql";
import Redis from "ioredis";
import { redactRedisUrl } from "../../bus";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
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

/** Where the rate limiter keeps its counts in Redis (one count per client for every API instance), per deployment. */
export const RATE_KEY_PREFIX = "faultline:rate";

/**
 * The per-client rate limit (rate-limiter-flexible): FAULTLINE_RATE_LIMIT operations per
 * window. In memory for one process; in Redis when one is given (REDIS_URL), so that a
 * client's operations count once across every API instance of a course, with a memory
 * limiter standing in while Redis cannot be reached (the limit is then per instance).
 */
export class ClientRateLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    private readonly limits: Limits,
    redis?: Redis,
    /** The deployment the counts belong to (courses sharing one Redis count apart). */
    deployment = "default",
  ) {
    const options = { points: limits.rateLimit, duration: limits.rateWindowSeconds };
    this.limiter =
      redis === undefined
        ? new RateLimiterMemory(options)
        : new RateLimiterRedis({
            ...options,
            storeClient: redis,
            keyPrefix: `${RATE_KEY_PREFIX}:${deployment}`,
            insuranceLimiter: new RateLimiterMemory(options),
          });
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

/**
 * The rate limiter's Redis connection when REDIS_URL is set (undefined otherwise): its
 * commands fail at once while Redis is down (the memory limiter stands in) instead of
 * queueing behind a request.
 */
export async function openRateStore(redisUrl: string | undefined): Promise<Redis | undefined> {
  const url = redisUrl?.trim() ?? "";
  if (url === "") return undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  });
  redis.on("error", () => {
    // Reconnecting is ioredis's job; meanwhile the memory limiter counts.
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`faultline: the rate limiter could not reach Redis at ${redactRedisUrl(url)} (REDIS_URL): ${why}`);
  }
  return redis;
}
