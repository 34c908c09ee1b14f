import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { hashEvents } from "../../../src/sim/world";
import { SUPERSEDED, type FaultlineStore } from "../../../src/store/contract";
import { EVENT_BATCH_ROWS, toEventRow } from "../../../src/store";
import { addScenario, allEvents, completion, newRun, realTrace, syntheticRows, type Backend } from "./backends";

const SUPERSEDED_REFUSAL = new RegExp(SUPERSEDED);

/** What a refused write must leave: the run's rows, count and status exactly as before. */
async function unchanged(store: FaultlineStore, runId: string, count: number, status: string): Promise<void> {
  assert.equal(await store.events.count(runId), count);
  assert.equal(await store.events.lastSeq(runId), count - 1);
  const run = await store.runs.get(runId);
  assert.equal(run?.eventCount, count);
  assert.equal(run?.status, status);
}

/** Appending, completing and reading traces, and every refusal. */
export async function eventsContract(t: TestContext, backend: Backend): Promise<void> {
  await t.test("appends continue the trace; reads by range, seq, page, node and kind", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await store.runs.insert(newRun("r"));
    const rows = syntheticRows(20);
    assert.equal(await store.appendEvents("r", 0, rows.slice(0, 8)), 8);
    assert.equal(await store.appendEvents("r", 8, []), 8);
    assert.equal(await store.appendEvents("r", 8, rows.slice(8)), 20);
    await unchanged(store, "r", 20, "RUNNING");
    assert.deepEqual(
      (await store.events.range("r", 5, 3)).map((e) => e.seq),
      [5, 6, 7],
    );
    assert.deepEqual(await store.events.get("r", 4), (await store.events.range("r", 4, 1))[0]);
    assert.equal(await store.events.get("r", 99), undefined);
    assert.equal(await store.events.lastSeq("nobody"), -1);
    const page = async (query: Parameters<typeof store.events.page>[1]) =>
      (await store.events.page("r", query)).map((e) => e.seq);
    assert.deepEqual(await page({ limit: 3 }), [0, 1, 2]);
    assert.deepEqual(await page({ after: 15, limit: 10 }), [16, 17, 18, 19]);
    assert.deepEqual(await page({ node: "b", limit: 3 }), [1, 3, 5]);
    assert.deepEqual(await page({ kinds: ["SEND", "NOTE"], limit: 4 }), [0, 3, 4, 7]);
    assert.deepEqual(await page({ node: "a", kinds: ["SEND"], after: 0, limit: 2 }), [4, 8]);
    assert.deepEqual(await page({ kinds: [], limit: 2 }), [0, 1]);
  });

  await t.test(
    "refuses a gap, a duplicate, unordered rows, a finished run and an unknown run, storing nothing",
    async (t) => {
      const store = await (await backend.place(t)).owner();
      await addScenario(store);
      await store.runs.insert(newRun("r"));
      const rows = syntheticRows(10);
      await store.appendEvents("r", 0, rows.slice(0, 5));
      await assert.rejects(store.appendEvents("r", 6, rows.slice(6)), "a gap");
      await assert.rejects(store.appendEvents("r", 4, rows.slice(4)), "a duplicate");
      await assert.rejects(
        store.appendEvents(
          "r",
          5,
          [rows[5], rows[7]].map((row) => row as (typeof rows)[0]),
        ),
        "unordered",
      );
      await assert.rejects(store.appendEvents("r", 5, rows.slice(6)), "rows not starting at nextSeq");
      await unchanged(store, "r", 5, "RUNNING");
      await assert.rejects(store.appendEvents("missing", 0, rows.slice(0, 1)), "an unknown run");
      assert.equal(await store.events.count("missing"), 0);
      await store.runs.fail("r", "boom");
      await assert.rejects(store.appendEvents("r", 5, rows.slice(5)), "a FAILED run");
      await unchanged(store, "r", 5, "FAILED");
      await store.runs.insert(newRun("done"));
      await store.completeRun("done", 0, rows.slice(0, 2), [], completion(2));
      await assert.rejects(store.appendEvents("done", 2, rows.slice(2, 3)), "a COMPLETED run");
      await unchanged(store, "done", 2, "COMPLETED");
    },
  );

  await t.test("completeRun stores the last rows, violations and COMPLETED together, or nothing", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await store.runs.insert(newRun("r"));
    const rows = syntheticRows(12);
    await store.appendEvents("r", 0, rows.slice(0, 6));
    const violations = [
      { invariant: "agreement", seq: 3, message: "a and b decided differently" },
      { invariant: "validity", seq: 9, message: "b decided a value nobody proposed" },
    ];
    await assert.rejects(store.completeRun("r", 6, rows.slice(6), violations, completion(13)), "a count mismatch");
    await unchanged(store, "r", 6, "RUNNING");
    assert.deepEqual(await store.violations.list("r"), []);
    await assert.rejects(store.completeRun("r", 7, rows.slice(7), violations, completion(12)), "a gap");
    await unchanged(store, "r", 6, "RUNNING");
    const done = completion(12, {
      finalNodes: '[{"node":"a"}]',
      traceHash: "b".repeat(64),
      linearizability: '{"ok":1}',
    });
    await store.completeRun("r", 6, rows.slice(6), violations, done);
    await unchanged(store, "r", 12, "COMPLETED");
    assert.deepEqual(await store.violations.list("r"), violations);
    const run = await store.runs.get("r");
    assert.deepEqual(
      [run?.traceHash, run?.stopReason, run?.finishedAt],
      [done.traceHash, done.stopReason, done.finishedAt],
    );
    assert.equal((await store.runs.source("r"))?.finalNodes, '[{"node":"a"}]');
    assert.deepEqual(await store.verdicts.get("r"), { linearizability: '{"ok":1}', serializability: null });
    await assert.rejects(store.completeRun("r", 12, [], [], completion(12)), "a second completion");
  });

  await t.test("insertCompletedRun stores a whole run with its owner, or nothing", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    const student = await store.grading.createStudent("Grace");
    const rows = syntheticRows(30);
    const violations = [{ invariant: "safety", seq: 2, message: "two leaders" }];
    await assert.rejects(store.insertCompletedRun(newRun("bad"), null, rows, [], completion(31)));
    assert.equal(await store.runs.get("bad"), undefined);
    await store.insertCompletedRun(newRun("imported"), student.id, rows, violations, completion(30));
    const run = await store.runs.get("imported");
    assert.deepEqual([run?.status, run?.eventCount], ["COMPLETED", 30]);
    assert.equal(await store.grading.runOwner("imported"), student.id);
    assert.deepEqual(await store.violations.list("imported"), violations);
    assert.deepEqual((await allEvents(store, "imported")).map(toEventRow), rows);
  });

  await t.test("a real trace and odd text come back identical; batches of EVENT_BATCH_ROWS", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    const { events, traceHash } = realTrace();
    await store.runs.insert(newRun("real"));
    const rows = events.map(toEventRow);
    await store.completeRun("real", 0, rows, [], completion(rows.length, { traceHash }));
    const back = await allEvents(store, "real");
    assert.deepEqual(back, events);
    assert.deepEqual(back.map(toEventRow), rows, "vclock and data text round-trip byte for byte");
    assert.equal(hashEvents(back), traceHash);

    await store.runs.insert(newRun("big"));
    const big = syntheticRows(EVENT_BATCH_ROWS * 3);
    for (let from = 0; from < big.length; from += EVENT_BATCH_ROWS) {
      await store.appendEvents("big", from, big.slice(from, from + EVENT_BATCH_ROWS));
    }
    assert.deepEqual((await allEvents(store, "big")).map(toEventRow), big);
  });

  await t.test("takeOver empties a RUNNING run's trace for a new try and fences the earlier ones off", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await store.runs.insert(newRun("r"));
    const rows = syntheticRows(9);
    // A first try (token 1) writes part of the trace, then stalls.
    assert.equal(await store.runs.takeOver("r"), 1);
    assert.equal(await store.appendEvents("r", 0, rows.slice(0, 4), 1), 4);
    // The queue gives the job to another worker: token 2, the trace from seq 0 again.
    assert.equal(await store.runs.takeOver("r"), 2);
    await unchanged(store, "r", 0, "RUNNING");
    // The stalled try wakes up: its append and its completion are refused, and store nothing.
    await assert.rejects(() => store.appendEvents("r", 4, rows.slice(4), 1), SUPERSEDED_REFUSAL);
    await assert.rejects(() => store.completeRun("r", 0, rows, [], completion(9), 1), SUPERSEDED_REFUSAL);
    await unchanged(store, "r", 0, "RUNNING");
    // The new try writes the whole trace and completes it.
    assert.equal(await store.appendEvents("r", 0, rows.slice(0, 5), 2), 5);
    await store.completeRun("r", 5, rows.slice(5), [], completion(9), 2);
    await unchanged(store, "r", 9, "COMPLETED");
    assert.equal(await store.runs.takeOver("r"), -1);
    await unchanged(store, "r", 9, "COMPLETED");
    assert.equal(await store.runs.takeOver("missing"), -1);
  });
}
