import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import pg from "pg";
import PgBoss from "pg-boss";
import { toEventRow } from "../../src/store";
import { openPgStore, PG_LATEST_VERSION, PgStore } from "../../src/store/pg";
import { freshPgSchema, pgReachable, pgSkipReason, type FreshPgSchema } from "../support/pg";
import { addScenario, completion, newRun, syntheticRows } from "./contract/backends";

/**
 * What only PostgreSQL has: its schema (a non-public one), the rules the database itself
 * keeps beyond the contract, pool sizes, and the test schemas other helpers use.
 */
interface Fresh extends FreshPgSchema {
  /** Runs `cleanup` when the test ends, before the schema is dropped (last registered, first run). */
  later(cleanup: () => Promise<unknown>): void;
}

async function schemaFor(t: TestContext): Promise<Fresh | undefined> {
  if (!(await pgReachable())) {
    t.skip(pgSkipReason());
    return undefined;
  }
  const fresh = await freshPgSchema();
  const cleanups: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await fresh.drop();
  });
  return { ...fresh, later: (cleanup) => cleanups.push(cleanup) };
}

async function rawClient(fresh: Fresh): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: fresh.url });
  await client.connect();
  fresh.later(() => client.end());
  return client;
}

test("postgres: the tables live in the URL's schema only, recorded at the latest version", async (t) => {
  const fresh = await schemaFor(t);
  if (fresh === undefined) return;
  const { store } = await openPgStore(fresh.url, "owner");
  fresh.later(() => store.close());
  const client = await rawClient(fresh);
  const tables = await client.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_name IN ('runs', 'events', 'schema_migrations') AND table_schema = $1 ORDER BY table_name`,
    [fresh.schema],
  );
  assert.deepEqual(
    tables.rows.map((row) => row.table_name),
    ["events", "runs", "schema_migrations"],
  );
  const versions = await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
  assert.deepEqual(
    versions.rows.map((row) => row.version),
    Array.from({ length: PG_LATEST_VERSION }, (_, i) => i + 1),
  );
});

test("postgres: the database refuses a changed submission, a bad event kind and invalid JSON", async (t) => {
  const fresh = await schemaFor(t);
  if (fresh === undefined) return;
  const { store } = await openPgStore(fresh.url, "owner");
  fresh.later(() => store.close());
  await addScenario(store);
  const student = await store.grading.createStudent("S");
  const assignment = await store.grading.createAssignment("A", "{}");
  const submission = await store.grading.insertSubmission(
    {
      assignmentId: assignment.id,
      studentId: student.id,
      seeds: "[]",
      answers: "{}",
      score: 1,
      maxScore: 1,
      feedback: "[]",
    },
    null,
  );
  assert.notEqual(submission, "attempts-used");
  const client = await rawClient(fresh);
  await assert.rejects(client.query("UPDATE submissions SET score = 100"));
  assert.deepEqual(
    (await store.grading.submissions(assignment.id)).map((s) => s.score),
    [1],
  );
  await store.runs.insert(newRun("r"));
  const [row] = syntheticRows(1);
  assert.ok(row !== undefined);
  const bogus = [0, 0, "a", "BOGUS", "s", 0, "{}", null] as unknown as typeof row;
  await assert.rejects(store.appendEvents("r", 0, [bogus]));
  assert.equal(await store.events.count("r"), 0);
  await assert.rejects(store.runs.setSchedule("r", "{not json"));
  await assert.rejects(store.runs.setSchedule("r", '{"an":"object"}'), "a schedule is a list");
  await assert.rejects(store.completeRun("r", 0, [row], [], completion(1, { finalNodes: "[oops" })));
  assert.equal((await store.runs.get("r"))?.status, "RUNNING");
  assert.deepEqual((await store.events.range("r", 0, 10)).map(toEventRow), []);
});

test("postgres: a writer's pool holds 2 connections, others 10, unless told", async (t) => {
  const fresh = await schemaFor(t);
  if (fresh === undefined) return;
  const opened = [
    await openPgStore(fresh.url, "owner"),
    await openPgStore(fresh.url, "writer"),
    await openPgStore(fresh.url, "beside", { max: 3 }),
  ];
  fresh.later(() => Promise.all(opened.map((result) => result.store.close())));
  const sizes = opened.map((result) => (result.store as PgStore).db.pool.options.max);
  assert.deepEqual(sizes, [10, 2, 3]);
  await assert.rejects(openPgStore(fresh.url, "owner", { max: 0 }));
});

test("postgres: freshPgSchema's URL serves pg.Pool and pg-boss alike", async (t) => {
  const fresh = await schemaFor(t);
  if (fresh === undefined) return;
  const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
  fresh.later(() => pool.end());
  assert.equal((await pool.query<{ search_path: string }>("SHOW search_path")).rows[0]?.search_path, fresh.schema);
  // pg-boss keeps its tables in the schema it is given: the test's own, so it is dropped with it.
  const boss = new PgBoss({ connectionString: fresh.url, schema: fresh.schema });
  boss.on("error", () => {});
  await boss.start();
  fresh.later(() => boss.stop({ graceful: false, wait: true, timeout: 2_000 }));
  await boss.createQueue("contract-probe");
  const id = await boss.send("contract-probe", { n: 1 });
  const jobs = await boss.fetch<{ n: number }>("contract-probe");
  assert.deepEqual(
    jobs.map((job) => [job.id, job.data]),
    [[id, { n: 1 }]],
  );
});

test("postgres: opening as owner leaves RUNNING runs to the queue's workers", async (t) => {
  const fresh = await schemaFor(t);
  if (fresh === undefined) return;
  const first = await openPgStore(fresh.url, "owner");
  fresh.later(() => first.store.close());
  await addScenario(first.store);
  await first.store.runs.insert(newRun("in-flight"));
  await first.store.appendEvents("in-flight", 0, syntheticRows(3));
  const again = await openPgStore(fresh.url, "owner");
  fresh.later(() => again.store.close());
  assert.deepEqual([again.interruptedRuns, again.reclaimedEvents], [0, 0]);
  const run = await again.store.runs.get("in-flight");
  assert.deepEqual([run?.status, run?.eventCount], ["RUNNING", 3]);
  assert.equal(await again.store.appendEvents("in-flight", 3, syntheticRows(2, 3)), 5);
});
