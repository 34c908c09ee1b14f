import type { Limits } from "../src/api/limits";

/**
 * The per-client limits lifted for the benchmarks' own servers: a bench is one client
 * sending hundreds of requests and dozens of runs at once on purpose, and its rows
 * measure speed, not the limits (tests/api/limits.test.ts and client-limits.test.ts do).
 */
export const BENCH_LIMITS: Partial<Limits> = {
  maxCost: 1_000_000_000,
  rateLimit: 1_000_000_000,
  runsPerClient: 100_000,
  subscriptionsPerClient: 100_000,
};
