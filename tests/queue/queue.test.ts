import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobAttempt, RunQueue } from "../../src/queue/contract";
import { openRunQueue } from "../../src/queue/pg-boss";
import type { RunQueueOptions } from "../../src/queue/settings";
import { FAST_QUEUE, dropSchema, freshQueueSchema, pgOrSkip, waitFor } from "./support";

// Issue 13: runs are executed by workers that take jobs from a durable queue, so several
// API instances and several worker processes serve one course. These tests run pg-boss
// on the real PostgreSQL, each in a fresh schema.

/** Opens queues on one fresh schema and closes and drops everything at the end of the test. */
async function withSchema(
  url: string,
  body: (open: (options?: RunQueueOptions) => Promise<RunQueue>) => Promise<void>,
): Promise<void> {
  const schema = freshQueueSchema();
  // Every open, even one still pending when the body fails, is closed before the drop:
  // a queue left open keeps polling a dropped schema and keeps the test process alive.
  const opening: Promise<RunQueue>[] = [];
  const open = (options: RunQueueOptions = {}): Promise<RunQueue> => {
    const queue = openRunQueue(url, { ...FAST_QUEUE, schema, ...options });
    opening.push(queue);
    return queue;
  };
  try {
    await body(open);
  } finally {
    const settled = await Promise.allSettled(opening);
    await Promise.all(settled.map((result) => (result.status === "fulfilled" ? result.value.close() : undefined)));
    await dropSchema(url, schema);
  }
}

const runIds = (count: number, prefix: string): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

test("durable: jobs enqueued with no worker survive the queue's close and are all taken after a reopen", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    const ids = runIds(40, "durable");
    const producer = await open();
    const jobIds = await Promise.all(ids.map((runId) => producer.enqueue({ runId })));
    assert.equal(new Set(jobIds).size, ids.length, "every enqueue returns its own job id");
    assert.deepEqual(await producer.stats(), { queued: ids.length, active: 0, failed: 0 });
    await producer.close();
    await assert.rejects(producer.enqueue({ runId: "late" }), /after close/);

    const consumer = await open();
    const handled: string[] = [];
    await consumer.work(
      async (job) => {
        handled.push(job.runId);
      },
      { concurrency: 4 },
    );
    await waitFor("every stored job to be handled", 15_000, () => handled.length >= ids.length);
    await waitFor("the queue to be empty", 5000, async () => {
      const stats = await consumer.stats();
      return stats.queued === 0 && stats.active === 0;
    });
    assert.deepEqual([...handled].sort(), [...ids].sort(), "each job handled exactly once");
  });
});

test("300 jobs and 3 queue instances working at once: every job handled, none twice", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    // Opened at once: their first start races to create the schema and the queues.
    const instances = await Promise.all([open(), open(), open()]);
    const ids = runIds(300, "many");
    await Promise.all(ids.map((runId, index) => (instances[index % 3] as RunQueue).enqueue({ runId })));
    const handledBy = new Map<string, number[]>();
    const attempts: JobAttempt[] = [];
    await Promise.all(
      instances.map((queue, instance) =>
        queue.work(
          async (job, attempt) => {
            attempts.push(attempt);
            handledBy.set(job.runId, [...(handledBy.get(job.runId) ?? []), instance]);
            await sleep(job.runId.length % 5); // a little work, so the workers overlap
          },
          { concurrency: 4 },
        ),
      ),
    );
    await waitFor("all 300 jobs to be handled", 30_000, () => handledBy.size >= ids.length);
    // Give a duplicate delivery the time to show up: a few polls and supervision rounds.
    await sleep(1500);
    assert.deepEqual([...handledBy.keys()].sort(), [...ids].sort());
    const twice = [...handledBy].filter(([, by]) => by.length !== 1);
    assert.deepEqual(twice, [], "no job is handled twice");
    assert.ok(
      attempts.every((attempt) => attempt.retry === 0 && !attempt.final),
      "no failure, so every try is a first one",
    );
    for (const instance of [0, 1, 2]) {
      const count = [...handledBy.values()].filter((by) => by[0] === instance).length;
      assert.ok(count > 0, `instance ${instance} took jobs too (it took ${count})`);
    }
    assert.deepEqual(await (instances[0] as RunQueue).stats(), { queued: 0, active: 0, failed: 0 });
  });
});

test("a throwing handler is retried; after its last try the dead handler runs exactly once", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    const queue = await open({ retries: 2 });
    const tries = new Map<string, JobAttempt[]>();
    const dead: { runId: string; error: string }[] = [];
    await queue.work(
      async (job, attempt) => {
        tries.set(job.runId, [...(tries.get(job.runId) ?? []), attempt]);
        if (job.runId === "broken" || attempt.retry === 0) {
          throw new Error(`run ${job.runId} failed on try ${attempt.retry}`);
        }
      },
      { concurrency: 2 },
    );
    await queue.onDead(async (job, error) => {
      dead.push({ runId: job.runId, error });
    });
    await queue.enqueue({ runId: "broken" });
    await queue.enqueue({ runId: "flaky" });

    await waitFor("the broken run's dead handler", 15_000, () => dead.length >= 1);
    await sleep(1500); // more polls and supervision rounds: nothing may arrive twice
    assert.deepEqual(tries.get("broken"), [
      { retry: 0, final: false },
      { retry: 1, final: false },
      { retry: 2, final: true },
    ]);
    assert.deepEqual(tries.get("flaky"), [
      { retry: 0, final: false },
      { retry: 1, final: false },
    ]);
    assert.deepEqual(dead, [{ runId: "broken", error: "run broken failed on try 2" }]);
    assert.deepEqual(await queue.stats(), { queued: 0, active: 0, failed: 1 });
  });
});

test("close() waits for a running handler, and the job it finished is not taken again", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    const first = await open();
    let started = false;
    let finished = false;
    await first.work(
      async () => {
        started = true;
        await sleep(600);
        finished = true;
      },
      { concurrency: 1 },
    );
    await first.enqueue({ runId: "slow" });
    await waitFor("the handler to start", 10_000, () => started);
    await first.close();
    assert.equal(finished, true, "close() returned only after the running handler finished");

    const second = await open();
    const again: string[] = [];
    await second.work(
      async (job) => {
        again.push(job.runId);
      },
      { concurrency: 1 },
    );
    await sleep(3500); // past the 2 s expiry and a supervision round
    assert.deepEqual(again, [], "the completed job is not delivered again");
    assert.deepEqual(await second.stats(), { queued: 0, active: 0, failed: 0 });
  });
});

test("close() is bounded: a handler that outlives the close timeout has its try failed and retried elsewhere", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    // A long expiry, so only close() (not the expiry) can give the job back.
    const first = await open({ expireSeconds: 60, closeTimeoutMs: 1000 });
    let started = false;
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    await first.work(
      async () => {
        started = true;
        await stuck;
      },
      { concurrency: 1 },
    );
    await first.enqueue({ runId: "stuck" });
    await waitFor("the handler to start", 10_000, () => started);
    const closeStarted = Date.now();
    await first.close();
    const closeMs = Date.now() - closeStarted;
    assert.ok(closeMs < 3000, `close() took ${closeMs} ms with a 1000 ms timeout`);

    const second = await open({ expireSeconds: 60 });
    const retried: { runId: string; attempt: JobAttempt }[] = [];
    await second.work(
      async (job, attempt) => {
        retried.push({ runId: job.runId, attempt });
      },
      { concurrency: 1 },
    );
    await waitFor("the retry of the stuck job", 10_000, () => retried.length >= 1);
    assert.deepEqual(retried, [{ runId: "stuck", attempt: { retry: 1, final: false } }]);
    release();
  });
});

test("bad arguments are refused with the setting and the value", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await assert.rejects(openRunQueue(url, { schema: "1bad" }), /schema "1bad"/);
  await assert.rejects(openRunQueue(url, { pollSeconds: 0.1 }), /pollSeconds .* got 0\.1/);
  await withSchema(url, async (open) => {
    const queue = await open();
    await assert.rejects(queue.enqueue({ runId: "" }), /non-empty runId/);
    await assert.rejects(
      queue.work(async () => undefined, { concurrency: 0 }),
      /concurrency .* got 0/,
    );
  });
});

test("a handler that outlives the expiry has its try failed and retried while it still runs: runs must end well inside expireSeconds", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    const queue = await open({ expireSeconds: 2 });
    const events: { retry: number; event: "start" | "end" }[] = [];
    await queue.work(
      async (_job, attempt) => {
        events.push({ retry: attempt.retry, event: "start" });
        if (attempt.retry === 0) await sleep(3500);
        events.push({ retry: attempt.retry, event: "end" });
      },
      { concurrency: 2 },
    );
    await queue.enqueue({ runId: "overlong" });
    await waitFor("the first, overlong try to end", 10_000, () =>
      events.some((e) => e.retry === 0 && e.event === "end"),
    );
    assert.deepEqual(events, [
      { retry: 0, event: "start" },
      { retry: 1, event: "start" },
      { retry: 1, event: "end" },
      { retry: 0, event: "end" },
    ]);
    await waitFor("the queue to settle", 5000, async () => {
      const stats = await queue.stats();
      return stats.queued === 0 && stats.active === 0;
    });
    assert.deepEqual(await queue.stats(), { queued: 0, active: 0, failed: 0 }, "the retry's completion stands");
  });
});

test("a queue on a server that cannot be reached is refused, naming where (without the password)", async () => {
  const url = "postgresql://postgres:secret@127.0.0.1:1/test";
  await assert.rejects(openRunQueue(url, { schema: "unreachable" }), (error: Error) => {
    assert.ok(error.message.includes('"unreachable"') && error.message.includes("127.0.0.1:1"), error.message);
    assert.ok(!error.message.includes("secret"), `the password is left out: ${error.message}`);
    return true;
  });
});

test("closing a busy worker loses no job: another instance takes every job the first did not finish", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withSchema(url, async (open) => {
    const ids = runIds(100, "busy");
    const first = await open();
    await Promise.all(ids.map((runId) => first.enqueue({ runId })));
    const finishedByFirst: string[] = [];
    await first.work(
      async (job) => {
        await sleep(20);
        finishedByFirst.push(job.runId);
      },
      { concurrency: 4 },
    );
    await waitFor("the first instance to be busy", 10_000, () => finishedByFirst.length >= 20);
    await first.close();
    const handledBySecond: { runId: string; retry: number }[] = [];
    const second = await open();
    await second.work(
      async (job, attempt) => {
        handledBySecond.push({ runId: job.runId, retry: attempt.retry });
      },
      { concurrency: 4 },
    );
    const handled = (): Set<string> => new Set([...finishedByFirst, ...handledBySecond.map((entry) => entry.runId)]);
    await waitFor("every job to be handled by one instance or the other", 15_000, () => handled().size >= ids.length);
    assert.deepEqual([...handled()].sort(), [...ids].sort());
    const again = handledBySecond.filter((entry) => finishedByFirst.includes(entry.runId));
    // At least once: a job finished in the instant of the close may come again, as a retry.
    assert.ok(
      again.every((entry) => entry.retry > 0),
      `a job comes again only as a retry: ${JSON.stringify(again)}`,
    );
    await waitFor("the queue to settle", 5000, async () => {
      const stats = await second.stats();
      return stats.queued === 0 && stats.active === 0;
    });
    assert.deepEqual(await second.stats(), { queued: 0, active: 0, failed: 0 });
  });
});
