import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { FuzzMessage, FuzzOptions } from "./fuzz-worker";

// Issue 13: a fast-check fuzz of scenario files. 1,000 files made by mutating the real
// ones in scenarios/ (drop, duplicate, retype or rename a field, huge numbers, deep
// nesting, aliases and small alias bombs, bad UTF-8, cuts, YAML metacharacters): each
// either loads or is refused with problems that name the file, a line and column, and
// say what was wrong, without a crash, a stack trace or a server path. The fuzz runs in
// a worker thread; a sample that takes longer than HANG_MS is a hang: the worker is
// terminated and the test names the sample (reproduce with the same seed).

const SEED = 13;
const RUNS = 1_000;
/** Not a speed target: a sample this slow is stuck (each takes milliseconds, a few hundred on a loaded machine). */
const HANG_MS = 60_000;
const SCENARIOS_DIR = path.resolve(__dirname, "..", "..", "..", "scenarios");

test("1,000 mutated scenario files each load or get a clear problem; no crash, no hang", async () => {
  const options: FuzzOptions = { scenariosDir: SCENARIOS_DIR, numRuns: RUNS, seed: SEED };
  // The server loads scenarios on its main thread, whose stack is about 1 MB; a worker's is
  // 4 MB by default. The same stack makes the worker meet deep nesting as the server does.
  const worker = new Worker(path.join(__dirname, "fuzz-worker.js"), {
    workerData: options,
    resourceLimits: { stackSizeMb: 1 },
  });
  let last: Extract<FuzzMessage, { type: "start" }> | undefined;
  const outcome = await new Promise<FuzzMessage | { type: "hang" } | { type: "error"; error: Error }>((resolve) => {
    let timer = setTimeout(() => resolve({ type: "hang" }), HANG_MS);
    worker.on("message", (message: FuzzMessage) => {
      if (message.type === "start") {
        last = message;
        clearTimeout(timer);
        timer = setTimeout(() => resolve({ type: "hang" }), HANG_MS);
        return;
      }
      clearTimeout(timer);
      resolve(message);
    });
    worker.on("error", (error) => {
      clearTimeout(timer);
      resolve({ type: "error", error });
    });
  });
  await worker.terminate();
  const context = `seed=${SEED}; last sample: run ${last?.run} of ${last?.file}: ${last?.sample}`;
  if (outcome.type === "hang") assert.fail(`the loader hung for ${HANG_MS} ms (${context})`);
  if (outcome.type === "error") assert.fail(`the loader crashed the worker: ${outcome.error.stack} (${context})`);
  if (outcome.type === "fail") assert.fail(`${outcome.message}\n(${context})`);
  assert.equal(outcome.type, "done");
  if (outcome.type !== "done") return;
  // Not vacuous: many mutants still load, and refusals come from every layer.
  assert.ok(outcome.loaded >= 50, `only ${outcome.loaded} mutants loaded`);
  assert.ok(outcome.refused >= 300, `only ${outcome.refused} mutants were refused`);
  for (const reason of ["utf-8", "yaml", "field"]) assert.ok((outcome.byReason[reason] ?? 0) > 0, `no ${reason} refusal`);
});
