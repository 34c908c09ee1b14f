import { test } from "node:test";
import assert from "node:assert/strict";
import { FaultlineError } from "../../src/runs";
import { TaskPool } from "../../src/runs/pool";
import { delay } from "./helpers";

/** A cold pool (no thread starts until a task is run) of one thread and `maxQueue` waiting places. */
function smallPool(t: { after(fn: () => Promise<void>): void }, maxQueue: number): TaskPool {
  const pool = new TaskPool({
    name: "test run",
    threads: 1,
    warm: false,
    maxQueue,
    threadsVariable: "TEST_THREADS",
    queueVariable: "TEST_QUEUE",
    typicalTaskMs: 100,
  });
  t.after(() => pool.destroy());
  return pool;
}

function isBusy(limit: number): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof FaultlineError, String(error));
    assert.equal(error.code, "BUSY");
    assert.equal(error.busy?.limit, limit);
    assert.ok((error.busy?.retryAfterMs ?? 0) > 0);
    return true;
  };
}

test("a reserved place counts against the bound until it is released, and releasing twice frees it once", (t) => {
  const pool = smallPool(t, 2);
  const places = [pool.reserve(), pool.reserve(), pool.reserve()];
  assert.throws(() => pool.reserve(), isBusy(2));
  assert.throws(() => pool.assertRoom(), isBusy(2));
  const first = places[0];
  assert.ok(first !== undefined);
  first.release();
  first.release();
  const again = pool.reserve();
  assert.throws(() => pool.reserve(), isBusy(2), "the second release of the same place freed nothing");
  again.release();
  for (const place of places) place.release();
  for (let i = 0; i < pool.limit; i++) pool.reserve();
  assert.throws(() => pool.reserve(), isBusy(2));
});

/**
 * The run engine checks for room, then awaits the store (it inserts the run), then
 * submits. Many callers doing that at once must get exactly `limit` places: with only a
 * check before the await, every one of them passed it and the extra runs were stored
 * and then refused.
 */
test("forty callers that reserve, await, then hold their place get exactly the pool's limit of places, the rest BUSY", async (t) => {
  const pool = smallPool(t, 3);
  const outcomes = await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      await delay(i % 3); // callers arrive spread over a few ticks
      try {
        const place = pool.reserve();
        await delay(5); // the store's insert
        return place;
      } catch (error) {
        assert.ok(isBusy(3)(error));
        return "busy" as const;
      }
    }),
  );
  const held = outcomes.filter((outcome) => outcome !== "busy");
  assert.equal(held.length, pool.limit, `${held.length} callers got a place in a pool of ${pool.limit}`);
  assert.equal(outcomes.length - held.length, 40 - pool.limit, "every other caller was told BUSY");
  for (const place of held) place.release();
  const next = pool.reserve();
  next.release();
});
