import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { contentHash } from "../../src/store/scenarios";
import { openStore } from "../../src/store";
import { FaultlineError } from "../../src/runs";
import { realScenario, SCENARIOS_DIR, scenariosDirWith, servicesFor, tempDir } from "./helpers";

test("the real scenarios load and are recorded in the scenarios table", async (t) => {
  const { services, dbPath, reports } = await servicesFor(t);
  const files = readdirSync(join(SCENARIOS_DIR, "transactions")).filter((name) => name.endsWith(".yaml"));
  const transactions = services.scenarios.list("transactions");
  assert.equal(transactions.length, files.length);
  assert.ok(transactions.some((scenario) => scenario.id === "2pc-happy-path"));
  assert.ok(transactions.some((scenario) => scenario.id === "2pc-coordinator-crash"));
  assert.throws(
    () => services.scenarios.list("no-such-topic"),
    (error: unknown) =>
      error instanceof FaultlineError &&
      error.code === "BAD_USER_INPUT" &&
      /"no-such-topic"/.test(error.message) &&
      /transactions/.test(error.message),
    "an unknown topic is an error naming it and the known ones, not []",
  );
  assert.equal(services.scenarios.get("2pc-happy-path")?.source, realScenario("2pc-happy-path"));
  assert.equal(services.scenarios.get("nope"), undefined);
  assert.deepEqual(services.scenarios.problems(), []);
  assert.deepEqual(reports, [], "nothing to report when every file is good");

  const { store } = openStore(dbPath);
  t.after(() => store.close());
  const row = store.scenarios.get("2pc-happy-path");
  assert.equal(row?.protocol, "two-phase-commit");
  assert.equal(row?.topic, "transactions");
  assert.equal(row?.contentHash, contentHash(realScenario("2pc-happy-path")));
});

test("a bad scenario file is reported once, as file:line:column: path: message, and the good ones are served", async (t) => {
  const bad = realScenario("2pc-happy-path")
    .replace("id: 2pc-happy-path", "id: 2pc-broken")
    .replace("protocol: two-phase-commit", "protocol: two-phase-comit");
  const scenariosDir = scenariosDirWith(t, {
    "transactions/2pc-happy-path.yaml": realScenario("2pc-happy-path"),
    "transactions/2pc-broken.yaml": bad,
  });
  const { services, reports } = await servicesFor(t, { scenariosDir });
  assert.deepEqual(
    services.scenarios.list().map((scenario) => scenario.id),
    ["2pc-happy-path"],
  );
  const problems = services.scenarios.problems();
  assert.equal(problems.length, 1);
  const problem = problems[0];
  assert.equal(problem?.file, "transactions/2pc-broken.yaml");
  assert.equal(problem?.path, "protocol");
  assert.equal(problem?.line, 4);
  assert.match(problem?.message ?? "", /two-phase-commit/, "it suggests the protocol that was meant");
  assert.equal(reports.length, 2, reports.join("\n"));
  assert.equal(reports[0], `transactions/2pc-broken.yaml:4:${problem?.column}: protocol: ${problem?.message}`);
  assert.match(reports[1] ?? "", /1 scenario file skipped because of the problems above; 1 loaded/);
  services.scenarios.problems();
  assert.equal(reports.length, 2, "asking for problems again prints nothing more");
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path" });
  assert.equal(run.status, "COMPLETED", "one bad file never stops the good ones from running");
});

test("a run keeps the exact source it was made from, even after its scenario file changes", async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, "changed.db");
  const original = realScenario("2pc-happy-path");
  const first = await servicesFor(t, {
    dbPath,
    scenariosDir: scenariosDirWith(t, { "transactions/2pc-happy-path.yaml": original }),
  });
  const run = await first.services.runs.startRun({ scenarioId: "2pc-happy-path", seed: 4 });
  const finalViews = await first.services.runs.nodesAt(run.id);
  await first.services.close();

  // The file now has another workload: transaction t9, not t1.
  const changed = original
    .replace("args: { tx: t1,", "args: { tx: t9,")
    .replace(/transactions\.t1\./g, "transactions.t9.");
  assert.notEqual(changed, original);
  const second = await servicesFor(t, {
    dbPath,
    scenariosDir: scenariosDirWith(t, { "transactions/2pc-happy-path.yaml": changed }),
  });
  assert.equal(second.services.scenarios.get("2pc-happy-path")?.source, changed);
  const replayed = await second.services.runs.nodesAt(run.id, run.eventCount - 1);
  assert.deepEqual(replayed, finalViews, "the old run replays from its own stored source");
  const again = await second.services.runs.startRun({ scenarioId: "2pc-happy-path", seed: 4 });
  assert.notEqual(again.traceHash, run.traceHash, "a new run uses the new file");
});
