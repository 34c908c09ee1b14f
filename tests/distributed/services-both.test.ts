import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
import { CatalogScenarioService, createServices, WorkerRunService, type Services } from "../../src/runs";
import { openRunQueue } from "../../src/queue";
import { openFaultlineStore } from "../../src/store/open";
import type { TraceEvent } from "../../src/sim/types";
import { clusterUnavailable, freshDatabase } from "./cluster";

// The run engine and grading over the store interface, one suite against both stores
// (issue 13: "the same store and service tests run against both stores"): the embedded
// SQLite file, and PostgreSQL with its durable queue (role all: this process serves and
// works the queue). Whatever the store, a scenario and seed give the same trace.

const SCENARIOS_DIR = join(projectRoot, "scenarios");
const SCENARIO = "raft-leader-election";
const SEED = 3;
const TRACE_HASH = "2a8cdef12bc72a162f7dc5ddc2519960d11a0332f4184728960db4a81edcfc57";
const EVENTS = 365;
const INSTRUCTOR = { role: "instructor" } as const;

type Open = (t: { after(fn: () => Promise<void> | void): void }) => Promise<Services | string>;

const stores: Record<string, Open> = {
  sqlite: async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-both-"));
    const services = await createServices({ dbPath: join(dir, "f.db"), scenariosDir: SCENARIOS_DIR, report() {} });
    t.after(async () => {
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return services;
  },
  postgres: async (t) => {
    const unavailable = await clusterUnavailable();
    if (unavailable !== undefined) return unavailable;
    const db = await freshDatabase();
    const services = await createServices({ dbPath: db.url, scenariosDir: SCENARIOS_DIR, report() {}, env: {} });
    t.after(async () => {
      await services.close();
      await db.drop();
    });
    return services;
  },
};

async function all(iterator: AsyncIterable<TraceEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const event of iterator) seqs.push(event.seq);
  return seqs;
}

const EVERY_SEQ = Array.from({ length: EVENTS }, (_, i) => i);

for (const [kind, open] of Object.entries(stores)) {
  describe(`the run engine and grading on ${kind}`, () => {
    test("runs, followers, steering, forks and ad-hoc scenarios give the same traces", async (t) => {
      const services = await open(t);
      if (typeof services === "string") return t.skip(services);
      const { runs } = services;

      // Twelve unpaced runs at once: every one COMPLETED with the one trace (seed printed on failure).
      const many = await Promise.all(
        Array.from({ length: 12 }, () => runs.startRun({ scenarioId: SCENARIO, seed: SEED })),
      );
      for (const run of many) {
        assert.equal(run.status, "COMPLETED", `run ${run.id} seed=${SEED}: ${run.error}`);
        assert.equal(run.traceHash, TRACE_HASH, `run ${run.id} seed=${SEED}`);
        assert.equal(run.eventCount, EVENTS);
      }
      const page = await runs.events((many[0] as { id: string }).id, { first: 5, after: 359 });
      assert.deepEqual(
        page.events.map((event) => event.seq),
        [360, 361, 362, 363, 364],
      );
      assert.equal(page.hasMore, false);

      // A paced run with ten followers: each sees every event once, in order.
      const paced = await runs.startRun({ scenarioId: SCENARIO, seed: SEED, pace: 2 });
      const followers = await Promise.all(Array.from({ length: 10 }, () => runs.follow(paced.id)));
      for (const seqs of await Promise.all(followers.map(all))) assert.deepEqual(seqs, EVERY_SEQ, `seed=${SEED}`);
      assert.equal((await runs.getRun(paced.id))?.traceHash, TRACE_HASH);

      // Paused, stepped and resumed: the trace does not change.
      const steered = await runs.startRun({ scenarioId: SCENARIO, seed: SEED, pace: 100 });
      for (let tries = 0; (await runs.getRun(steered.id))?.eventCount === 0 && tries < 400; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const paused = await runs.pauseRun(steered.id);
      assert.equal(paused.paused, true);
      const stepped = await runs.stepRun(steered.id, 4);
      assert.equal(stepped.paused, true);
      assert.equal(stepped.eventCount, paused.eventCount + 4);
      await runs.setPace(steered.id, 1);
      await runs.resumeRun(steered.id);
      const followed = await all(await runs.follow(steered.id));
      assert.deepEqual(followed, EVERY_SEQ);
      assert.equal((await runs.getRun(steered.id))?.traceHash, TRACE_HASH);

      // A fork without faults reproduces its parent; a replay meets the stored event.
      const parent = many[1] as { id: string };
      const fork = await runs.forkRun(parent.id, 100);
      assert.equal(fork.traceHash, TRACE_HASH);
      assert.equal(await runs.divergesAt(parent.id, fork.id), null);
      assert.equal((await runs.nodesAt(parent.id, 200)).length, 5);

      // A cancelled paced run keeps its stored events; an ad-hoc scenario is stored by its content.
      const doomed = await runs.startRun({ scenarioId: SCENARIO, seed: SEED, pace: 50 });
      const cancelled = await runs.cancelRun(doomed.id);
      assert.equal(cancelled.status, "FAILED");
      const yaml = services.scenarios.get(SCENARIO)?.source.replace(`id: ${SCENARIO}`, "id: my-election") ?? "";
      const adhoc = await runs.runScenario(yaml, SEED);
      assert.equal(adhoc.status, "COMPLETED");
      assert.equal(adhoc.eventCount, EVENTS);

      const listed = await runs.listRuns({ first: 100 });
      assert.equal(listed.totalCount, 12 + 1 + 1 + 1 + 1 + 1);
    });

    test("grading and deleting: submissions graded from the student's own run, attempts counted once", async (t) => {
      const services = await open(t);
      if (typeof services === "string") return t.skip(services);
      const { grading } = services;
      const { student, token } = await grading.createStudent(INSTRUCTOR, "Ada");
      assert.deepEqual(await services.identify(`Bearer ${token}`), { role: "student", studentId: student.id });
      const assignment = await grading.createAssignment(INSTRUCTOR, {
        title: "2PC",
        scenarioIds: ["2pc-coordinator-crash"],
        maxAttempts: 3,
        personalSeeds: true,
      });
      const who = { role: "student", studentId: student.id } as const;
      const answers = [{ questionId: "2pc-coordinator-crash/who-crashed", value: "coord" }];
      // Five at once with three attempts allowed: exactly three are stored.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () => grading.submitAnswers(who, assignment.id, answers)),
      );
      assert.equal(outcomes.filter((outcome) => outcome.status === "fulfilled").length, 3);
      const book = await grading.gradebook(INSTRUCTOR, assignment.id);
      assert.equal(book[0]?.attempts, 3);
      const view = await grading.assignment(who, assignment.id);
      const variant = view?.items[0]?.runId;
      assert.ok(variant !== undefined && variant !== null);
      assert.equal(await grading.canReadRun({ role: "anonymous" }, variant), false);

      const free = await services.runs.startRun({ scenarioId: SCENARIO, seed: SEED });
      assert.equal(await services.disk.deleteRun(INSTRUCTOR, free.id), true);
      assert.equal(await services.runs.getRun(free.id), undefined);
    });
  });
}

test("a run that cannot be queued fails at once with its seed; it is never left RUNNING", async (t) => {
  const unavailable = await clusterUnavailable();
  if (unavailable !== undefined) return t.skip(unavailable);
  const db = await freshDatabase();
  const { store } = await openFaultlineStore(db.url, "owner");
  const scenarios = new CatalogScenarioService(SCENARIOS_DIR, () => undefined);
  await scenarios.saveTo(store);
  // A real pg-boss queue that has been closed: every enqueue is refused.
  const queue = await openRunQueue(db.url, { pollSeconds: 0.5 });
  await queue.close();
  const runs = new WorkerRunService({ store, dbPath: db.url, scenarios, queue, maxRunWorkers: 1, maxPacedRuns: 1 });
  t.after(async () => {
    await runs.close();
    await db.drop();
  });
  await assert.rejects(() => runs.startRun({ scenarioId: SCENARIO, seed: SEED }));
  const listed = await runs.listRuns({});
  assert.equal(listed.totalCount, 1);
  const [run] = listed.runs;
  assert.equal(run?.status, "FAILED");
  assert.match(run?.error ?? "", new RegExp(`seed=${SEED}`));
});
