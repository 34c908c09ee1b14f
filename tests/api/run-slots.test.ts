import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphQLError } from "graphql";
import { DEFAULT_LIMITS } from "../../src/api/limits/config";
import { RunSlots } from "../../src/api/limits/slots";
import type { FaultlineStore } from "../../src/store/contract";
import { openFaultlineStore } from "../../src/store/open";

// RunSlots counts a client's runs in progress; whether a paced run still runs is read
// from the store, which is asynchronous now. Many requests of one client at once must
// never get more slots than the limit, whatever the store's reads interleave with.

const RUNS_PER_CLIENT = 3;
const SOURCE = "id: slots-demo\ntitle: Slots\n";

async function memoryStore(t: { after(fn: () => Promise<void>): void }): Promise<FaultlineStore> {
  const { store } = await openFaultlineStore(":memory:", "owner");
  t.after(() => store.close());
  await store.scenarios.upsertAll([
    { id: "slots-demo", title: "Slots", topic: "transactions", protocol: "echo", source: SOURCE },
  ]);
  return store;
}

function isRunsPerClientRefusal(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions["limitName"] === "FAULTLINE_RUNS_PER_CLIENT";
}

/** Holds `count` unpaced starts of one client at once; each is "simulated" for a few ms. */
async function startMany(slots: RunSlots, client: string, count: number): Promise<{ accepted: number; most: number }> {
  let simulating = 0;
  let most = 0;
  const outcomes = await Promise.all(
    Array.from({ length: count }, () =>
      slots
        .hold(
          client,
          async () => {
            simulating += 1;
            most = Math.max(most, simulating);
            await new Promise((resolve) => setTimeout(resolve, 10));
            simulating -= 1;
            return undefined;
          },
          () => undefined,
        )
        .then(
          () => "accepted" as const,
          (error: unknown) => {
            assert.ok(isRunsPerClientRefusal(error), String(error));
            return "refused" as const;
          },
        ),
    ),
  );
  return { accepted: outcomes.filter((outcome) => outcome === "accepted").length, most };
}

test("twenty runs of one client sent at once get exactly the client's slots; the others are refused", async (t) => {
  const store = await memoryStore(t);
  const slots = new RunSlots(
    { ...DEFAULT_LIMITS, runsPerClient: RUNS_PER_CLIENT },
    async (runId) => (await store.runs.get(runId))?.status === "RUNNING",
  );
  const first = await startMany(slots, "client-a", 20);
  assert.equal(first.accepted, RUNS_PER_CLIENT, `${first.accepted} of 20 were let in`);
  assert.ok(first.most <= RUNS_PER_CLIENT, `${first.most} were simulated at once`);

  // A paced run stays RUNNING in the store and keeps its slot; the same burst then gets one fewer.
  await slots.hold(
    "client-a",
    async () => {
      await store.runs.insert({
        id: "paced-1",
        scenarioId: "slots-demo",
        seed: 1,
        pace: 100,
        scenarioSource: SOURCE,
        scenarioFile: "transactions/slots-demo.yaml",
        createdAt: new Date().toISOString(),
      });
      return "paced-1";
    },
    (runId) => runId,
  );
  const second = await startMany(slots, "client-a", 20);
  assert.equal(second.accepted, RUNS_PER_CLIENT - 1, "the RUNNING paced run holds one slot");
  assert.ok(second.most <= RUNS_PER_CLIENT - 1, `${second.most} were simulated beside the paced run`);
  // Another client has its own slots; once the paced run ends its slot is free again.
  assert.equal((await startMany(slots, "client-b", 20)).accepted, RUNS_PER_CLIENT);
  await store.runs.fail("paced-1", "cancelled by the test");
  assert.equal((await startMany(slots, "client-a", 20)).accepted, RUNS_PER_CLIENT);
});
