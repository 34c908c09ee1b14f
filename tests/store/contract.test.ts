import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { toEventRow } from "../../src/store";
import { openPgStore } from "../../src/store/pg";
import { pgReachable, pgSkipReason, pgUrl } from "../support/pg";
import {
  addScenario,
  allEvents,
  completion,
  newRun,
  postgresBackend,
  realTrace,
  sqliteBackend,
  syntheticRows,
  type Backend,
} from "./contract/backends";
import { concurrencyContract } from "./contract/concurrency";
import { diskContract } from "./contract/disk";
import { eventsContract } from "./contract/events";
import { gradingContract } from "./contract/grading";
import { runsContract } from "./contract/runs";

/**
 * The store contract (src/store/contract.ts): ONE suite, run against both stores, so the
 * SQLite file and PostgreSQL answer every call the same way and keep the same rules.
 * The PostgreSQL half needs a server (DATABASE_URL, default the local one) and is skipped,
 * saying so, when none answers.
 */
async function contract(t: TestContext, backend: Backend): Promise<void> {
  await runsContract(t, backend);
  await eventsContract(t, backend);
  await diskContract(t, backend);
  await gradingContract(t, backend);
  await concurrencyContract(t, backend);
}

test("store contract: sqlite", (t) => contract(t, sqliteBackend));

test("store contract: postgres", async (t) => {
  if (!(await pgReachable())) {
    t.skip(pgSkipReason());
    return;
  }
  await contract(t, postgresBackend);
});

test("both stores return the same trace, runs and violations for the same writes", async (t) => {
  if (!(await pgReachable())) {
    t.skip(pgSkipReason());
    return;
  }
  const { events, traceHash } = realTrace();
  const rows = [...events.map(toEventRow)];
  const tail = syntheticRows(50, rows.length);
  const violations = [{ invariant: "agreement", seq: 1, message: 'é " \\ 🙂' }];
  const results = [];
  for (const backend of [sqliteBackend, postgresBackend]) {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    await store.runs.insert(newRun("same", { createdAt: "2026-11-27T10:00:00.000Z", seed: 42 }));
    await store.appendEvents("same", 0, rows);
    const all = [...rows, ...tail];
    await store.completeRun(
      "same",
      rows.length,
      tail,
      violations,
      completion(all.length, { traceHash, finishedAt: "2026-11-27T10:00:01.000Z" }),
    );
    const { number: _number, ...run } = (await store.runs.get("same")) ?? assert.fail("the run is stored");
    results.push({
      run,
      rows: (await allEvents(store, "same")).map(toEventRow),
      violations: await store.violations.list("same"),
      source: await store.runs.source("same"),
    });
  }
  assert.deepEqual(results[1], results[0]);
});

test("postgres: an unreachable server is refused naming the URL, never the password", async () => {
  const url = new URL(pgUrl());
  url.password = "s3cret-word";
  url.port = "1";
  await assert.rejects(openPgStore(url.toString(), "owner"), (error: Error) => {
    assert.ok(!error.message.includes("s3cret-word"), error.message);
    assert.ok(error.message.includes(`${url.hostname}:1`), error.message);
    return true;
  });
});
