import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openRunQueue } from "../../src/queue/pg-boss";
import { FAST_QUEUE, dropSchema, freshQueueSchema, pgOrSkip, waitFor } from "./support";

// Issue 13: several worker processes serve one course. Three real processes take 300
// jobs from one queue that this process fills while they work: every job is taken once.

const WORKER_PROCESS = join(__dirname, "worker-process.js");
const PROCESSES = 3;
const JOBS = 300;

interface Worker {
  readonly child: ChildProcess;
  readonly lines: () => string[];
}

function startWorker(url: string, schema: string): Worker {
  const child = spawn(process.execPath, [WORKER_PROCESS], {
    env: { ...process.env, QUEUE_URL: url, QUEUE_SCHEMA: schema, QUEUE_MODE: "finish", QUEUE_CONCURRENCY: "3" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, lines: () => output.split("\n").filter((line) => line !== "") };
}

function taken(worker: Worker): string[] {
  return worker
    .lines()
    .filter((line) => line.includes('"took"'))
    .map((line) => (JSON.parse(line) as { took: string }).took);
}

async function stop(worker: Worker, signal: NodeJS.Signals): Promise<number | null> {
  const { child } = worker;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

test("three worker processes share 300 jobs: every job taken, none twice, each process closes cleanly", async (t) => {
  const url = await pgOrSkip(t);
  if (url === null) return;
  const schema = freshQueueSchema();
  // The producer opens first, so the schema exists before the workers start.
  const producer = await openRunQueue(url, { ...FAST_QUEUE, schema });
  const workers: Worker[] = [];
  try {
    for (let index = 0; index < PROCESSES; index++) workers.push(startWorker(url, schema));
    await waitFor("every worker process to start working", 20_000, () => {
      const failed = workers.find((worker) => worker.child.exitCode !== null);
      if (failed !== undefined) throw new Error(`a worker process exited:\n${failed.lines().join("\n")}`);
      return workers.every((worker) => worker.lines().some((line) => line.includes('"working"')));
    });
    const ids = Array.from({ length: JOBS }, (_, index) => `shared-${index}`);
    await Promise.all(ids.map((runId) => producer.enqueue({ runId })));
    const all = (): string[] => workers.flatMap(taken);
    await waitFor(`all ${JOBS} jobs to be taken`, 30_000, () => new Set(all()).size >= JOBS);
    await sleep(1500); // a duplicate delivery would show up within a few polls
    assert.deepEqual([...new Set(all())].sort(), [...ids].sort());
    assert.equal(all().length, JOBS, "no job is taken twice");
    for (const [index, worker] of workers.entries()) {
      assert.ok(taken(worker).length > 0, `worker process ${index} took jobs too`);
    }
    const codes = await Promise.all(workers.map((worker) => stop(worker, "SIGTERM")));
    assert.deepEqual(codes, [0, 0, 0], "each process closes its queue and exits 0 on SIGTERM");
    assert.deepEqual(await producer.stats(), { queued: 0, active: 0, failed: 0 });
  } finally {
    await Promise.all(workers.map((worker) => stop(worker, "SIGKILL")));
    await producer.close();
    await dropSchema(url, schema);
  }
});
