import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { projectRoot } from "../../src/api/paths";
import { collect, post, query, wsClient } from "../api/client";
import { clusterUnavailable, freshDatabase, REDIS_URL, startInstance, stopInstance, type Instance } from "./cluster";

// Issue 13, beyond one machine: two API instances (FAULTLINE_ROLE=api) and worker
// processes (FAULTLINE_ROLE=worker) share one PostgreSQL store, its pg-boss queue and
// Redis. A run started on one instance is executed by a worker, followed live from the
// other instance (every event, in order, none lost), steered from either, and gives the
// same trace as the embedded default. A worker killed with SIGKILL mid-run loses nothing:
// the queue hands the run to another worker, which writes the same trace again.

const SCENARIO = "raft-leader-election";
const SEED = 3;
/** `npm run cli -- run raft-leader-election` (seed 3): what any store must give. */
const TRACE_HASH = "2a8cdef12bc72a162f7dc5ddc2519960d11a0332f4184728960db4a81edcfc57";
const EVENTS = 365;

const LIFTED_LIMITS = {
  FAULTLINE_RUNS_PER_CLIENT: "1000",
  FAULTLINE_SUBSCRIPTIONS_PER_CLIENT: "1000",
  FAULTLINE_RATE_LIMIT: "1000000",
};

interface RunView {
  readonly id: string;
  readonly status: string;
  readonly eventCount: number;
  readonly traceHash: string | null;
  readonly paused: boolean;
  readonly error: string | null;
}
const RUN_FIELDS = "id status eventCount traceHash paused error";

async function cluster(
  t: { after(fn: () => Promise<void>): void },
  workers: number,
  env: Record<string, string> = {},
): Promise<{ a: Instance; b: Instance; workers: Instance[]; env: Record<string, string> }> {
  const db = await freshDatabase();
  const shared = {
    DATABASE_URL: db.url,
    REDIS_URL,
    SCENARIOS_DIR: join(projectRoot, "scenarios"),
    ...LIFTED_LIMITS,
    ...env,
  };
  const started: Instance[] = [];
  t.after(async () => {
    await Promise.all(started.map((instance) => stopInstance(instance, "SIGKILL")));
    await db.drop();
  });
  // One instance migrates first; the rest start together on the migrated store.
  const a = await startInstance("api", shared);
  started.push(a);
  const rest = await Promise.all([
    startInstance("api", shared),
    ...Array.from({ length: workers }, () => startInstance("worker", shared)),
  ]);
  started.push(...rest);
  const [b, ...pool] = rest as [Instance, ...Instance[]];
  return { a, b, workers: pool, env: shared };
}

async function run(url: string, id: string): Promise<RunView> {
  const data = await query<{ run: RunView }>(url, `query($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`, { id });
  return data.run;
}

async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

function startRun(url: string, pace: number | null): Promise<RunView> {
  return query<{ startRun: RunView }>(
    url,
    `mutation($s: ID!, $seed: Int, $pace: Int) { startRun(scenarioId: $s, seed: $seed, pace: $pace) { ${RUN_FIELDS} } }`,
    { s: SCENARIO, seed: SEED, pace },
  ).then((data) => data.startRun);
}

test("two API instances and two workers serve one course: runs, live events across instances, steering", async (t) => {
  const unavailable = await clusterUnavailable();
  if (unavailable !== undefined) {
    t.skip(unavailable);
    return;
  }
  const { a, b } = await cluster(t, 2);

  // An unpaced run started on A is executed by a worker; the mutation returns it COMPLETED.
  const unpaced = await startRun(a.url, null);
  assert.equal(unpaced.status, "COMPLETED", `seed=${SEED}`);
  assert.equal(unpaced.traceHash, TRACE_HASH);
  assert.equal(unpaced.eventCount, EVENTS);
  assert.equal((await run(b.url, unpaced.id)).traceHash, TRACE_HASH);

  // Paced runs started on A, each followed by subscribers on B (and one on A): every event, in order.
  const subscribers = 12;
  const paced = await Promise.all([startRun(a.url, 5), startRun(a.url, 5), startRun(b.url, 5)]);
  const clients = [wsClient(b.wsUrl), wsClient(a.wsUrl)];
  t.after(async () => {
    for (const client of clients) await client.dispose();
  });
  const streams = paced.flatMap((started, index) =>
    Array.from({ length: subscribers }, (_, i) =>
      collect<{ runEvents: { seq: number } }>(
        clients[i === 0 ? 1 : 0] as ReturnType<typeof wsClient>,
        "subscription($id: ID!) { runEvents(runId: $id) { seq } }",
        { id: started.id },
      ).then((results) => ({ index, results })),
    ),
  );
  for (const { index, results } of await Promise.all(streams)) {
    const seqs = results.map((result) => {
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return result.data?.runEvents.seq;
    });
    const runId = (paced[index] as RunView).id;
    assert.deepEqual(
      seqs,
      Array.from({ length: EVENTS }, (_, i) => i),
      `run ${runId} (seed=${SEED}): events lost or out of order`,
    );
  }
  for (const started of paced) {
    const ended = await waitUntil(
      "the paced run to complete",
      () => run(b.url, started.id),
      (r) => r.status !== "RUNNING",
    );
    assert.equal(ended.traceHash, TRACE_HASH, `run ${started.id} seed=${SEED}`);
  }

  // A paced run executed by a worker, paused and stepped from the other API instance.
  const steered = await startRun(a.url, 200);
  await waitUntil(
    "a worker to take the run",
    () => run(b.url, steered.id),
    (r) => r.eventCount > 0,
  );
  const paused = await query<{ pauseRun: RunView }>(
    b.url,
    `mutation($id: ID!) { pauseRun(runId: $id) { ${RUN_FIELDS} } }`,
    {
      id: steered.id,
    },
  );
  assert.equal(paused.pauseRun.paused, true);
  const before = (await run(a.url, steered.id)).eventCount;
  const stepped = await query<{ stepRun: RunView }>(
    a.url,
    `mutation($id: ID!) { stepRun(runId: $id, events: 3) { ${RUN_FIELDS} } }`,
    { id: steered.id },
  );
  assert.equal(stepped.stepRun.paused, true);
  assert.equal(stepped.stepRun.eventCount, before + 3);
  await query(b.url, `mutation($id: ID!) { setPace(runId: $id, pace: 1) { id } }`, { id: steered.id });
  await query(b.url, `mutation($id: ID!) { resumeRun(runId: $id) { id } }`, { id: steered.id });
  const finished = await waitUntil(
    "the steered run to complete",
    () => run(a.url, steered.id),
    (r) => r.status !== "RUNNING",
  );
  assert.equal(finished.traceHash, TRACE_HASH, `pausing, stepping and re-pacing never change the trace (seed=${SEED})`);
});

test("a worker killed mid-run: the queue hands the run to another worker, which writes the same trace", async (t) => {
  const unavailable = await clusterUnavailable();
  if (unavailable !== undefined) {
    t.skip(unavailable);
    return;
  }
  // A short expiry (above the paced-run ceiling, as start-up insists), so the test waits
  // seconds, not the default fifteen minutes, for the dead worker's job.
  const { a, b, workers, env } = await cluster(t, 1, {
    FAULTLINE_QUEUE_EXPIRE_SECONDS: "20",
    FAULTLINE_PACED_RUN_MAX_MS: "10000",
    FAULTLINE_QUEUE_SUPERVISE_SECONDS: "1",
  });
  const started = await startRun(a.url, 5);
  const subscriber = wsClient(b.wsUrl);
  t.after(() => subscriber.dispose());
  const stream = collect<{ runEvents: { seq: number } }>(
    subscriber,
    "subscription($id: ID!) { runEvents(runId: $id) { seq } }",
    {
      id: started.id,
    },
  );
  await waitUntil(
    "the worker to store some events",
    () => run(b.url, started.id),
    (r) => r.eventCount >= 20,
  );
  await stopInstance(workers[0] as Instance, "SIGKILL");
  const second = await startInstance("worker", env);
  t.after(() => stopInstance(second, "SIGKILL"));
  const ended = await waitUntil(
    "another worker to finish the run",
    () => run(a.url, started.id),
    (r) => r.status !== "RUNNING",
    90_000,
  );
  assert.equal(
    ended.status,
    "COMPLETED",
    `run ${started.id} seed=${SEED}: ${ended.error}\n${second.output()}\n${a.output()}`,
  );
  assert.equal(ended.traceHash, TRACE_HASH);
  const seqs = (await stream).map((result) => result.data?.runEvents.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: EVENTS }, (_, i) => i),
    "the subscriber saw every event once, in order",
  );
});

test("the rate limit counts a client's operations across API instances (Redis), not per instance", async (t) => {
  const unavailable = await clusterUnavailable();
  if (unavailable !== undefined) {
    t.skip(unavailable);
    return;
  }
  const limit = 6;
  const { a, b } = await cluster(t, 0, { FAULTLINE_RATE_LIMIT: String(limit), FAULTLINE_RATE_WINDOW_SECONDS: "120" });
  const codes: unknown[] = [];
  for (let i = 0; i < limit + 2; i++) {
    const response = await post<unknown>(i % 2 === 0 ? a.url : b.url, "{ __typename }");
    codes.push(response.errors?.[0]?.extensions?.["code"] ?? "OK");
  }
  // Three on each instance would pass per-instance counts; one count for the course refuses the 7th and 8th.
  assert.deepEqual(codes, [...Array.from({ length: limit }, () => "OK"), "RATE_LIMITED", "RATE_LIMITED"]);
});
