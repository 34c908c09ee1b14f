import { randomUUID } from "node:crypto";
import type { TestContext } from "node:test";
import { Redis } from "ioredis";
import { RedisBus, redactRedisUrl, type RedisBusOptions } from "../../src/bus";
import type { Buses } from "./suite";

/**
 * The Redis the bus tests use: REDIS_URL, else this project's machines' own at 127.0.0.1:6379.
 * When it cannot be reached the tests skip and say so, rather than fail.
 */
export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Why Redis tests cannot run here, or undefined when they can; checked once per file. */
const unreachable: Promise<string | undefined> = (async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, retryStrategy: () => null });
  let cause: unknown = undefined;
  probe.on("error", (error: unknown) => (cause = error)); // connect() only says "Connection is closed."
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    const reason =
      `Redis not reachable at ${redactRedisUrl(redisUrl)} ` +
      `(${String(cause ?? error)}); set REDIS_URL to point at one`;
    console.log(`# redis bus tests skipped: ${reason}`);
    return reason;
  } finally {
    probe.disconnect();
  }
})();

/** A prefix no other test (nor a real server on the same Redis) uses. */
export function testPrefix(): string {
  return `faultline-test-${randomUUID().slice(0, 8)}:`;
}

/** A plain connection for looking at the server (PUBSUB NUMSUB, CLIENT LIST), or skips. */
export async function adminOrSkip(t: TestContext): Promise<Redis | undefined> {
  const reason = await unreachable;
  if (reason !== undefined) {
    t.skip(reason);
    return undefined;
  }
  const admin = new Redis(redisUrl, { lazyConnect: true });
  await admin.connect();
  t.after(() => admin.quit());
  return admin;
}

/** How many clients are subscribed to `channel`, as the server sees it. */
export async function subscribers(admin: Redis, channel: string): Promise<number> {
  const reply = (await admin.call("pubsub", "numsub", channel)) as [string, number];
  return Number(reply[1]);
}

/** Three RedisBus instances sharing one random prefix: two API instances and a worker. */
export async function openRedisBuses(options: RedisBusOptions = {}): Promise<Buses | { skip: string }> {
  const reason = await unreachable;
  if (reason !== undefined) return { skip: reason };
  const errors: unknown[] = [];
  const shared = { prefix: testPrefix(), report: (error: unknown) => errors.push(error), ...options };
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => RedisBus.connect(redisUrl, shared)));
  if (a === undefined || b === undefined || c === undefined) throw new Error("three buses were asked for");
  return { a, b, c, errors, close: async () => void (await Promise.all([a.close(), b.close(), c.close()])) };
}
