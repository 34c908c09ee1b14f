import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulation } from "../../src/sim/simulation";
import type { FaultSpec, WorkloadSpec } from "../../src/sim/spec";
import type { TraceEvent } from "../../src/sim/types";
import { echoProtocol, spec } from "./helpers";

// Every core event's data states the facts of its sentence (src/sim/event-data.ts):
// tests read these fields, never the summary.

const ping = (node: string, at: number, op = "ping"): WorkloadSpec => ({
  trigger: { type: "at", at },
  node,
  op,
  args: {},
  followRedirects: 0,
});
const at = (time: number, action: FaultSpec["action"]): FaultSpec => ({ trigger: { type: "at", at: time }, action });

function run(workload: WorkloadSpec[], faults: FaultSpec[] = [], network = spec().network): readonly TraceEvent[] {
  return new Simulation(echoProtocol, { persistPings: true }, spec({ workload, faults, network })).run().events;
}

const of = (events: readonly TraceEvent[], kind: string) => events.filter((e) => e.kind === kind);

test("SEND and DELIVER carry one message id, its type, from and to; a step's events name their cause", () => {
  const events = run([ping("a", 0)]);
  const invoke = of(events, "CLIENT_INVOKE")[0];
  assert.ok(invoke);
  for (const deliver of of(events, "DELIVER")) {
    const data = deliver.data ?? {};
    const send = events[data["sendSeq"] as number];
    assert.equal(send?.kind, "SEND");
    assert.equal(send?.data?.["messageId"], data["messageId"]);
    for (const field of ["type", "from", "to"]) assert.equal(send?.data?.[field], data[field], field);
    assert.equal(data["type"], (data["message"] as { type: string }).type);
    assert.equal(data["duplicate"], false);
    assert.equal(data["cause"], undefined, "a message's arrival is a step of its own");
  }
  const pings = of(events, "SEND").filter((e) => e.data?.["type"] === "PING");
  assert.equal(pings.length, 2);
  for (const send of pings)
    assert.equal(send.data?.["cause"], invoke.seq, "a's pings are steps of the client's request");
  for (const pong of of(events, "SEND").filter((e) => e.data?.["type"] === "PONG")) {
    const cause = events[pong.data?.["cause"] as number];
    assert.equal(cause?.kind, "DELIVER", "a PONG is a step of the PING's delivery");
    assert.equal(cause?.node, pong.node);
  }
  const ret = of(events, "CLIENT_RETURN")[0];
  assert.deepEqual(
    {
      request: ret?.data?.["request"],
      client: ret?.data?.["client"],
      op: ret?.data?.["op"],
      cause: ret?.data?.["cause"],
    },
    { request: "r1", client: "r1", op: "ping", cause: invoke.seq },
  );
  assert.deepEqual(
    {
      request: invoke.data?.["request"],
      client: invoke.data?.["client"],
      op: invoke.data?.["op"],
      args: invoke.data?.["args"],
    },
    { request: "r1", client: "r1", op: "ping", args: {} },
  );
});

test("a DUPLICATE and both copies share the message id; the second DELIVER says duplicate", () => {
  const events = run([ping("a", 0)], [], { ...spec().network, duplicate: 1 });
  const dup = of(events, "DUPLICATE").find((e) => e.data?.["type"] === "PING");
  assert.ok(dup);
  const copies = of(events, "DELIVER").filter((e) => e.data?.["messageId"] === dup.data?.["messageId"]);
  assert.deepEqual(copies.map((e) => e.data?.["duplicate"]).sort(), [false, true]);
});

test("every DROP says why: partition, cut, link-drop, node-down, ignored, partition-in-flight", () => {
  const reasons = (events: readonly TraceEvent[]) => of(events, "DROP").map((e) => e.data?.["reason"]);
  assert.deepEqual(reasons(run([ping("a", 10)], [at(0, { do: "partition", groups: [["a"], ["b", "c"]] })])), [
    "partition",
    "partition",
  ]);
  assert.deepEqual(
    reasons(run([ping("a", 10)], [at(0, { do: "cut", from: "a", to: "b" }), at(0, { do: "cut", from: "a", to: "c" })])),
    ["cut", "cut"],
  );
  assert.deepEqual(reasons(run([ping("a", 10)], [at(0, { do: "drop", from: "a", probability: 1 })])), [
    "link-drop",
    "link-drop",
  ]);
  assert.deepEqual(reasons(run([ping("a", 10)], [at(0, { do: "crash", node: "b" })])), ["node-down"]);
  assert.deepEqual(reasons(run([ping("a", 10)], [at(0, { do: "ignore", message: "PONG" })])), ["ignored", "ignored"]);
  const slow = { ...spec().network, delay: { min: 20, max: 20 } };
  assert.deepEqual(reasons(run([ping("a", 0)], [at(5, { do: "isolate", node: "a" })], slow)), [
    "partition-in-flight",
    "partition-in-flight",
  ]);
});

test("CRASH, RECOVER, PARTITION, HEAL and TIMER name their node, groups, cuts and timer", () => {
  const events = run(
    [ping("a", 0, "tick")],
    [
      at(5, { do: "crash", node: "b" }),
      at(6, { do: "recover", node: "b" }),
      at(7, { do: "partition", groups: [["a"]] }),
      at(8, { do: "cut", from: "b", to: "c" }),
      at(9, { do: "heal" }),
      at(30, { do: "crash", node: "a" }),
    ],
  );
  assert.equal(of(events, "CRASH")[0]?.data?.["node"], "b");
  assert.equal(of(events, "RECOVER")[0]?.data?.["node"], "b");
  assert.deepEqual(of(events, "PARTITION")[0]?.data?.["groups"], [["a"], ["b", "c"]]);
  assert.deepEqual(of(events, "PARTITION")[1]?.data?.["cut"], { from: "b", to: "c" });
  assert.deepEqual(of(events, "HEAL")[0]?.data, {
    groups: [["a"], ["b", "c"]],
    cuts: [{ from: "b", to: "c" }],
    released: 0,
  });
  const timer = of(events, "TIMER")[0];
  assert.equal(timer?.data?.["timer"], "again");
  assert.equal(timer?.node, "a");
});
