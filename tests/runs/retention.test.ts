import { test } from "node:test";
import assert from "node:assert/strict";
import { createServices } from "../../src/runs";
import { SCENARIOS_DIR, servicesFor, tempDir } from "./helpers";
import { join } from "node:path";

// Issue 13: the retention pass the server runs, configured from the environment.

test("a retention pass keeps the newest runs per scenario, and runs while reads go on", async (t) => {
  const { services, reports } = await servicesFor(t, {
    env: { FAULTLINE_KEEP_RUNS_PER_SCENARIO: "2", FAULTLINE_RETENTION_INTERVAL_MINUTES: "0" },
  });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await services.runs.startRun({ scenarioId: "2pc-happy-path", seed: i })).id);
  const other = (await services.runs.startRun({ scenarioId: "2pc-coordinator-crash" })).id;
  const [report, page] = await Promise.all([
    services.disk.runPass(),
    Promise.resolve().then(() => services.runs.listRuns({ first: 10 })),
  ]);
  assert.ok(page.totalCount >= 3, "a read made while the pass runs on its own thread is answered");
  assert.equal(report?.runsDeleted, 3);
  const left = (await services.runs.listRuns({ first: 10 })).runs.map((run) => run.id);
  assert.deepEqual(left.sort(), [ids[3], ids[4], other].sort() as string[]);
  assert.ok(
    reports.some((line) => line.includes("retention deleted 3 runs")),
    reports.join("\n"),
  );
  const again = await services.disk.runPass();
  assert.equal(again?.runsDeleted, 0, "a second pass finds nothing more to delete");
});

test("a bad retention setting stops start-up, naming the variable", async (t) => {
  const dir = tempDir(t);
  for (const [name, value] of [
    ["FAULTLINE_KEEP_RUNS_PER_SCENARIO", "0"],
    ["FAULTLINE_KEEP_RUNS_DAYS", "soon"],
    ["FAULTLINE_FAILED_TRACE_MINUTES", "-1"],
    ["FAULTLINE_RETENTION_INTERVAL_MINUTES", "x"],
  ] as const) {
    await assert.rejects(
      () => createServices({ dbPath: join(dir, "f.db"), scenariosDir: SCENARIOS_DIR, env: { [name]: value } }),
      (error: unknown) => error instanceof Error && error.message.includes(name) && error.message.includes(value),
    );
  }
});
