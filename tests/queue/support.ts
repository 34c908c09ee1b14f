import type { TestContext } from "node:test";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "pg";
import type { RunQueueOptions } from "../../src/queue/settings";
import { pgReachable, pgSkipReason, pgUrl } from "../support/pg";

/** The URL to test against (tests/support/pg.ts), or null after marking the test skipped with the reason. */
export async function pgOrSkip(t: TestContext): Promise<string | null> {
  if (await pgReachable()) return pgUrl();
  t.skip(pgSkipReason());
  return null;
}

/** A schema name no other test (nor a parallel run) uses; dropped by dropSchema. */
export function freshQueueSchema(): string {
  return `fq_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Settings that keep the suite in seconds: polls every 0.5 s (pg-boss's floor), a try
 * expires after 2 s and supervision runs every second, retries follow at once.
 */
export const FAST_QUEUE: RunQueueOptions = {
  pollSeconds: 0.5,
  superviseSeconds: 1,
  expireSeconds: 2,
  retryDelaySeconds: 0,
  closeTimeoutMs: 2000,
};

/** Polls `check` every 25 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
