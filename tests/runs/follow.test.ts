import { test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { FaultlineError } from "../../src/runs";
import type { TraceEvent } from "../../src/sim/types";
import { hashEvents } from "../../src/sim/world";
import {
  collect,
  delay,
  gaplessFrom,
  manyTransactionsScenario,
  realScenario,
  scenariosDirWith,
  servicesFor,
  waitFor,
} from "./helpers";

test("follow() gets a paced run's events live, in seq order with no gap or duplicate, and ends when the run ends", async (t) => {
  const { services } = await servicesFor(t);
  const paceMs = 10;
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: paceMs });
  assert.equal(run.status, "RUNNING", "a paced startRun answers at once");
  assert.equal(run.pace, paceMs);

  const arrivals: number[] = [];
  const fromStart = (async () => {
    const events: TraceEvent[] = [];
    for await (const event of await services.runs.follow(run.id)) {
      events.push(event);
      arrivals.push(performance.now());
    }
    return events;
  })();
  // A second follower joins half-way, from seq 5: some events come from the store, the rest live.
  await waitFor("eight stored events", async () => ((await services.runs.getRun(run.id))?.eventCount ?? 0) >= 8);
  const late = collect(await services.runs.follow(run.id, 5));

  const [all, fromFive] = await Promise.all([fromStart, late]);
  const finished = await services.runs.getRun(run.id);
  assert.equal(finished?.status, "COMPLETED", "the followers end only when the run has ended");
  assert.equal(all.length, finished?.eventCount);
  assert.equal(gaplessFrom(all, 0), undefined);
  assert.equal(gaplessFrom(fromFive, 5), undefined);
  assert.equal(hashEvents(all), finished?.traceHash, "the followed events are the stored trace");
  assert.deepEqual(fromFive, all.slice(5));
  // Paced: event n is released n * pace ms after the start, so the events arrive spread over time.
  const spreadMs = (arrivals[arrivals.length - 1] as number) - (arrivals[0] as number);
  const expectedMs = (all.length - 1) * paceMs;
  assert.ok(spreadMs >= expectedMs * 0.8, `events arrived over ${spreadMs} ms, expected about ${expectedMs} ms`);
});

test("follow() of a finished run replays its stored events from fromSeq and ends", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-coordinator-crash" });
  const all = await collect(await services.runs.follow(run.id));
  assert.equal(all.length, run.eventCount);
  assert.equal(hashEvents(all), run.traceHash);
  assert.deepEqual(await collect(await services.runs.follow(run.id, 30)), all.slice(30));
  assert.deepEqual(await collect(await services.runs.follow(run.id, run.eventCount + 10)), []);
  await assert.rejects(
    () => services.runs.follow(run.id, -1),
    (error: unknown) =>
      error instanceof FaultlineError && error.code === "BAD_USER_INPUT" && error.argumentName === "fromSeq",
  );
  await assert.rejects(
    () => services.runs.follow("no-such-run"),
    (error: unknown) => error instanceof FaultlineError && error.code === "NOT_FOUND",
  );
});

test("a follower that is returned stops at once, even while it waits for a slow run's next event", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 10_000 });
  const follower = await services.runs.follow(run.id);
  const first = await follower.next();
  assert.equal(first.done, false);
  assert.equal((first.value as TraceEvent).seq, 0);
  const waiting = follower.next(); // event 1 is ten seconds away
  await delay(20);
  const started = performance.now();
  assert.deepEqual(await follower.return?.(), { done: true, value: undefined });
  assert.deepEqual(await waiting, { done: true, value: undefined });
  assert.ok(performance.now() - started < 500, "returning does not wait for the next event");
});

test("while a large run is simulated in a worker, the main thread keeps answering queries promptly", async (t) => {
  const transactions = 300;
  const scenariosDir = scenariosDirWith(t, {
    "transactions/2pc-many.yaml": manyTransactionsScenario(transactions),
    "transactions/2pc-happy-path.yaml": realScenario("2pc-happy-path"),
  });
  const { services } = await servicesFor(t, { scenariosDir });
  const small = await services.runs.startRun({ scenarioId: "2pc-happy-path" });
  const smallEvents = (await services.runs.events(small.id, { first: 1000 })).events;

  // The event loop's responsiveness: the largest gap between ticks of a 5 ms interval.
  let lastTick = performance.now();
  let maxTickGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxTickGapMs = Math.max(maxTickGapMs, now - lastTick);
    lastTick = now;
  }, 5);
  t.after(() => clearInterval(ticker));

  const bigDone = services.runs.startRun({ scenarioId: "2pc-many" });
  const big = (await services.runs.listRuns({ scenarioId: "2pc-many" })).runs[0];
  assert.ok(big !== undefined && big.status === "RUNNING");
  const followed = collect(await services.runs.follow(big.id));

  let answeredWhileRunning = 0;
  let slowestQueryMs = 0;
  const progress = new Set<number>();
  let finished = false;
  void bigDone.then(() => {
    finished = true;
  });
  while (!finished) {
    const status = await services.runs.getRun(big.id);
    const started = performance.now();
    const page = await services.runs.events(small.id, { first: 1000 });
    slowestQueryMs = Math.max(slowestQueryMs, performance.now() - started);
    assert.deepEqual(page.events, smallEvents);
    if (status?.status === "RUNNING") {
      answeredWhileRunning += 1;
      progress.add(status.eventCount);
    }
    await delay(10);
  }
  clearInterval(ticker);
  const done = await bigDone;
  const trace = await followed;

  t.diagnostic(
    `${done.eventCount} events; ${answeredWhileRunning} queries answered while RUNNING, slowest ` +
      `${slowestQueryMs.toFixed(1)} ms; largest event-loop tick gap ${maxTickGapMs.toFixed(1)} ms`,
  );
  assert.equal(done.status, "COMPLETED", done.error ?? "");
  assert.ok(done.eventCount > transactions * 20, `a large trace: ${done.eventCount} events`);
  assert.equal(trace.length, done.eventCount, "the follower got every event of the large run");
  assert.equal(gaplessFrom(trace, 0), undefined);
  assert.equal(hashEvents(trace), done.traceHash);
  assert.ok(answeredWhileRunning >= 5, `only ${answeredWhileRunning} queries were answered while the run was RUNNING`);
  assert.ok(
    [...progress].some((count) => count > 0 && count < done.eventCount),
    "the run's stored events grow batch by batch while it runs",
  );
  assert.ok(slowestQueryMs < 200, `a query took ${slowestQueryMs.toFixed(1)} ms during the large run`);
  assert.ok(maxTickGapMs < 250, `the event loop stalled for ${maxTickGapMs.toFixed(1)} ms during the large run`);
});
