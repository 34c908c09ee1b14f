import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunRecord } from "../../src/runs";
import { openStore } from "../../src/store";
import { manyTransactionsScenario, scenariosDirWith, servicesFor } from "./helpers";

/**
 * Transactions in the large scenario: 290 make ~10,000 events (the figure; about
 * 10 minutes on a loaded 2-core machine, so set FAULTLINE_FLOOD_TRANSACTIONS=290 to run it);
 * the default 30 (~1,000 events each) keeps the suite quick and still floods the writer.
 */
const TRANSACTIONS = Number(process.env["FAULTLINE_FLOOD_TRANSACTIONS"] ?? "30");

/**
 * Issue 7: concurrent runs lost their work ("database is locked", 109 of 110 in a
 * flood). Here 100 unpaced runs of a large scenario and 20 paced runs are started at
 * once on a real file; every one must complete with its whole trace stored, seq
 * gap-free, and the stored count equal to the run's eventCount.
 */
test("100 concurrent unpaced runs of a large scenario and 20 paced runs all complete with every event stored", async (t) => {
  const scenariosDir = scenariosDirWith(t, {
    "transactions/2pc-many.yaml": manyTransactionsScenario(TRANSACTIONS),
    "transactions/2pc-few.yaml": manyTransactionsScenario(3, "2pc-few"),
  });
  const { services, dbPath } = await servicesFor(t, { scenariosDir, maxQueuedRuns: 200 });
  const unpaced = Array.from({ length: 100 }, (_, i) => services.runs.startRun({ scenarioId: "2pc-many", seed: i }));
  const paced = await Promise.all(
    Array.from({ length: 20 }, (_, i) => services.runs.startRun({ scenarioId: "2pc-few", seed: i, pace: 1 })),
  );
  const finished = await Promise.all(unpaced);
  const ended = await Promise.all(paced.map((run) => waitForEnd(services.runs.getRun.bind(services.runs), run.id)));
  const { store } = openStore(dbPath);
  t.after(() => store.close());
  for (const run of [...finished, ...ended]) {
    assert.equal(run.status, "COMPLETED", `run ${run.id} (seed ${run.seed}): ${run.error ?? ""}`);
    if (run.pace === null) assert.ok(run.eventCount >= TRANSACTIONS * 30, `a large run has ${run.eventCount} events`);
    assert.equal(store.events.count(run.id), run.eventCount, `run ${run.id} stored every event`);
    assert.equal(store.events.lastSeq(run.id), run.eventCount - 1, `run ${run.id} has no gap in seq`);
  }
});

async function waitForEnd(get: (id: string) => Promise<RunRecord | undefined>, id: string): Promise<RunRecord> {
  for (;;) {
    const run = await get(id);
    if (run === undefined) throw new Error(`run ${id} vanished`);
    if (run.status !== "RUNNING") return run;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
