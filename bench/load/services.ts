import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { Client } from "pg";
import { redactRedisUrl } from "../../src/bus";
import { redactUrl } from "../../src/store/pg";

/**
 * The PostgreSQL and Redis servers the load driver's postgres mode stands on. The mode
 * gets a database of its own (created here, dropped at the end) so that it never reads
 * or leaves rows in anyone else's; Redis is shared (it holds only live fan-out traffic).
 */

export const DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const CONNECT_TIMEOUT_MS = 3_000;

/** Why the postgres mode cannot run (a server is unreachable), or null when both answer. */
export async function unreachable(postgresUrl: string, redisUrl: string): Promise<string | null> {
  const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    return `PostgreSQL at ${redactUrl(postgresUrl)} could not be reached (${messageOf(error)}); set DATABASE_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis at ${redactRedisUrl(redisUrl)} could not be reached (${messageOf(error)}); set REDIS_URL`;
  } finally {
    redis.disconnect();
  }
  return null;
}

export interface LoadDatabase {
  /** The new database's connection URL (DATABASE_URL for the API and worker processes). */
  readonly url: string;
  /** Drops the database, closing any connection a process left open. */
  drop(): Promise<void>;
}

/** CREATE DATABASE faultline_load_<random> on the server `adminUrl` names. */
export async function createLoadDatabase(adminUrl: string): Promise<LoadDatabase> {
  const name = `faultline_load_${randomBytes(6).toString("hex")}`;
  await onServer(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await onServer(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function onServer(adminUrl: string, fn: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** An error's message, with its cause's (fetch says only "fetch failed" and keeps the reason there). */
export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message} (${messageOf(error.cause)})`;
}
