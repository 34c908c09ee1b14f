import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { FaultlineStore } from "../../../src/store/contract";
import { addScenario, completion, newRun, syntheticRows, type Backend } from "./backends";

/** A COMPLETED run with n events and one violation. */
async function finishedRun(store: FaultlineStore, id: string, n = 5, extra: Parameters<typeof newRun>[1] = {}) {
  await store.runs.insert(newRun(id, extra));
  await store.completeRun(id, 0, syntheticRows(n), [{ invariant: "i", seq: 0, message: "m" }], completion(n));
}

/** A submission whose feedback links to the run (as grading's variant runs are linked). */
async function linkSubmission(store: FaultlineStore, runId: string): Promise<void> {
  const student = await store.grading.createStudent("Linker");
  const assignment = await store.grading.createAssignment("A", "{}");
  const feedback = JSON.stringify([{ runId }, { runId: null }, { runId: "no-such-run" }, { note: 1 }]);
  const stored = await store.grading.insertSubmission(
    { assignmentId: assignment.id, studentId: student.id, seeds: "[]", answers: "{}", score: 1, maxScore: 2, feedback },
    null,
  );
  assert.notEqual(stored, "attempts-used");
}

/** Deleting runs (cascade and refusals), reclaiming traces, retention, sources, statistics. */
export async function diskContract(t: TestContext, backend: Backend): Promise<void> {
  await t.test("deleteRun cascades, keeps shared sources, and refuses running, linked and forked runs", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await finishedRun(store, "parent");
    await finishedRun(store, "fork", 3, { parentId: "parent", forkedAt: 2 });
    await finishedRun(store, "linked");
    await finishedRun(store, "lonely", 4, { scenarioSource: "id: lonely\n" });
    await store.runs.insert(newRun("running"));
    await linkSubmission(store, "linked");
    assert.equal(await store.disk.linkedSubmissions("linked"), 1);
    assert.equal(await store.disk.forks("parent"), 1);
    assert.equal(await store.disk.eventCount("lonely"), 4);
    assert.equal(await store.disk.eventCount("missing"), 0);
    assert.equal(await store.disk.deleteRun("missing"), "not-found");
    assert.equal(await store.disk.deleteRun("running"), "running");
    assert.equal(await store.disk.deleteRun("linked"), "linked");
    assert.equal(await store.disk.deleteRun("parent"), "forked");
    for (const id of ["running", "linked", "parent"]) assert.notEqual(await store.runs.get(id), undefined);
    const before = await store.disk.stats();
    assert.equal(await store.disk.deleteRun("lonely"), "deleted");
    assert.equal(await store.runs.get("lonely"), undefined);
    assert.equal(await store.events.count("lonely"), 0);
    assert.deepEqual(await store.violations.list("lonely"), []);
    assert.equal(await store.verdicts.get("lonely"), undefined);
    const after = await store.disk.stats();
    assert.equal(after.sources, before.sources - 1, "its source went with it: no other run named it");
    assert.equal(after.events, before.events - 4);
    assert.equal(await store.disk.deleteRun("fork"), "deleted");
    assert.equal(await store.disk.deleteRun("parent"), "deleted");
    assert.equal((await store.disk.stats()).sources, after.sources, "the shared source stays for the others");
    assert.notEqual(await store.runs.source("linked"), undefined);
    assert.equal(await store.disk.deleteUnusedSources(), 0);
  });

  await t.test("reclaimTrace empties only FAILED runs; failedTraces finds them by finish time", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    for (const id of ["old", "new", "empty", "running"]) {
      await store.runs.insert(newRun(id));
      if (id !== "empty") await store.appendEvents(id, 0, syntheticRows(6));
    }
    await store.runs.fail("old", "boom", "2026-01-01T00:00:00.000Z");
    await store.runs.fail("new", "boom", "2026-06-01T00:00:00.000Z");
    await store.runs.fail("empty", "boom", "2026-01-01T00:00:00.000Z");
    await finishedRun(store, "done");
    assert.deepEqual(await store.disk.failedTraces("2026-03-01T00:00:00.000Z", 10), ["old"]);
    assert.deepEqual(await store.disk.failedTraces("2026-07-01T00:00:00.000Z", 1), ["old"]);
    assert.equal(await store.disk.reclaimTrace("old"), 6);
    assert.deepEqual([(await store.runs.get("old"))?.eventCount, await store.events.count("old")], [0, 0]);
    assert.equal((await store.runs.get("old"))?.error, "boom");
    assert.equal(await store.disk.reclaimTrace("running"), 0);
    assert.equal(await store.disk.reclaimTrace("done"), 0);
    assert.equal(await store.events.count("running"), 6);
    assert.equal(await store.events.count("done"), 5);
    assert.deepEqual(await store.disk.failedTraces("2026-07-01T00:00:00.000Z", 10), ["new"]);
  });

  await t.test(
    "expiredRuns: newest per scenario and age rules; never running, owned, linked or forked runs",
    async (t) => {
      const store = await (await backend.place(t)).owner();
      await addScenario(store);
      await addScenario(store, "other");
      const student = await store.grading.createStudent("Owner");
      const old = "2026-01-01T00:00:00.000Z";
      const recent = "2026-11-20T00:00:00.000Z";
      await finishedRun(store, "e1", 1, { createdAt: old });
      await finishedRun(store, "e2", 1, { createdAt: old, ownerStudentId: student.id });
      await finishedRun(store, "e3", 1, { createdAt: old });
      await finishedRun(store, "e4", 1, { createdAt: old, parentId: "e3" });
      await finishedRun(store, "e5", 1, { createdAt: old });
      await store.runs.insert(newRun("e6", { createdAt: old }));
      await finishedRun(store, "e7", 1, { createdAt: recent });
      await finishedRun(store, "o1", 1, { createdAt: old, scenarioId: "other" });
      await finishedRun(store, "o2", 1, { createdAt: recent, scenarioId: "other" });
      await linkSubmission(store, "e5");
      const now = new Date("2026-11-27T00:00:00.000Z");
      const expired = (policy: { keepRunsPerScenario?: number; keepRunsDays?: number }, limit = 100) =>
        store.disk.expiredRuns({ failedTraceMinutes: 60, ...policy }, now, limit);
      assert.deepEqual(await expired({}), []);
      assert.deepEqual(await expired({ keepRunsPerScenario: 2 }), ["e1", "e4"]);
      assert.deepEqual(await expired({ keepRunsPerScenario: 1 }), ["e1", "e4", "o1"]);
      assert.deepEqual(await expired({ keepRunsDays: 30 }), ["e1", "e4", "o1"]);
      assert.deepEqual(await expired({ keepRunsDays: 1 }), ["e1", "e4", "e7", "o1", "o2"]);
      assert.deepEqual(await expired({ keepRunsDays: 30, keepRunsPerScenario: 4 }), ["e1"]);
      assert.deepEqual(await expired({ keepRunsDays: 1 }, 2), ["e1", "e4"]);
    },
  );

  await t.test("stats count what is stored; compact runs", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await finishedRun(store, "a", 7);
    await finishedRun(store, "b", 3, { scenarioSource: "id: b\n" });
    await store.runs.insert(newRun("c"));
    await linkSubmission(store, "a");
    const stats = await store.disk.stats();
    assert.deepEqual([stats.runs, stats.events, stats.violations, stats.sources, stats.submissions], [3, 10, 2, 2, 1]);
    assert.equal(stats.sourceBytes, Buffer.byteLength(newRun("x").scenarioSource) + Buffer.byteLength("id: b\n"));
    assert.ok(stats.bytes > 0);
    assert.ok(stats.freeBytes >= 0);
    await store.disk.compact();
    assert.equal((await store.disk.stats()).events, 10);
  });
}
