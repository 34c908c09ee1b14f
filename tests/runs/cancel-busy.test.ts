import { test } from "node:test";
import assert from "node:assert/strict";
import { CANCELLED_RUN_ERROR, FaultlineError } from "../../src/runs";
import {
  collect,
  gaplessFrom,
  manyTransactionsScenario,
  realScenario,
  scenariosDirWith,
  servicesFor,
  waitFor,
} from "./helpers";

test("cancelRun stops a RUNNING paced run: it ends FAILED as cancelled, and the events stored so far are kept", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", seed: 3, pace: 50 });
  const follower = collect(await services.runs.follow(run.id));
  await waitFor("a few stored events", async () => ((await services.runs.getRun(run.id))?.eventCount ?? 0) >= 3);
  const cancelled = await services.runs.cancelRun(run.id);
  assert.equal(cancelled.status, "FAILED");
  assert.ok(cancelled.error?.startsWith(CANCELLED_RUN_ERROR), cancelled.error ?? "");
  assert.match(cancelled.error ?? "", /seed=3/);
  const events = await follower;
  const stored = await services.runs.getRun(run.id);
  assert.equal(stored?.status, "FAILED", "the worker's end does not overwrite the cancellation");
  assert.ok(events.length >= 3, `the follower got the stored events (${events.length}) and ended`);
  assert.equal(gaplessFrom(events, 0), undefined);
  assert.equal(events.length, stored?.eventCount, "every stored event is kept and counted");
  // A finished run cannot be cancelled again, and the refusal names the argument.
  await assert.rejects(
    () => services.runs.cancelRun(run.id),
    (error: unknown) =>
      error instanceof FaultlineError && error.code === "BAD_USER_INPUT" && error.argumentName === "runId",
  );
  await assert.rejects(
    () => services.runs.cancelRun("no-such-run"),
    (error: unknown) => error instanceof FaultlineError && error.code === "NOT_FOUND",
  );
});

test("cancelRun of a run still waiting in the queue takes it out: it never starts and stores nothing", async (t) => {
  const { services } = await servicesFor(t, { maxPacedRuns: 1 });
  const first = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 1_000 });
  const waiting = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 1 });
  const cancelled = await services.runs.cancelRun(waiting.id);
  assert.equal(cancelled.status, "FAILED");
  assert.equal(cancelled.eventCount, 0);
  await services.runs.cancelRun(first.id);
  await collect(await services.runs.follow(waiting.id));
  assert.equal((await services.runs.getRun(waiting.id))?.eventCount, 0);
});

test("a full queue answers BUSY with retryAfterMs and the limit, before storing anything; replays share that queue", async (t) => {
  const scenariosDir = scenariosDirWith(t, {
    "transactions/2pc-many.yaml": manyTransactionsScenario(200),
    "transactions/2pc-happy-path.yaml": realScenario("2pc-happy-path"),
  });
  const { services } = await servicesFor(t, { scenariosDir, maxRunWorkers: 1, maxQueuedRuns: 1 });
  const small = await services.runs.startRun({ scenarioId: "2pc-happy-path" });
  const before = (await services.runs.listRuns({})).totalCount;
  const running = services.runs.startRun({ scenarioId: "2pc-many" });
  const queued = services.runs.startRun({ scenarioId: "2pc-many", seed: 2 });
  const isBusy = (error: unknown): boolean => {
    assert.ok(error instanceof FaultlineError, String(error));
    assert.equal(error.code, "BUSY");
    assert.equal(error.busy?.limit, 1);
    assert.ok((error.busy?.retryAfterMs ?? 0) > 0);
    return true;
  };
  await assert.rejects(services.runs.startRun({ scenarioId: "2pc-many", seed: 3 }), isBusy);
  await assert.rejects(services.runs.nodesAt(small.id, 3), isBusy);
  assert.equal((await services.runs.listRuns({})).totalCount, before + 2, "the refused run was never stored");
  const done = await Promise.all([running, queued]);
  assert.deepEqual(
    done.map((run) => run.status),
    ["COMPLETED", "COMPLETED"],
  );
  // With room again, the replay is served.
  assert.ok((await services.runs.nodesAt(small.id, 3)).length > 0);
});

test("slow paced runs hold only the paced pool: an unpaced run and a replay still complete meanwhile", async (t) => {
  const { services } = await servicesFor(t, { maxRunWorkers: 1, maxPacedRuns: 4 });
  const slow = await Promise.all(
    [1, 2, 3, 4].map((seed) => services.runs.startRun({ scenarioId: "2pc-happy-path", seed, pace: 10_000 })),
  );
  const unpaced = await services.runs.startRun({ scenarioId: "2pc-happy-path" });
  assert.equal(unpaced.status, "COMPLETED");
  assert.ok((await services.runs.nodesAt(unpaced.id, 5)).length > 0);
  for (const run of slow) assert.equal((await services.runs.getRun(run.id))?.status, "RUNNING");
  for (const run of slow) await services.runs.cancelRun(run.id);
});

test("a paced run that would pass the wall-time ceiling stops there, FAILED, keeping the events it streamed", async (t) => {
  const { services } = await servicesFor(t, { pacedRunMaxMs: 100 });
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 20 });
  const events = await collect(await services.runs.follow(run.id));
  const ended = await services.runs.getRun(run.id);
  assert.equal(ended?.status, "FAILED");
  assert.match(ended?.error ?? "", /ceiling/);
  // Events 0..5 are due within 100 ms at 20 ms each; event 6 would be due at 120 ms.
  assert.equal(events.length, 6);
  assert.equal(ended?.eventCount, 6);
});
