import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulation } from "../../src/sim/simulation";
import type { FaultSpec, WorkloadSpec } from "../../src/sim/spec";
import type { TraceEvent } from "../../src/sim/types";
import { echoProtocol, spec } from "./helpers";

// A pause (a stop-the-world GC pause; Kleppmann, DDIA ch. 8, "Process Pauses"): the
// node handles nothing for its duration, loses nothing, and does not know it was
// paused. Messages to it wait and are delivered after, in order; its timers fire late.

const request = (node: string, at: number, op = "ping"): WorkloadSpec => ({
  trigger: { type: "at", at },
  node,
  op,
  args: {},
  followRedirects: 0,
});
const at = (time: number, action: FaultSpec["action"]): FaultSpec => ({ trigger: { type: "at", at: time }, action });
const fixedDelay = { ...spec().network, delay: { min: 10, max: 10 } };

function run(workload: WorkloadSpec[], faults: FaultSpec[]) {
  const s = spec({ workload, faults, network: fixedDelay, limits: { maxTime: 200, maxEvents: 10_000 } });
  return new Simulation(echoProtocol, { persistPings: true }, s).run();
}

const atB = (events: readonly TraceEvent[], kind: string) => events.filter((e) => e.kind === kind && e.node === "b");

test("a paused node's timer fires late and its messages wait, delivered in order after the pause; it keeps its state", () => {
  // b starts ticking at 0 (its "again" timer is due at 10, 20, ...); a pings at 0 (arrives
  // at 10) and at 15 and 17 (arrive at 25 and 27); b is paused from 5 to 105.
  const workload = [request("b", 0, "tick"), request("a", 0), request("a", 15), request("a", 17)];
  const result = run(workload, [at(5, { do: "pause", node: "b", duration: 100 })]);
  const timers = atB(result.events, "TIMER");
  assert.equal(timers[0]?.time, 105, "the timer due at 10 fires when the pause ends");
  assert.equal(timers[1]?.time, 115, "and is set again from there");
  const delivers = atB(result.events, "DELIVER");
  assert.deepEqual(
    delivers.map((e) => e.time),
    [105, 105, 105],
    "the three pings that arrived during the pause are delivered at its end",
  );
  const ids = delivers.map((e) => e.data?.["messageId"] as number);
  assert.deepEqual(
    ids,
    [...ids].sort((x, y) => x - y),
    "in the order they arrived",
  );
  const paused = result.events.find((e) => e.kind === "NOTE" && e.data?.["pause"] !== undefined);
  assert.deepEqual(paused?.data?.["pause"], { node: "b", duration: 100, until: 105 });
  const resumed = result.events.find((e) => e.kind === "NOTE" && e.data?.["resume"] !== undefined);
  assert.deepEqual(resumed?.data?.["resume"], { node: "b", pausedFor: 100, released: 4 });
  assert.equal(resumed?.time, 105);
  assert.equal(result.events.filter((e) => e.kind === "DROP").length, 0, "a pause loses nothing");
  const b = result.nodes.find((n) => n.node === "b");
  assert.equal(b?.up, true);
  assert.equal(b?.state?.["pings"], 3, "every ping reached b's state");
  const log = b?.state?.["log"] as string[];
  assert.equal(log.includes("recovered"), false, "b's state was never rebuilt from durable storage");
  assert.deepEqual(
    log.slice(0, 4),
    ["timer again", "PING from a", "PING from a", "PING from a"],
    "what waited, in order",
  );
  const again = run(workload, [at(5, { do: "pause", node: "b", duration: 100 })]);
  assert.equal(again.traceHash, result.traceHash, "deterministic: same spec and seed, same trace");
});

test("the pause and resume NOTEs tick no clock: the node does not know it was paused", () => {
  const result = run([request("a", 0)], [at(15, { do: "pause", node: "b", duration: 20 })]);
  const notes = result.events.filter((e) => e.kind === "NOTE" && e.node === "b");
  const before = result.events.filter((e) => e.node === "b" && e.seq < (notes[0]?.seq ?? 0)).at(-1);
  assert.equal(notes[0]?.lamport, before?.lamport, "the pause NOTE carries b's last clock");
  assert.deepEqual(notes[0]?.vclock, before?.vclock);
});

test("a pause on a when: trigger starts inside the step of the matching event; a crash ends a pause", () => {
  const result = run(
    [request("a", 0), request("a", 12)],
    [
      {
        trigger: { type: "when", when: { kind: "DELIVER", to: "b", count: 1 }, after: 0 },
        action: { do: "pause", node: "b", duration: 50 },
      },
      at(30, { do: "crash", node: "b" }),
    ],
  );
  const pauseNote = result.events.find((e) => e.kind === "NOTE" && e.data?.["pause"] !== undefined);
  const firstDeliver = atB(result.events, "DELIVER")[0];
  assert.equal(pauseNote?.time, firstDeliver?.time);
  assert.equal(pauseNote?.data?.["cause"], undefined, "a fault outside a handler has no cause");
  const drops = result.events.filter((e) => e.kind === "DROP" && e.data?.["to"] === "b");
  assert.deepEqual(
    drops.map((e) => [e.time, e.data?.["reason"]]),
    [[30, "node-down"]],
    "the ping waiting at the crash is lost as for any down node",
  );
  assert.equal(
    result.events.some((e) => e.kind === "NOTE" && e.data?.["resume"] !== undefined),
    false,
    "no resume after a crash",
  );
});
