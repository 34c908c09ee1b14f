import type { RunBus } from "./contract";
import { LocalBus } from "./local";
import { RedisBus, type RedisBusOptions } from "./redis";

export * from "./contract";
export { LocalBus } from "./local";
export { RedisBus, REDIS_BUS_PREFIX_DEFAULT, type RedisBusOptions } from "./redis";
export { redactRedisUrl } from "./redis-connect";

/**
 * The run bus this process should use: RedisBus when a Redis URL is given (by default the
 * REDIS_URL environment variable), so several API instances and workers share runs; else
 * LocalBus, faultline's single-process default. An unreachable Redis fails start-up within the
 * connect timeout with an error naming the URL (never its password), rather than retrying.
 */
export async function openRunBus(
  redisUrl: string | undefined = process.env.REDIS_URL,
  options: RedisBusOptions = {},
): Promise<RunBus> {
  if (redisUrl === undefined || redisUrl.trim() === "") return new LocalBus(options.report);
  return RedisBus.connect(redisUrl.trim(), options);
}
