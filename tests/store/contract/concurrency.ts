import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { toEventRow } from "../../../src/store";
import { addScenario, allEvents, completion, newRun, syntheticRows, type Backend } from "./backends";

const RUNS = 16;
const BATCHES = 8;
const BATCH_ROWS = 500;

/** Many writers at once, each with its own store (as worker threads and worker processes have). */
export async function concurrencyContract(t: TestContext, backend: Backend): Promise<void> {
  await t.test(`${RUNS} runs appended at once from ${RUNS} writer stores: nothing lost, seq gap-free`, async (t) => {
    const place = await backend.place(t);
    const owner = await place.owner();
    await addScenario(owner);
    const ids = Array.from({ length: RUNS }, (_, i) => `run-${i}`);
    for (const id of ids) await owner.runs.insert(newRun(id));
    const writers = await Promise.all(ids.map(async () => (await place.open("writer")).store));
    const rows = syntheticRows(BATCHES * BATCH_ROWS);
    await Promise.all(
      ids.map(async (id, i) => {
        const writer = writers[i] ?? owner;
        let next = 0;
        for (let batch = 0; batch < BATCHES - 1; batch++) {
          next = await writer.appendEvents(id, next, rows.slice(next, next + BATCH_ROWS));
        }
        await writer.completeRun(id, next, rows.slice(next), [], completion(rows.length));
      }),
    );
    for (const id of ids) {
      const run = await owner.runs.get(id);
      assert.deepEqual([run?.status, run?.eventCount], ["COMPLETED", rows.length], id);
      const events = await allEvents(owner, id);
      assert.equal(events.length, rows.length, id);
      assert.ok(
        events.every((event, seq) => event.seq === seq),
        `${id}: seq runs 0, 1, 2, ... with no gap`,
      );
    }
    assert.deepEqual((await allEvents(owner, "run-5")).map(toEventRow), rows);
    assert.equal((await owner.disk.stats()).events, RUNS * rows.length);
  });

  await t.test("8 writers racing to append the same seqs of one run: each seq stored once", async (t) => {
    const place = await backend.place(t);
    const owner = await place.owner();
    await addScenario(owner);
    await owner.runs.insert(newRun("contested"));
    const writers = await Promise.all(Array.from({ length: 8 }, async () => (await place.open("writer")).store));
    const rows = syntheticRows(400);
    // Every writer tries to write every batch; for each batch exactly one may win.
    let accepted = 0;
    for (let from = 0; from < rows.length; from += 100) {
      const outcomes = await Promise.allSettled(
        writers.map((writer) => writer.appendEvents("contested", from, rows.slice(from, from + 100))),
      );
      const won = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
      assert.equal(won, 1, `batch from ${from}: one writer stores it, the others are refused`);
      accepted += won;
    }
    assert.equal(accepted, 4);
    assert.deepEqual((await allEvents(owner, "contested")).map(toEventRow), rows);
    assert.equal((await owner.runs.get("contested"))?.eventCount, rows.length);
  });

  await t.test("deleting a run while another store inserts a run of the same source keeps that source", async (t) => {
    const place = await backend.place(t);
    const owner = await place.owner();
    const other = (await place.open("beside")).store;
    await addScenario(owner);
    const rounds = Array.from({ length: 20 }, (_, i) => i);
    for (const i of rounds) {
      await owner.runs.insert(newRun(`old-${i}`, { scenarioSource: `id: shared-${i}\n` }));
      await owner.runs.fail(`old-${i}`, "done with it");
    }
    const outcomes = await Promise.all(
      rounds.map(async (i) => {
        const [deleted] = await Promise.all([
          owner.disk.deleteRun(`old-${i}`),
          other.runs.insert(newRun(`new-${i}`, { scenarioSource: `id: shared-${i}\n` })),
        ]);
        return deleted;
      }),
    );
    assert.deepEqual(new Set(outcomes), new Set(["deleted"]));
    for (const i of rounds) {
      assert.equal((await owner.runs.source(`new-${i}`))?.scenarioSource, `id: shared-${i}\n`);
      assert.equal(await owner.runs.get(`old-${i}`), undefined);
    }
    assert.equal((await owner.disk.stats()).sources, rounds.length);
  });

  await t.test("four stores loading the catalogue at once, in different orders, all finish", async (t) => {
    const place = await backend.place(t);
    const stores = [
      await place.owner(),
      ...(await Promise.all([1, 2, 3].map(async () => (await place.open("beside")).store))),
    ];
    const catalogue = Array.from({ length: 30 }, (_, i) => ({
      id: `s-${String(i).padStart(2, "0")}`,
      title: `Scenario ${i}`,
      topic: "raft",
      protocol: "raft",
      source: `id: s-${i}\n`,
    }));
    await Promise.all(
      stores.map((store, i) => store.scenarios.upsertAll(i % 2 === 0 ? catalogue : [...catalogue].reverse())),
    );
    assert.deepEqual(
      (await stores[0]?.scenarios.list())?.map((scenario) => scenario.id),
      catalogue.map((scenario) => scenario.id),
    );
  });

  await t.test("four stores migrating an empty database at once apply each migration exactly once", async (t) => {
    const place = await backend.place(t);
    const opened = await Promise.all([1, 2, 3, 4].map(() => place.open("owner")));
    const applied = opened.flatMap((result) => result.migrations.applied).sort((a, b) => a - b);
    const latest = opened[0]?.migrations.to ?? 0;
    assert.ok(latest > 0);
    assert.deepEqual(
      applied,
      Array.from({ length: latest }, (_, i) => i + 1),
    );
    assert.ok(opened.every((result) => result.migrations.to === latest));
    const store = opened[3]?.store;
    assert.ok(store !== undefined);
    await addScenario(store);
    await store.runs.insert(newRun("works"));
    assert.equal((await opened[0]?.store.runs.get("works"))?.id, "works");
  });
}
