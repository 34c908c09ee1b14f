import { randomBytes } from "node:crypto";
import pg from "pg";
import { redactUrl } from "../../src/store/pg";

/**
 * PostgreSQL for tests: the server DATABASE_URL names, or the local one every machine of
 * this project runs. Tests that need it call pgReachable() and skip, naming the URL and
 * how to point at another server, when it answers no.
 */
export function pgUrl(): string {
  return process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
}

/** The skip message for a test that needs PostgreSQL. */
export function pgSkipReason(): string {
  return `PostgreSQL at ${redactUrl(pgUrl())} could not be reached: set DATABASE_URL to a server to run these tests`;
}

let reachable: Promise<boolean> | undefined;

/** Whether the server answers (asked once per process, within 3 s). */
export function pgReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: pgUrl(), connectionTimeoutMillis: 3_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

export interface FreshPgSchema {
  /** The schema's name (faultline_test_<random hex>). */
  readonly schema: string;
  /**
   * pgUrl() with `options=-c search_path=<schema>`: every connection made from it (pg.Pool,
   * pg.Client, pg-boss) creates and finds unqualified tables in that schema only.
   */
  readonly url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/**
 * A new, empty schema with a random name, so each test works on its own tables in the
 * shared database and tests can run at once. drop() removes it; call it in t.after.
 */
export async function freshPgSchema(): Promise<FreshPgSchema> {
  const schema = `faultline_test_${randomBytes(6).toString("hex")}`;
  await admin(`CREATE SCHEMA ${schema}`);
  return {
    schema,
    url: withSearchPath(pgUrl(), schema),
    drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

/** The URL with its connections' search_path set to `schema` (the startup parameter `options`). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("options", `-c search_path=${schema}`);
  return parsed.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl(), connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
