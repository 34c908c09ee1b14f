import { Redis } from "ioredis";
import type { BusErrorReporter } from "./contract";
import { describe } from "./wire";

/**
 * Opening and ending the RedisBus's connections. At start-up a server that cannot reach Redis
 * should say so within seconds and stop, not retry forever behind a silent offline queue; once
 * connected, a dropped link is retried with a capped backoff for as long as the process runs.
 */

/** The URL with any password (and user) replaced, for messages a log or a person may see. */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(a value that is not a URL)";
  }
  if (parsed.password !== "") parsed.password = "***";
  return parsed.toString();
}

/** Throws unless `url` is a redis:// or rediss:// URL; the message never repeats a password. */
export function checkRedisUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error("REDIS_URL is not a URL: expected redis://[user:password@]host[:port][/db]");
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new Error(`REDIS_URL must start with redis:// or rediss://, got ${protocol}//`);
  }
}

/** The longest wait between two reconnection attempts once the bus has been connected. */
const RECONNECT_DELAY_MS_MAX = 2_000;

/**
 * Connects one client, failing within `connectTimeoutMs` with an error naming the URL (without
 * its password) and the cause. `name` becomes the CLIENT SETNAME, so `CLIENT LIST` shows which
 * bus and role a connection belongs to.
 */
export async function connectRedis(
  url: string,
  name: string,
  connectTimeoutMs: number,
  report: BusErrorReporter,
): Promise<Redis> {
  checkRedisUrl(url);
  let connected = false;
  let lastError: unknown = undefined;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    connectionName: name,
    // The bus re-subscribes itself after a reconnect, then tells listeners to re-read the
    // store; ioredis's own resubscribe would run after "ready", with no way to know when.
    autoResubscribe: false,
    // A command waiting through an outage fails after a few attempts rather than hanging a
    // caller for a minute: a lost note is repaired by the store, a lost control times out.
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => (connected ? Math.min(50 * 2 ** attempt, RECONNECT_DELAY_MS_MAX) : null),
  });
  const noteError = (error: unknown) => {
    lastError = error;
  };
  client.on("error", noteError);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (error) {
    client.disconnect();
    const cause = describe(lastError ?? error);
    throw new Error(`the run bus could not reach Redis at ${redactRedisUrl(url)} (REDIS_URL): ${cause}`, {
      cause: lastError ?? error,
    });
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  client.off("error", noteError);
  client.on("error", (error: unknown) => report(error, `Redis connection ${name}`));
  return client;
}

/** Ends a client politely (QUIT) and resolves once its socket is closed for good. */
export async function endRedis(client: Redis): Promise<void> {
  if (client.status === "end") return;
  const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
  try {
    await client.quit();
  } catch {
    client.disconnect(); // the link was down: nothing to say goodbye to
  }
  await ended;
}
