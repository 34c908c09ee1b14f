import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { pgReachable, pgSkipReason } from "../support/pg";
import type { AppendJob } from "./contract/append-worker";
import { addScenario, newRun, postgresBackend, sqliteBackend, type Backend } from "./contract/backends";

const WRITERS = 16;
const EVENTS = 600;

function runWorker(job: AppendJob): Promise<{ ok: boolean; message?: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, "contract", "append-worker.js"), { workerData: job });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

/**
 * 16 worker threads, each with its own writer store (writerStoreFor, as the run workers
 * open theirs), append 1-, 10- and 500-row batches at once: every row is stored, seq gap-free.
 */
async function writersAtOnce(t: TestContext, backend: Backend): Promise<void> {
  const place = await backend.place(t);
  const owner = await place.owner();
  await addScenario(owner);
  const jobs = Array.from({ length: WRITERS }, (_, i) => ({
    locator: place.locator,
    runId: `run-${i}`,
    events: EVENTS,
    batchRows: [1, 10, 500][i % 3] as number,
  }));
  for (const job of jobs) await owner.runs.insert(newRun(job.runId));
  const results = await Promise.all(jobs.map(runWorker));
  for (const [i, result] of results.entries()) assert.deepEqual(result, { ok: true }, `writer ${i}`);
  for (const job of jobs) {
    assert.equal(await owner.events.count(job.runId), EVENTS, `${job.runId} stored every row`);
    assert.equal(await owner.events.lastSeq(job.runId), EVENTS - 1, `${job.runId} has no gap`);
    assert.equal((await owner.runs.get(job.runId))?.eventCount, EVENTS);
  }
}

test(`sqlite: ${WRITERS} writer threads appending at once store every row`, (t) => writersAtOnce(t, sqliteBackend));

test(`postgres: ${WRITERS} writer threads appending at once store every row`, async (t) => {
  if (!(await pgReachable())) {
    t.skip(pgSkipReason());
    return;
  }
  await writersAtOnce(t, postgresBackend);
});
