import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { openStore } from "../../src/store";

/**
 * Many connections appending to one real file at once (issue 7): each writer reads the
 * run's last seq and inserts after it in one transaction. A deferred transaction that
 * reads before another connection commits cannot upgrade to a writer (SQLITE_BUSY_SNAPSHOT,
 * whatever the busy timeout), so every append must take the write lock first.
 */
test("16 writer threads appending 1, 10 and 500-row batches at once all store every row, seq gap-free", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-writers-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, "faultline.db");
  const { store } = openStore(dbPath);
  t.after(() => store.close());
  store.scenarios.upsertAll([{ id: "echo", title: "Echo", topic: "t", protocol: "echo", source: "id: echo\n" }]);
  const writers = 16;
  const events = 1_000;
  const jobs = Array.from({ length: writers }, (_, i) => ({
    dbPath,
    runId: `run-${i}`,
    events,
    batchRows: [1, 10, 500][i % 3] as number,
  }));
  for (const job of jobs) {
    store.runs.insert({
      id: job.runId,
      scenarioId: "echo",
      seed: 1,
      pace: null,
      scenarioSource: "id: echo\n",
      scenarioFile: "t/echo.yaml",
      createdAt: new Date().toISOString(),
    });
  }
  const results = await Promise.all(
    jobs.map(
      (job) =>
        new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
          const worker = new Worker(join(__dirname, "append-worker.js"), { workerData: job });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    ),
  );
  for (const [i, result] of results.entries()) assert.deepEqual(result, { ok: true }, `writer ${i}`);
  for (const job of jobs) {
    assert.equal(store.events.count(job.runId), events, `${job.runId} stored every row`);
    assert.equal(store.events.lastSeq(job.runId), events - 1, `${job.runId} has no gap`);
    assert.equal(store.runs.get(job.runId)?.eventCount, events);
  }
});
