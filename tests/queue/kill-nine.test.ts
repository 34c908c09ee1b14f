import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobAttempt, RunQueue } from "../../src/queue/contract";
import { openRunQueue } from "../../src/queue/pg-boss";
import { recoveryBoundSeconds, resolveRunQueueSettings } from "../../src/queue/settings";
import { FAST_QUEUE, dropSchema, freshQueueSchema, pgOrSkip, waitFor } from "./support";

// Issue 13: a worker process killed with SIGKILL in the middle of a run leaves its job
// active in the queue; pg-boss's supervision must fail the try once it expires, so another
// worker retries it (or, after the last try, the dead handler gets it) within a bound
// computed from the queue's settings.

/** The compiled child script beside this compiled test. */
const WORKER_PROCESS = join(__dirname, "worker-process.js");

interface Taken {
  readonly took: string;
  readonly retry: number;
}

/** Starts a worker process and waits for the first job it takes. */
async function workerThatTakes(url: string, schema: string, retries: number): Promise<[ChildProcess, Taken]> {
  const child = spawn(process.execPath, [WORKER_PROCESS], {
    env: { ...process.env, QUEUE_URL: url, QUEUE_SCHEMA: schema, QUEUE_RETRIES: String(retries) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitFor("the worker process to take a job", 15_000, () => {
      if (child.exitCode !== null) throw new Error(`the worker process exited early:\n${output}`);
      return output.includes('"took"');
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const line = output.split("\n").find((text) => text.includes('"took"')) as string;
  return [child, JSON.parse(line) as Taken];
}

async function killNine(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

/** One fresh schema, a producer queue in this process, and cleanup of the child and the schema. */
async function withKilledWorker(
  url: string,
  retries: number,
  body: (queue: RunQueue, killedAt: number, taken: Taken) => Promise<void>,
): Promise<void> {
  const schema = freshQueueSchema();
  const queue = await openRunQueue(url, { ...FAST_QUEUE, schema, retries });
  let child: ChildProcess | undefined;
  try {
    await queue.enqueue({ runId: "killed" });
    const [worker, taken] = await workerThatTakes(url, schema, retries);
    child = worker;
    await killNine(worker);
    await body(queue, Date.now(), taken);
  } finally {
    if (child !== undefined) await killNine(child);
    await queue.close();
    await dropSchema(url, schema);
  }
}

const boundMs = (retries: number): number =>
  recoveryBoundSeconds(resolveRunQueueSettings({ ...FAST_QUEUE, retries })) * 1000;

test("a worker killed with SIGKILL mid-job: its job is retried by another worker within the bound", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withKilledWorker(url, 2, async (queue, killedAt, taken) => {
    assert.deepEqual(taken, { took: "killed", retry: 0 });
    const retried: { runId: string; attempt: JobAttempt; afterMs: number }[] = [];
    await queue.work(
      async (job, attempt) => {
        retried.push({ runId: job.runId, attempt, afterMs: Date.now() - killedAt });
      },
      { concurrency: 2 },
    );
    await waitFor("the killed worker's job to be retried", boundMs(2) + 5000, () => retried.length >= 1);
    await sleep(1000); // and only once
    assert.equal(retried.length, 1, `one retry, got ${JSON.stringify(retried)}`);
    const [retry] = retried as [(typeof retried)[number]];
    assert.deepEqual(
      { runId: retry.runId, attempt: retry.attempt },
      { runId: "killed", attempt: { retry: 1, final: false } },
    );
    assert.ok(retry.afterMs <= boundMs(2), `retried ${retry.afterMs} ms after the kill; the bound is ${boundMs(2)} ms`);
    assert.deepEqual(await queue.stats(), { queued: 0, active: 0, failed: 0 });
  });
});

test("a worker killed with SIGKILL on the job's last try: the dead handler gets the job once", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  await withKilledWorker(url, 0, async (queue, killedAt) => {
    const dead: { runId: string; error: string; afterMs: number }[] = [];
    const taken: string[] = [];
    await queue.work(
      async (job) => {
        taken.push(job.runId);
      },
      { concurrency: 1 },
    );
    await queue.onDead(async (job, error) => {
      dead.push({ runId: job.runId, error, afterMs: Date.now() - killedAt });
    });
    await waitFor("the dead handler", boundMs(0) + 5000, () => dead.length >= 1);
    await sleep(1000);
    assert.deepEqual(taken, [], "no retry follows the last try");
    assert.equal(dead.length, 1, `one dead delivery, got ${JSON.stringify(dead)}`);
    const [entry] = dead as [(typeof dead)[number]];
    assert.equal(entry.runId, "killed");
    assert.notEqual(entry.error, "", "the dead handler is told why");
    assert.ok(entry.afterMs <= boundMs(0), `dead ${entry.afterMs} ms after the kill; the bound is ${boundMs(0)} ms`);
    assert.deepEqual(await queue.stats(), { queued: 0, active: 0, failed: 1 });
  });
});
