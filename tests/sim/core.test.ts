import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/sim/rng";
import { Scheduler } from "../../src/sim/scheduler";
import { Simulation, hashEvents } from "../../src/sim/world";
import { echoProtocol, spec } from "./helpers";
import type { WorkloadSpec } from "../../src/sim/spec";

const ping = (node: string, at: number): WorkloadSpec => ({
  trigger: { type: "at", at },
  node,
  op: "ping",
  args: {},
  followRedirects: 0,
});

test("the scheduler orders by time, then by scheduling order for ties", () => {
  const scheduler = new Scheduler<string>();
  scheduler.schedule(5, "late");
  scheduler.schedule(1, "first-at-1");
  scheduler.schedule(1, "second-at-1");
  scheduler.schedule(0, "zero");
  const order: string[] = [];
  for (let item = scheduler.pop(); item !== undefined; item = scheduler.pop()) order.push(item.item);
  assert.deepEqual(order, ["zero", "first-at-1", "second-at-1", "late"]);
});

test("an Rng stream is a pure function of its seed and label", () => {
  const draw = (rng: Rng) => Array.from({ length: 5 }, () => rng.int(0, 1000));
  assert.deepEqual(draw(new Rng(7, "network")), draw(new Rng(7, "network")));
  assert.notDeepEqual(draw(new Rng(7, "network")), draw(new Rng(8, "network")));
  assert.notDeepEqual(draw(new Rng(7, "network")), draw(new Rng(7, "node:a")));
  const rng = new Rng(3);
  for (let i = 0; i < 1000; i++) {
    const value = rng.int(2, 4);
    assert.ok(value >= 2 && value <= 4, `int(2,4) gave ${value}; reproduce with seed=3`);
  }
});

test("same spec and seed give the same trace hash; another seed gives another", () => {
  const s = spec({ workload: [ping("a", 0), ping("b", 3)] });
  const one = new Simulation(echoProtocol, { persistPings: true }, s).run();
  const two = new Simulation(echoProtocol, { persistPings: true }, s).run();
  assert.equal(one.traceHash, two.traceHash);
  assert.equal(hashEvents(one.events), one.traceHash, "the hash covers exactly the returned events");
  const other = new Simulation(echoProtocol, { persistPings: true }, { ...s, seed: 2 }).run();
  assert.notEqual(other.traceHash, one.traceHash);
  assert.equal(one.stopReason, "quiescent");
});

test("Lamport and vector clocks: a delivery happens after its send", () => {
  const result = new Simulation(echoProtocol, { persistPings: true }, spec({ workload: [ping("a", 0)] })).run();
  const sends = result.events.filter((e) => e.kind === "SEND");
  for (const deliver of result.events.filter((e) => e.kind === "DELIVER")) {
    const send = sends.find((s) => s.data?.["messageId"] === deliver.data?.["messageId"]);
    assert.ok(send, "every delivery has a send");
    assert.ok(deliver.lamport > send.lamport, "Lamport: receive is later than send");
    for (const [node, count] of Object.entries(send.vclock)) {
      assert.ok((deliver.vclock[node] ?? 0) >= count, `vector clock entry ${node} carried over`);
    }
    assert.ok(deliver.seq > send.seq);
  }
});

test("a partition drops messages between groups, and heal restores them", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({
      workload: [ping("a", 10), ping("a", 100)],
      faults: [
        { trigger: { type: "at", at: 0 }, action: { do: "partition", groups: [["a"], ["b", "c"]] } },
        { trigger: { type: "at", at: 50 }, action: { do: "heal" } },
      ],
    }),
  ).run();
  const drops = result.events.filter((e) => e.kind === "DROP");
  assert.equal(drops.length, 2, "both pings sent during the partition are dropped");
  const b = result.nodes.find((n) => n.node === "b");
  assert.equal(b?.state?.["pings"], 1, "b only receives the ping sent after heal");
});

test("a crash loses volatile state and timers; recovery keeps what was persisted", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({
      workload: [ping("a", 0), { ...ping("b", 0), op: "tick" }],
      faults: [
        { trigger: { type: "at", at: 30 }, action: { do: "crash", node: "b" } },
        { trigger: { type: "at", at: 35 }, action: { do: "recover", node: "b" } },
      ],
      limits: { maxTime: 200, maxEvents: 10_000 },
    }),
  ).run();
  const b = result.nodes.find((n) => n.node === "b");
  assert.deepEqual(b?.state?.["log"], ["recovered"], "volatile log is gone and the tick timer no longer fires");
  assert.equal(b?.state?.["pings"], 1, "the persisted ping count survives");
  const timersAfterCrash = result.events.filter((e) => e.kind === "TIMER" && e.node === "b" && e.time > 30);
  assert.equal(timersAfterCrash.length, 0);
});

test("a message to a down node is dropped", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({
      workload: [ping("a", 5)],
      faults: [{ trigger: { type: "at", at: 0 }, action: { do: "crash", node: "c" } }],
    }),
  ).run();
  const drop = result.events.find((e) => e.kind === "DROP" && e.node === "c");
  assert.ok(drop, "the ping to c is dropped");
  assert.match(drop.summary, /c is down/);
});

test("a trigger fires exactly when its predicate first holds", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({
      workload: [ping("a", 0)],
      faults: [
        {
          trigger: { type: "when", when: { kind: "DELIVER", to: "a", message: "PONG", count: 1 }, after: 0 },
          action: { do: "crash", node: "a" },
        },
      ],
    }),
  ).run();
  const firstPong = result.events.findIndex((e) => e.kind === "DELIVER" && e.data?.["to"] === "a");
  assert.equal(result.events[firstPong + 1]?.kind, "CRASH", "the crash is the very next event");
  const a = result.nodes.find((n) => n.node === "a");
  assert.equal(a?.up, false);
});

test("a run stops at maxTime and at maxEvents with a reason", () => {
  const ticking = spec({ workload: [{ ...ping("a", 0), op: "tick" }], limits: { maxTime: 100, maxEvents: 10_000 } });
  const byTime = new Simulation(echoProtocol, { persistPings: true }, ticking).run();
  assert.equal(byTime.stopReason, "maxTime");
  assert.ok(byTime.events.every((e) => e.time <= 100));
  const byCount = new Simulation(
    echoProtocol,
    { persistPings: true },
    { ...ticking, limits: { maxTime: 100_000, maxEvents: 50 } },
  ).run();
  assert.equal(byCount.stopReason, "maxEvents");
  assert.match(byCount.events.at(-1)?.summary ?? "", /limit of 50 events/);
});

test("a crash triggered by a SEND keeps that message on the wire and silences the rest of the step", () => {
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({
      workload: [ping("a", 0)],
      faults: [
        {
          trigger: { type: "when", when: { kind: "SEND", node: "a", message: "PING", count: 1 }, after: 0 },
          action: { do: "crash", node: "a" },
        },
      ],
    }),
  ).run();
  const sends = result.events.filter((e) => e.kind === "SEND" && e.node === "a");
  assert.equal(sends.length, 1, "the second ping of the broadcast is never sent");
  const delivered = result.events.filter((e) => e.kind === "DELIVER" && e.data?.["from"] === "a");
  assert.equal(delivered.length, 1, "the first ping still arrives");
  assert.equal(result.events.filter((e) => e.kind === "CLIENT_RETURN").length, 0, "the reply after the crash is lost");
});

test("a cancelled timer neither advances time nor keeps the run going", () => {
  const cancelling: typeof echoProtocol = {
    ...echoProtocol,
    onClientRequest(ctx, _state, request) {
      ctx.setTimer("late", 5_000);
      ctx.cancelTimer("late");
      ctx.reply(request.id, { ok: true }, `${ctx.node} sets and cancels a timer.`);
    },
  };
  const result = new Simulation(
    cancelling,
    { persistPings: true },
    spec({ workload: [ping("a", 3)], limits: { maxTime: 1_000, maxEvents: 100 } }),
  ).run();
  assert.equal(result.stopReason, "quiescent");
  assert.equal(result.endTime, 3);
});
