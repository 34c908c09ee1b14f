import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { addScenario, completion, newRun, type Backend } from "./backends";

/** Opening, migrations, scenarios, runs and their status rules, verdicts and the shared secret. */
export async function runsContract(t: TestContext, backend: Backend): Promise<void> {
  await t.test(
    "owner migrates once; beside and writer open a migrated store; writer refuses an unmigrated one",
    async (t) => {
      const place = await backend.place(t);
      await assert.rejects(place.open("writer"));
      const first = await place.open("owner");
      assert.equal(first.migrations.from, 0);
      assert.ok(first.migrations.to > 0);
      assert.deepEqual(
        first.migrations.applied,
        Array.from({ length: first.migrations.to }, (_, i) => i + 1),
      );
      assert.equal(first.interruptedRuns, 0);
      const again = await place.open("owner");
      assert.deepEqual(again.migrations.applied, []);
      await place.open("beside");
      const writer = await place.open("writer");
      assert.equal(writer.store.kind, backend.name);
    },
  );

  await t.test("scenarios: upsert refreshes, ad-hoc ones stay out of list and are never overwritten", async (t) => {
    const store = await (await backend.place(t)).owner();
    const scenario = (id: string, topic: string, title = "T") => ({
      id,
      title,
      topic,
      protocol: "echo",
      source: `id: ${id}`,
    });
    await store.scenarios.upsertAll(
      [scenario("b", "raft"), scenario("a", "raft"), scenario("z", "Zeta")],
      "2026-01-01T00:00:00.000Z",
    );
    await store.scenarios.upsertAll([scenario("a", "raft", "Renamed")], "2026-02-01T00:00:00.000Z");
    await store.scenarios.insertAdhoc(scenario("adhoc-1", "adhoc", "First"));
    await store.scenarios.insertAdhoc(scenario("adhoc-1", "adhoc", "Second"));
    assert.deepEqual(
      (await store.scenarios.list()).map((s) => [s.topic, s.id, s.title, s.loadedAt]),
      [
        ["Zeta", "z", "T", "2026-01-01T00:00:00.000Z"],
        ["raft", "a", "Renamed", "2026-02-01T00:00:00.000Z"],
        ["raft", "b", "T", "2026-01-01T00:00:00.000Z"],
      ],
    );
    const adhoc = await store.scenarios.get("adhoc-1");
    assert.equal(adhoc?.title, "First");
    assert.equal(adhoc?.contentHash.length, 64);
    assert.equal(await store.scenarios.get("missing"), undefined);
  });

  await t.test("runs: insert, get, source, number order, list pages and filters, count", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await addScenario(store, "other");
    const student = await store.grading.createStudent("Ada");
    const a = await store.runs.insert(newRun("run-a", { seed: 4294967295, pace: 5 }));
    const b = await store.runs.insert(newRun("run-b", { scenarioId: "other", ownerStudentId: student.id }));
    const c = await store.runs.insert(newRun("run-c", { parentId: "run-a", forkedAt: 3, schedule: '[{"at":1}]' }));
    assert.equal(typeof a.number, "number");
    assert.ok(a.number < b.number && b.number < c.number);
    assert.deepEqual(await store.runs.get("run-a"), a);
    assert.equal(a.status, "RUNNING");
    assert.equal(a.seed, 4294967295);
    assert.equal(a.pace, 5);
    assert.equal(a.eventCount, 0);
    assert.equal(c.parentId, "run-a");
    assert.equal(c.forkedAt, 3);
    assert.equal(await store.runs.get("nope"), undefined);
    assert.deepEqual(await store.runs.source("run-c"), {
      scenarioSource: newRun("x").scenarioSource,
      scenarioFile: "transactions/echo-demo.yaml",
      seed: 7,
      finalNodes: null,
      schedule: '[{"at":1}]',
    });
    const ids = async (query: Parameters<typeof store.runs.list>[0]) => (await store.runs.list(query)).map((r) => r.id);
    assert.deepEqual(await ids({ limit: 10 }), ["run-c", "run-b", "run-a"]);
    assert.deepEqual(await ids({ limit: 1, beforeNumber: c.number }), ["run-b"]);
    assert.deepEqual(await ids({ limit: 10, scenarioId: "echo-demo" }), ["run-c", "run-a"]);
    assert.deepEqual(await ids({ limit: 10, scenarioId: "echo-demo", beforeNumber: c.number }), ["run-a"]);
    assert.deepEqual(await ids({ limit: 10, owner: { student: null } }), ["run-c", "run-a"]);
    assert.deepEqual(await ids({ limit: 10, owner: { student: student.id } }), ["run-c", "run-b", "run-a"]);
    assert.equal(await store.runs.count(), 3);
    assert.equal(await store.runs.count("other"), 1);
    assert.equal(await store.runs.count(undefined, { student: null }), 2);
    assert.equal(await store.runs.count("other", { student: "someone-else" }), 0);
    assert.equal(await store.grading.runOwner("run-b"), student.id);
    await assert.rejects(store.runs.insert(newRun("run-a")), "a run id is unique");
    await assert.rejects(store.runs.insert(newRun("bad-seed", { seed: -1 })), "the seed CHECK refuses");
  });

  await t.test("status changes only from RUNNING; failAllRunning and runningIds", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    for (const id of ["done", "failed", "left-1", "left-2"]) await store.runs.insert(newRun(id, { seed: 11 }));
    assert.equal(await store.runs.setSchedule("done", '[{"x":1}]'), true);
    assert.equal(await store.runs.setPace("done", 20), true);
    assert.equal(await store.runs.complete("done", completion(0, { linearizability: "null" })), true);
    assert.equal(await store.runs.complete("done", completion(0)), false);
    assert.equal(await store.runs.fail("done", "late"), false);
    assert.equal(await store.runs.setPace("done", 30), false);
    assert.equal(await store.runs.setSchedule("done", "[]"), false);
    assert.equal(await store.runs.fail("failed", "boom", "2026-03-01T00:00:00.000Z"), true);
    assert.equal(await store.runs.complete("failed", completion(0)), false);
    assert.deepEqual((await store.runs.runningIds()).sort(), ["left-1", "left-2"]);
    assert.equal(await store.runs.failAllRunning("server stopped", "2026-03-02T00:00:00.000Z"), 2);
    assert.deepEqual(await store.runs.runningIds(), []);
    const done = await store.runs.get("done");
    assert.equal(done?.status, "COMPLETED");
    assert.equal(done?.pace, 20);
    assert.equal((await store.runs.source("done"))?.schedule, '[{"x":1}]');
    assert.deepEqual(await store.verdicts.get("done"), { linearizability: "null", serializability: null });
    const failed = await store.runs.get("failed");
    assert.deepEqual(
      [failed?.status, failed?.error, failed?.finishedAt],
      ["FAILED", "boom", "2026-03-01T00:00:00.000Z"],
    );
    const left = await store.runs.get("left-1");
    assert.equal(left?.status, "FAILED");
    assert.equal(left?.finishedAt, "2026-03-02T00:00:00.000Z");
    assert.ok(left?.error?.startsWith("server stopped") && left.error.includes("11"), "the error keeps the seed");
  });

  await t.test("verdicts fill only a finished run's empty columns", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await store.runs.insert(newRun("r"));
    assert.equal(await store.verdicts.fill("r", { linearizability: '{"ok":true}', serializability: null }), false);
    await store.runs.complete("r", completion(0, { serializability: '{"s":1}' }));
    assert.equal(await store.verdicts.fill("r", { linearizability: '{"ok":true}', serializability: '{"s":2}' }), true);
    assert.deepEqual(await store.verdicts.get("r"), { linearizability: '{"ok":true}', serializability: '{"s":1}' });
    assert.equal(await store.verdicts.get("missing"), undefined);
  });

  await t.test("sharedSecret: created once, the same from every store, per name", async (t) => {
    const place = await backend.place(t);
    const stores = [
      await place.owner(),
      ...(await Promise.all([1, 2, 3].map(async () => (await place.open("beside")).store))),
    ];
    const values = await Promise.all(
      stores.flatMap((store) => [store.sharedSecret("seed"), store.sharedSecret("seed")]),
    );
    assert.equal(new Set(values).size, 1);
    assert.match(values[0] as string, /^[0-9a-f]{64}$/);
    assert.notEqual(await stores[0]?.sharedSecret("other"), values[0]);
  });
}
