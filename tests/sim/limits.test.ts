import { test } from "node:test";
import assert from "node:assert/strict";
import { assert as coreAssert, InvariantError } from "../../src/sim/assert";
import { Simulation } from "../../src/sim/simulation";
import type { WorkloadSpec } from "../../src/sim/spec";
import type { Protocol } from "../../src/sim/types";
import { echoProtocol, spec } from "./helpers";

// TIGER_STYLE (TigerBeetle): every queue a scenario, protocol or client can grow has
// a named bound, and what hits it is refused or stops the run, naming the bound.

const request = (node: string, at: number, op = "ping"): WorkloadSpec => ({
  trigger: { type: "at", at },
  node,
  op,
  args: {},
  followRedirects: 0,
});

/** A protocol that never answers a client and, on "timers", sets as many timers as asked. */
const silent: Protocol<null, { n: number }> = {
  name: "silent",
  description: "test protocol",
  operations: ["wait", "timers"],
  parseConfig: () => ({ ok: true, config: null }),
  init: () => ({ n: 0 }),
  recover: () => ({ n: 0 }),
  onMessage: () => undefined,
  onTimer: () => undefined,
  onClientRequest(ctx, state, req) {
    if (req.op === "timers") for (let i = 0; i < 10; i++) ctx.setTimer(`t${i}`, 5);
    state.n += 1;
  },
  view: (state) => ({ n: state.n }),
  invariants: [],
  checkers: () => [],
};

test("assert() throws an InvariantError that says why", () => {
  assert.throws(
    () => coreAssert(false, "time never goes backwards"),
    (error: unknown) => {
      assert.ok(error instanceof InvariantError);
      assert.match(error.message, /time never goes backwards/);
      return true;
    },
  );
  assert.doesNotThrow(() => coreAssert(true, () => "never built"));
});

test("a partition holds at most maxHeldMessages; the next message caught in flight is dropped with reason held-limit", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({
      network: { ...spec().network, delay: { min: 10, max: 10 }, partitionInFlight: "hold" },
      workload: [request("a", 0)],
      faults: [
        { trigger: { type: "at", at: 5 }, action: { do: "partition", groups: [["a"], ["b", "c"]] } },
        { trigger: { type: "at", at: 50 }, action: { do: "heal" } },
      ],
    }),
    { limits: { maxHeldMessages: 1 } },
  ).run();
  const drops = result.events.filter((e) => e.kind === "DROP");
  assert.equal(drops.length, 1, "a's two pings are caught in flight: one is held, one is over the limit");
  assert.equal(drops[0]?.data?.["reason"], "held-limit");
  const heal = result.events.find((e) => e.kind === "HEAL");
  assert.equal(heal?.data?.["released"], 1, "heal releases the one held message");
  const delivered = result.events.filter((e) => e.kind === "DELIVER" && e.data?.["from"] === "a");
  assert.equal(delivered.length, 1, "the held ping arrives after heal");
});

test("a full scheduler stops the run with stopReason queueLimit, naming maxScheduledItems", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({ workload: [request("a", 0), request("b", 0), request("c", 0)] }),
    { limits: { maxScheduledItems: 4 } },
  ).run();
  assert.equal(result.stopReason, "queueLimit");
  assert.match(result.stopMessage, /maxScheduledItems/);
  const last = result.events[result.events.length - 1];
  assert.equal(last?.data?.["stopReason"], "queueLimit");
});

test("a node setting more than maxTimersPerNode timers is a protocol error naming the limit", () => {
  const simulation = new Simulation(silent, null, spec({ workload: [request("a", 0, "timers")] }), {
    limits: { maxTimersPerNode: 3 },
  });
  assert.throws(() => simulation.run(), /maxTimersPerNode/);
  const enough = new Simulation(silent, null, spec({ workload: [request("a", 0, "timers")] }), {
    limits: { maxTimersPerNode: 10 },
  }).run();
  assert.equal(enough.events.filter((e) => e.kind === "TIMER").length, 10);
});

test("a client request beyond maxOpenRequests unanswered ones is refused with an error naming the limit", () => {
  const result = new Simulation(
    silent,
    null,
    spec({ workload: [request("a", 0, "wait"), request("b", 1, "wait"), request("c", 2, "wait")] }),
    { limits: { maxOpenRequests: 2 } },
  ).run();
  const returns = result.events.filter((e) => e.kind === "CLIENT_RETURN");
  assert.equal(returns.length, 1, "only the third request is answered: refused");
  const outcome = returns[0]?.data?.["result"] as { ok: boolean; error: string };
  assert.equal(outcome.ok, false);
  assert.match(outcome.error, /maxOpenRequests/);
  assert.deepEqual(result.pendingRequests, ["r1", "r2"]);
});
