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
 * One connection to Redis and the way to end it. ioredis ends a client cleanly only from a
 * live connection or through its retry strategy: a disconnect() while it waits to reconnect
 * stops the timer but never emits "end" nor fails the queued commands, so an announce queued
 * during an outage would hang for ever. Here the retry strategy itself knows when the link is
 * being ended, and says "no more attempts".
 */
export class RedisLink {
  private ending = false;
  private connected = false;
  readonly client: Redis;

  constructor(url: string, name: string, connectTimeoutMs: number) {
    this.client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: connectTimeoutMs,
      connectionName: name,
      // The bus re-subscribes itself after a reconnect, then tells listeners to re-read the
      // store; ioredis's own resubscribe would run after "ready", with no way to know when.
      autoResubscribe: false,
      // A command waiting through an outage fails after a few attempts rather than hanging a
      // caller for a minute: a lost note is repaired by the store, a lost control times out.
      maxRetriesPerRequest: 3,
      retryStrategy: (attempt) =>
        this.connected && !this.ending ? Math.min(50 * 2 ** attempt, RECONNECT_DELAY_MS_MAX) : null,
    });
  }

  /**
   * Connects, failing within `connectTimeoutMs` with an error naming the URL (without its
   * password) and the cause; no retry at start-up.
   */
  async connect(url: string, connectTimeoutMs: number, report: BusErrorReporter): Promise<void> {
    let lastError: unknown = undefined;
    const noteError = (error: unknown) => {
      lastError = error;
    };
    this.client.on("error", noteError);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    });
    try {
      await Promise.race([this.client.connect(), deadline]);
    } catch (error) {
      this.ending = true;
      this.client.disconnect(); // at start-up there is no reconnect timer, so this ends it
      const cause = lastError ?? error;
      throw new Error(`the run bus could not reach Redis at ${redactRedisUrl(url)} (REDIS_URL): ${describe(cause)}`, {
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
    this.connected = true;
    this.client.off("error", noteError);
    this.client.on("error", (error: unknown) =>
      report(error, `Redis connection ${this.client.options.connectionName}`),
    );
  }

  /**
   * Ends the connection for good and resolves once it has: QUIT when the link is up; when it
   * is waiting to reconnect, at its next attempt (within RECONNECT_DELAY_MS_MAX).
   * Commands still queued fail with ioredis's "Connection is closed.".
   */
  async end(): Promise<void> {
    this.ending = true;
    const client = this.client;
    if (client.status === "end") return;
    const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
    if (client.status === "ready") {
      // A failed QUIT means the link dropped under it: the retry strategy then ends it.
      await client.quit().catch(() => undefined);
    } else if (client.status === "reconnecting") {
      // Waiting to reconnect: the next attempt asks the retry strategy, which now says stop; an
      // attempt that succeeds instead is closed as soon as it is ready.
      client.once("ready", () => client.disconnect());
    } else {
      client.disconnect(); // a socket exists (or none yet): its close ends the client
    }
    await ended;
  }
}

/** Opens a RedisLink (see RedisLink.connect for the errors). */
export async function connectRedis(
  url: string,
  name: string,
  connectTimeoutMs: number,
  report: BusErrorReporter,
): Promise<RedisLink> {
  checkRedisUrl(url);
  const link = new RedisLink(url, name, connectTimeoutMs);
  await link.connect(url, connectTimeoutMs, report);
  return link;
}
