import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareEvents, compareVectorClocks, concurrentWith, happensBefore } from "../../src/sim/causality";
import type { FaultSpec, SimulationSpec, WorkloadSpec } from "../../src/sim/spec";
import type { Checker, Protocol, TraceEvent } from "../../src/sim/types";
import { Simulation } from "../../src/sim/world";
import { clocks, parseClocksConfig } from "../../src/protocols/clocks";
import { firstDisagreement } from "./causality-reference";
import { echoProtocol, spec, type EchoState } from "./helpers";

const op = (node: string, at: number, name = "ping"): WorkloadSpec => ({
  trigger: { type: "at", at },
  node,
  op: name,
  args: {},
  followRedirects: 0,
});

function run(overrides: Partial<SimulationSpec>): readonly TraceEvent[] {
  return new Simulation(echoProtocol, { persistPings: true }, spec(overrides)).run().events;
}

function find(events: readonly TraceEvent[], predicate: (event: TraceEvent) => boolean, what: string): TraceEvent {
  const event = events.find(predicate);
  assert.ok(event, `expected an event: ${what}`);
  return event;
}

test("compareVectorClocks: the entrywise order of Mattern and Fidge, missing entries count as 0", () => {
  assert.equal(compareVectorClocks({ a: 1, b: 2 }, { a: 1, b: 2 }), "SAME");
  assert.equal(compareVectorClocks({ a: 1 }, { a: 1, b: 0 }), "SAME", "an absent entry is a zero entry");
  assert.equal(compareVectorClocks({}, {}), "SAME");
  assert.equal(compareVectorClocks({ a: 1 }, { a: 1, b: 1 }), "BEFORE");
  assert.equal(compareVectorClocks({ a: 2, b: 3 }, { a: 1, b: 3 }), "AFTER");
  assert.equal(compareVectorClocks({ a: 2, b: 0 }, { a: 1, b: 1 }), "CONCURRENT");
  assert.equal(compareVectorClocks({ a: 1 }, { b: 1 }), "CONCURRENT");
  assert.equal(compareVectorClocks({}, { c: 4 }), "BEFORE");
});

test("Lamport's rules: program order and send→receive give BEFORE, the reverse gives AFTER", () => {
  const events = run({ workload: [op("a", 0)] });
  const send = find(events, (e) => e.kind === "SEND" && e.data?.["to"] === "b", "a's PING to b");
  const deliver = find(
    events,
    (e) => e.kind === "DELIVER" && e.data?.["messageId"] === send.data?.["messageId"],
    "b receives it",
  );
  const invoke = find(events, (e) => e.kind === "CLIENT_INVOKE" && e.node === "a", "the client's ping at a");
  assert.equal(happensBefore(events, invoke.seq, send.seq), "BEFORE", "program order at a");
  assert.equal(happensBefore(events, send.seq, deliver.seq), "BEFORE", "a send happens before its receipt");
  assert.equal(happensBefore(events, invoke.seq, deliver.seq), "BEFORE", "transitivity");
  assert.equal(happensBefore(events, deliver.seq, invoke.seq), "AFTER");
  assert.equal(happensBefore(events, send.seq, send.seq), "SAME");
});

test("two client requests at different nodes with no message between them are CONCURRENT", () => {
  const events = run({ workload: [op("a", 0), op("b", 0)] });
  const atA = find(events, (e) => e.kind === "CLIENT_INVOKE" && e.node === "a", "invoke at a");
  const atB = find(events, (e) => e.kind === "CLIENT_INVOKE" && e.node === "b", "invoke at b");
  assert.equal(happensBefore(events, atA.seq, atB.seq), "CONCURRENT");
  assert.equal(happensBefore(events, atB.seq, atA.seq), "CONCURRENT");
  const concurrent = concurrentWith(events, atA.seq);
  assert.ok(concurrent.includes(atB.seq));
  assert.ok(!concurrent.includes(atA.seq), "an event is not concurrent with itself");
  assert.deepEqual(
    concurrent,
    [...concurrent].sort((x, y) => x - y),
    "seqs ascend",
  );
  for (const seq of concurrent) assert.equal(happensBefore(events, atA.seq, seq), "CONCURRENT");
});

test("a DROP stands where its SEND stands: after the SEND, before what the SEND is before", () => {
  const events = run({
    workload: [op("a", 5)],
    faults: [{ trigger: { type: "at", at: 0 }, action: { do: "crash", node: "c" } }],
  });
  const drop = find(events, (e) => e.kind === "DROP", "the PING to the crashed c is dropped");
  const send = find(
    events,
    (e) => e.kind === "SEND" && e.data?.["messageId"] === drop.data?.["messageId"],
    "the SEND of the dropped PING",
  );
  assert.deepEqual(drop.vclock, send.vclock, "the core gives a DROP its SEND's clock");
  assert.equal(happensBefore(events, send.seq, drop.seq), "BEFORE");
  assert.equal(happensBefore(events, drop.seq, send.seq), "AFTER");
  const laterAtA = find(events, (e) => e.node === "a" && e.seq > send.seq && e.kind !== "DROP", "a's next event");
  assert.equal(happensBefore(events, drop.seq, laterAtA.seq), "BEFORE");
  const crash = find(events, (e) => e.kind === "CRASH", "c's crash");
  assert.equal(happensBefore(events, drop.seq, crash.seq), "CONCURRENT", "c never saw a's PING");
});

test("the run's final NOTE happens after every event: its clock joins every node's and ticks the network", () => {
  const events = run({ workload: [op("a", 0)] });
  const last = events.at(-1) as TraceEvent;
  assert.equal(last.node, "network");
  assert.equal(typeof last.data?.["stopReason"], "string");
  for (const event of events.slice(0, -1)) {
    assert.equal(happensBefore(events, event.seq, last.seq), "BEFORE", `event ${event.seq} (${event.kind})`);
    assert.ok(event.lamport < last.lamport, "Lamport: every event is below the final NOTE");
  }
  assert.deepEqual(concurrentWith(events, last.seq), [], "nothing is concurrent with the end of the run");
  assert.equal(last.vclock["network"], 1, "it is the network's first event here");
});

test("network events are ordered among themselves and concurrent with node events", () => {
  const events = run({
    workload: [op("a", 10)],
    faults: [
      { trigger: { type: "at", at: 0 }, action: { do: "partition", groups: [["a"], ["b", "c"]] } },
      { trigger: { type: "at", at: 50 }, action: { do: "heal" } },
    ],
  });
  const partition = find(events, (e) => e.kind === "PARTITION", "partition");
  const heal = find(events, (e) => e.kind === "HEAL", "heal");
  const last = events.at(-1) as TraceEvent;
  assert.equal(happensBefore(events, partition.seq, heal.seq), "BEFORE");
  assert.equal(happensBefore(events, heal.seq, last.seq), "BEFORE", "the final NOTE comes after the network's events");
  const drop = find(events, (e) => e.kind === "DROP", "a PING lost to the partition");
  assert.equal(happensBefore(events, partition.seq, drop.seq), "CONCURRENT", "the core does not link the two");
});

test("compareEvents: zero clocks stand at their own node's start", () => {
  const event = (seq: number, node: string, vclock: Record<string, number>): TraceEvent => ({
    seq,
    time: 0,
    node,
    kind: "VIOLATION",
    summary: "",
    lamport: 0,
    vclock,
    data: null,
  });
  const zeroAtB = event(0, "b", {});
  assert.equal(compareEvents(zeroAtB, event(1, "a", { a: 1 })), "CONCURRENT");
  assert.equal(compareEvents(zeroAtB, event(2, "a", { a: 2, b: 1 })), "BEFORE", "it has seen an event of b");
  assert.equal(compareEvents(event(3, "a", { a: 2, b: 1 }), zeroAtB), "AFTER");
  assert.equal(compareEvents(zeroAtB, event(4, "b", {})), "BEFORE", "two zero clocks at b: by seq");
  assert.equal(compareEvents(zeroAtB, event(5, "network", { network: 0 })), "CONCURRENT");
});

test("an unknown seq is a RangeError that names it", () => {
  const events = run({ workload: [op("a", 0)] });
  assert.throws(
    () => happensBefore(events, 0, 10_000),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /seq 10000/);
      return true;
    },
  );
  assert.throws(() => concurrentWith(events, -1), RangeError);
});

// ------------------------------------------------------------------ property

/** Echo plus a checker that flags every fifth step, at a node or at the network, to put VIOLATIONs in the trace. */
function noisyEcho(nodes: readonly string[]): Protocol<{ persistPings: boolean }, EchoState> {
  const noisy: Checker<EchoState> = {
    invariant: "Noisy",
    description: "test checker: reports a violation every fifth step",
    observe(step) {
      if (step.event.seq % 5 !== 0) return [];
      const index = step.event.seq % (nodes.length + 1);
      const node = nodes[index];
      return [{ message: `step ${step.event.seq}`, ...(node === undefined ? {} : { node }) }];
    },
  };
  return { ...echoProtocol, checkers: () => [noisy] };
}

const NODES = ["a", "b", "c", "d"];

/** Random faults on these nodes: crashes, recoveries, isolation, heal, loss, duplication and clock jumps. */
export function faultArb(nodes: readonly string[], horizon: number): fc.Arbitrary<FaultSpec> {
  const at = fc.integer({ min: 0, max: horizon });
  const node = fc.constantFrom(...nodes);
  const probability = fc.double({ min: 0, max: 0.6, noNaN: true });
  const fault = (action: FaultSpec["action"], time: number): FaultSpec => ({
    trigger: { type: "at", at: time },
    action,
  });
  return fc.oneof(
    fc.tuple(at, node).map(([time, name]) => fault({ do: "crash", node: name }, time)),
    fc.tuple(at, node).map(([time, name]) => fault({ do: "recover", node: name }, time)),
    fc.tuple(at, node).map(([time, name]) => fault({ do: "isolate", node: name }, time)),
    at.map((time) => fault({ do: "heal" }, time)),
    fc.tuple(at, probability).map(([time, p]) => fault({ do: "drop", probability: p }, time)),
    fc.tuple(at, probability).map(([time, p]) => fault({ do: "duplicate", probability: p }, time)),
    fc
      .tuple(at, node, fc.integer({ min: -50, max: 50 }))
      .map(([time, name, offset]) => fault({ do: "clock", node: name, offset }, time)),
  );
}

const runArb = fc.integer({ min: 2, max: 4 }).chain((nodeCount) => {
  const nodes = NODES.slice(0, nodeCount);
  return fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    nodes: fc.constant(nodes),
    workload: fc.array(
      fc
        .tuple(fc.constantFrom(...nodes), fc.integer({ min: 0, max: 120 }), fc.boolean())
        .map(([node, at, tick]) => op(node, at, tick ? "tick" : "ping")),
      { minLength: 1, maxLength: 6 },
    ),
    faults: fc.array(faultArb(nodes, 200), { maxLength: 5 }),
  });
});

test("property: on random echo runs with faults, happensBefore agrees with reachability in Lamport's graph", () => {
  fc.assert(
    fc.property(runArb, ({ seed, nodes, workload, faults }) => {
      const simSpec = spec({ nodes, seed, workload, faults, limits: { maxTime: 250, maxEvents: 400 } });
      const events = new Simulation(noisyEcho(nodes), { persistPings: true }, simSpec).run().events;
      const problem = firstDisagreement(events);
      assert.equal(
        problem,
        undefined,
        `${problem}\nreproduce with seed=${seed}, nodes=${JSON.stringify(nodes)}, workload=${JSON.stringify(workload)}, faults=${JSON.stringify(faults)}`,
      );
      for (const seq of concurrentWith(events, 0)) assert.equal(happensBefore(events, seq, 0), "CONCURRENT");
    }),
    { numRuns: 60 },
  );
});

test("property: on random runs of the clocks protocol under skew and faults, happensBefore agrees with the graph", () => {
  const parsed = parseClocksConfig({ chatter: { messages: 4, intervalMs: { min: 3, max: 30 } } });
  assert.ok(parsed.ok);
  const clocksRun = fc.integer({ min: 2, max: 4 }).chain((nodeCount) => {
    const nodes = NODES.slice(0, nodeCount);
    return fc.record({
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      nodes: fc.constant(nodes),
      offsets: fc.array(fc.integer({ min: -60, max: 60 }), { minLength: nodeCount, maxLength: nodeCount }),
      workload: fc.array(
        fc
          .tuple(fc.constantFrom(...nodes), fc.constantFrom(...nodes), fc.integer({ min: 0, max: 120 }))
          .map(([node, to, at]): WorkloadSpec =>
            node === to
              ? { ...op(node, at, "local"), args: { text: "w" } }
              : { ...op(node, at, "send"), args: { to, text: "m" } },
          ),
        { maxLength: 5 },
      ),
      faults: fc.array(faultArb(nodes, 150), { maxLength: 5 }),
    });
  });
  fc.assert(
    fc.property(clocksRun, ({ seed, nodes, offsets, workload, faults }) => {
      const skew = Object.fromEntries(nodes.map((node, i) => [node, { offset: offsets[i] ?? 0, drift: 0.001 }]));
      const simSpec = spec({ nodes, seed, clocks: skew, workload, faults, limits: { maxTime: 400, maxEvents: 600 } });
      const events = new Simulation(clocks, parsed.config, simSpec).run().events;
      const problem = firstDisagreement(events);
      assert.equal(
        problem,
        undefined,
        `${problem}\nreproduce with seed=${seed}, nodes=${JSON.stringify(nodes)}, clocks=${JSON.stringify(skew)}, workload=${JSON.stringify(workload)}, faults=${JSON.stringify(faults)}`,
      );
    }),
    { numRuns: 40 },
  );
});
