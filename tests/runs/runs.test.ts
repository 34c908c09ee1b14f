import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { FaultlineError, WorkerRunService, type RunService, type Services } from "../../src/runs";
import { parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import type { TraceEvent } from "../../src/sim/types";
import { hashEvents } from "../../src/sim/world";
import { INTERRUPTED_RUN_ERROR, openStore } from "../../src/store";
import { SqliteStore } from "../../src/store/sqlite";
import { collect, gaplessFrom, realScenario, SCENARIOS_DIR, servicesFor, tempDir, waitFor } from "./helpers";

function inProcess(id: string): Scenario {
  const parsed = parseScenario(realScenario(id), `transactions/${id}.yaml`);
  if (!parsed.ok) throw new Error(`${id} does not parse: ${JSON.stringify(parsed.problems)}`);
  return parsed.scenario;
}

/** Every stored event of a run, through the paged events() query. */
async function allEvents(runs: RunService, runId: string, pageSize = 1000): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await runs.events(runId, { after, first: pageSize });
    events.push(...page.events);
    if (!page.hasMore) return events;
    after = page.nextCursor ?? undefined;
  }
}

async function rejectsWith(
  promise: Promise<unknown> | (() => unknown),
  code: FaultlineError["code"],
  argumentName?: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(
    async () => (typeof promise === "function" ? promise() : promise),
    (error: unknown) => {
      assert.ok(error instanceof FaultlineError, `expected a FaultlineError, got ${String(error)}`);
      assert.equal(error.code, code);
      if (argumentName !== undefined) {
        assert.equal(error.argumentName, argumentName);
        assert.match(error.message, new RegExp(`"${argumentName}"`));
      }
      if (message !== undefined) assert.match(error.message, message);
      return true;
    },
  );
}

test("startRun refuses bad arguments, naming each, and stores nothing", async (t) => {
  const { services } = await servicesFor(t);
  const runs = services.runs;
  await rejectsWith(runs.startRun({ scenarioId: "no-such-scenario" }), "NOT_FOUND", undefined, /no-such-scenario/);
  for (const seed of [-1, 1.5, 2 ** 31, Number.NaN]) {
    await rejectsWith(runs.startRun({ scenarioId: "2pc-happy-path", seed }), "BAD_USER_INPUT", "seed");
  }
  for (const pace of [0, -5, 10_001, 2.5]) {
    await rejectsWith(runs.startRun({ scenarioId: "2pc-happy-path", pace }), "BAD_USER_INPUT", "pace");
  }
  assert.equal((await runs.listRuns({})).totalCount, 0, "a refused startRun leaves no run behind");
});

test("an unpaced run completes in a worker and stores exactly the trace an in-process run of the same seed makes", async (t) => {
  const { services } = await servicesFor(t);
  for (const [id, seed] of [
    ["2pc-happy-path", undefined],
    ["2pc-coordinator-crash", undefined],
    ["2pc-coordinator-crash", 12345],
  ] as const) {
    const scenario = inProcess(id);
    const expected = runScenario(scenario, { seed });
    const run = await services.runs.startRun({ scenarioId: id, seed });
    const context = `${id} seed=${seed ?? scenario.spec.seed}`;
    assert.equal(run.status, "COMPLETED", `${context}: ${run.error}`);
    assert.equal(run.seed, seed ?? scenario.spec.seed);
    assert.equal(run.pace, null);
    assert.equal(run.eventCount, expected.eventCount, context);
    assert.equal(run.traceHash, expected.traceHash, context);
    assert.equal(run.stopReason, expected.stopReason, context);
    assert.ok(run.finishedAt !== null && run.finishedAt !== undefined);
    const stored = await allEvents(services.runs, run.id, 7);
    assert.deepEqual(stored, expected.events, `${context}: the stored trace is the simulated trace`);
    assert.equal(hashEvents(stored), run.traceHash);
    assert.deepEqual(await services.runs.violations(run.id), expected.violations);
    assert.deepEqual(await services.runs.getRun(run.id), run);
  }
});

test("events() pages by seq and filters by node and kinds; bad arguments are named", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-coordinator-crash" });
  const all = await allEvents(services.runs, run.id);
  assert.equal(all.length, run.eventCount);

  const firstPage = await services.runs.events(run.id, {});
  assert.equal(firstPage.events.length, Math.min(100, all.length), "100 events by default");
  const page = await services.runs.events(run.id, { after: 9, first: 5 });
  assert.deepEqual(page.events, all.slice(10, 15));
  assert.equal(page.nextCursor, 14);
  assert.equal(page.hasMore, true);
  const tail = await services.runs.events(run.id, { after: all.length - 3, first: 10 });
  assert.deepEqual(
    tail.events.map((event) => event.seq),
    [all.length - 2, all.length - 1],
  );
  assert.equal(tail.hasMore, false);
  const empty = await services.runs.events(run.id, { after: all.length + 5 });
  assert.deepEqual(empty, { events: [], nextCursor: null, hasMore: false });

  const coordSends = await services.runs.events(run.id, { node: "coord", kinds: ["SEND", "CRASH"], first: 1000 });
  assert.deepEqual(
    coordSends.events,
    all.filter((event) => event.node === "coord" && (event.kind === "SEND" || event.kind === "CRASH")),
  );
  assert.ok(
    coordSends.events.some((event) => event.kind === "CRASH"),
    "the coordinator's crash is in its trace",
  );

  await rejectsWith(() => services.runs.events(run.id, { first: 1001 }), "BAD_USER_INPUT", "first");
  await rejectsWith(() => services.runs.events(run.id, { first: 0 }), "BAD_USER_INPUT", "first");
  await rejectsWith(
    () => services.runs.events(run.id, { kinds: ["SEND", "EXPLODE" as "SEND"] }),
    "BAD_USER_INPUT",
    "kinds",
  );
  await rejectsWith(() => services.runs.events("nope", {}), "NOT_FOUND");
  await rejectsWith(() => services.runs.violations("nope"), "NOT_FOUND");
});

test("listRuns is newest first, a page at a time with an opaque cursor, optionally of one scenario", async (t) => {
  const { services } = await servicesFor(t);
  const made: string[] = [];
  for (const id of ["2pc-happy-path", "2pc-coordinator-crash", "2pc-happy-path", "2pc-happy-path"]) {
    made.push((await services.runs.startRun({ scenarioId: id })).id);
  }
  const newestFirst = [...made].reverse();
  const first = await services.runs.listRuns({ first: 3 });
  assert.deepEqual(
    first.runs.map((run) => run.id),
    newestFirst.slice(0, 3),
  );
  assert.equal(first.hasNextPage, true);
  assert.equal(first.totalCount, 4);
  assert.ok(first.endCursor !== null && !/^\d+$/.test(first.endCursor), "the cursor is opaque");
  const second = await services.runs.listRuns({ first: 3, after: first.endCursor ?? undefined });
  assert.deepEqual(
    second.runs.map((run) => run.id),
    newestFirst.slice(3),
  );
  assert.equal(second.hasNextPage, false);
  const happy = await services.runs.listRuns({ scenarioId: "2pc-happy-path" });
  assert.equal(happy.totalCount, 3);
  assert.ok(happy.runs.every((run) => run.scenarioId === "2pc-happy-path"));
  await rejectsWith(() => services.runs.listRuns({ after: "not-a-cursor" }), "BAD_USER_INPUT", "after");
  await rejectsWith(() => services.runs.listRuns({ first: 101 }), "BAD_USER_INPUT", "first");
  assert.equal(await services.runs.getRun("nope"), undefined);
});

test("a run whose worker fails is FAILED with the error and the seed that reproduces it", async (t) => {
  const dir = tempDir(t);
  const { store } = openStore(join(dir, "failing.db"));
  const good = inProcess("2pc-happy-path");
  // The stored source claims another file name than its id: the worker's parse refuses it.
  const broken: Scenario = { ...good, id: "2pc-renamed", file: "transactions/2pc-renamed.yaml" };
  store.scenarios.upsertAll([{ ...broken, source: broken.source }]);
  const runs = new WorkerRunService({
    store: new SqliteStore(store, join(dir, "failing.db")),
    dbPath: join(dir, "failing.db"),
    scenarios: {
      list: () => [broken],
      get: (id) => (id === broken.id ? broken : undefined),
      problems: () => [],
      topics: () => [],
    },
  });
  t.after(() => runs.close());
  const run = await runs.startRun({ scenarioId: "2pc-renamed", seed: 99 });
  assert.equal(run.status, "FAILED");
  assert.match(run.error ?? "", /no longer parses/);
  assert.match(run.error ?? "", /2pc-renamed/);
  assert.match(run.error ?? "", /reproduce with seed=99/);
  assert.equal(run.traceHash, null);
  assert.deepEqual(await collect(await runs.follow(run.id)), [], "following a failed run with no events ends at once");
});

test("close() stops a paced run, which becomes FAILED with its seed; the next server keeps its partial trace", async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, "close.db");
  const first: Services = (await servicesFor(t, { dbPath })).services;
  const run = await first.runs.startRun({ scenarioId: "2pc-coordinator-crash", seed: 5, pace: 10 });
  await waitFor("a few paced events", async () => ((await first.runs.getRun(run.id))?.eventCount ?? 0) >= 3);
  const started = Date.now();
  await first.close();
  assert.ok(Date.now() - started < 1500, `close() took ${Date.now() - started} ms with a paced run in progress`);

  const { services: second, reports } = await servicesFor(t, { dbPath });
  assert.deepEqual(reports, [], "the run was already FAILED: nothing was left RUNNING");
  const after = await second.runs.getRun(run.id);
  assert.equal(after?.status, "FAILED");
  assert.match(after?.error ?? "", /shut down before the run finished \(reproduce with seed=5\)/);
  const partial = await collect(await second.runs.follow(run.id));
  assert.ok(partial.length >= 3 && partial.length === after?.eventCount, "the partial trace is served, then ends");
  assert.equal(gaplessFrom(partial, 0), undefined);
});

test("a run left RUNNING by a killed server process is FAILED when the next server opens the database", async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, "killed.db");
  const servicesModule = join(__dirname, "..", "..", "src", "runs");
  const scenariosDir = SCENARIOS_DIR;
  // A real server process: it starts a slow paced run and reports its id, then is killed with SIGKILL.
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const { createServices } = require(${JSON.stringify(servicesModule)});
       createServices({ dbPath: ${JSON.stringify(dbPath)}, scenariosDir: ${JSON.stringify(scenariosDir)}, report() {} }).then(async (services) => {
         const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", seed: 31, pace: 20 });
         let told = false;
         const timer = setInterval(async () => {
           const stored = await services.runs.getRun(run.id);
           if (!told && stored.eventCount >= 2) { told = true; clearInterval(timer); console.log(run.id); }
         }, 5);
       });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const runId = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("exit", (code) => reject(new Error(`the server process exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGKILL");
  await exited;

  const { services, reports } = await servicesFor(t, { dbPath });
  assert.equal(reports.length, 1);
  assert.match(
    reports[0] ?? "",
    /^faultline: 1 run was still RUNNING when the last server stopped; marked FAILED, and its partial trace \(\d+ events\) deleted$/,
  );
  const run = await services.runs.getRun(runId);
  assert.equal(run?.status, "FAILED", "a half-written run is never served as COMPLETED or RUNNING");
  assert.equal(run?.error, `${INTERRUPTED_RUN_ERROR} (reproduce with seed=31)`);
  const stored = await collect(await services.runs.follow(runId));
  assert.equal(run?.eventCount, 0, "its partial trace, which nothing can complete, is reclaimed (issue 13)");
  assert.deepEqual(stored, []);
});

test("at most maxPacedRuns paced runs run at once; the others wait their turn and then complete", async (t) => {
  const { services } = await servicesFor(t, { maxPacedRuns: 1 });
  const first = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 5 });
  const second = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 1 });
  assert.equal(first.status, "RUNNING");
  assert.equal(second.status, "RUNNING");
  await waitFor(
    "the first run to store events",
    async () => ((await services.runs.getRun(first.id))?.eventCount ?? 0) > 5,
  );
  assert.equal((await services.runs.getRun(first.id))?.status, "RUNNING");
  assert.equal(
    (await services.runs.getRun(second.id))?.eventCount,
    0,
    "the second run waits while the first holds the worker",
  );
  const [firstEvents, secondEvents] = await Promise.all([
    collect(await services.runs.follow(first.id)),
    collect(await services.runs.follow(second.id)),
  ]);
  assert.equal((await services.runs.getRun(first.id))?.status, "COMPLETED");
  assert.equal((await services.runs.getRun(second.id))?.status, "COMPLETED");
  assert.ok(
    ((await services.runs.getRun(second.id))?.createdAt ?? "") >=
      ((await services.runs.getRun(first.id))?.createdAt ?? ""),
    "created in order",
  );
  assert.equal(firstEvents.length, secondEvents.length, "same scenario and seed, same trace length");
  assert.equal((await services.runs.getRun(first.id))?.traceHash, (await services.runs.getRun(second.id))?.traceHash);
});
