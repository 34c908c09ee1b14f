import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clocks,
  compareHlc,
  hlcBoundedChecker,
  hlcCausalityChecker,
  hlcLocalOrSend,
  hlcReceive,
  parseClocksConfig,
  type ClockEvent,
  type ClocksConfig,
  type ClocksState,
} from "../../src/protocols/clocks";
import { compareVectorClocks, happensBefore } from "../../src/sim/causality";
import { isJsonObject, type JsonObject } from "../../src/sim/json";
import type { FaultSpec, SimulationSpec, WorkloadSpec } from "../../src/sim/spec";
import type { CheckerStep, TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";
import { spec } from "../sim/helpers";

const NODES = ["n1", "n2", "n3"];

function config(overrides: Partial<ClocksConfig> = {}): ClocksConfig {
  const parsed = parseClocksConfig({});
  assert.ok(parsed.ok);
  return { ...parsed.config, ...overrides };
}

function op(node: string, at: number, name: "send" | "local", args: JsonObject): WorkloadSpec {
  return { trigger: { type: "at", at }, node, op: name, args, followRedirects: 0 };
}

function run(overrides: Partial<SimulationSpec>, settings: Partial<ClocksConfig> = {}): SimulationResult {
  return new Simulation(clocks, config(settings), spec({ nodes: NODES, ...overrides })).run();
}

function stateOf(result: SimulationResult, node: string): JsonObject {
  const view = result.nodes.find((n) => n.node === node);
  assert.ok(view?.state, `${node} is up at the end`);
  return view.state;
}

// ------------------------------------------------------------------ Figure 5, rule by rule

test("HLC send/local rule (Kulkarni et al. 2014, Fig. 5): l = max(l, pt); c resets when l moves, else counts", () => {
  assert.deepEqual(hlcLocalOrSend({ l: 10, c: 3 }, 15), { next: { l: 15, c: 0 }, rule: "physical" });
  assert.deepEqual(hlcLocalOrSend({ l: 20, c: 3 }, 15), { next: { l: 20, c: 4 }, rule: "local" });
  assert.deepEqual(hlcLocalOrSend({ l: 15, c: 0 }, 15), { next: { l: 15, c: 1 }, rule: "local" }, "equal pt: l stays");
});

test("HLC receive rule (Fig. 5): l = max(l, l_m, pt) and the four cases for c", () => {
  // l = l' = l_m: c = max(c, c_m) + 1
  assert.deepEqual(hlcReceive({ l: 30, c: 2 }, { l: 30, c: 5 }, 10), { next: { l: 30, c: 6 }, rule: "tie" });
  // l = l' only: c = c + 1
  assert.deepEqual(hlcReceive({ l: 30, c: 2 }, { l: 25, c: 9 }, 10), { next: { l: 30, c: 3 }, rule: "local" });
  // l = l_m only: c = c_m + 1
  assert.deepEqual(hlcReceive({ l: 20, c: 7 }, { l: 34, c: 1 }, 4), { next: { l: 34, c: 2 }, rule: "message" });
  // pt is largest: c = 0
  assert.deepEqual(hlcReceive({ l: 20, c: 7 }, { l: 34, c: 1 }, 50), { next: { l: 50, c: 0 }, rule: "physical" });
  assert.ok(compareHlc({ l: 5, c: 9 }, { l: 6, c: 0 }) < 0, "l decides first");
  assert.ok(compareHlc({ l: 6, c: 1 }, { l: 6, c: 0 }) > 0, "then c");
});

// ------------------------------------------------------------------ config

test("config: every field is optional; each mistake is reported at its path", () => {
  const defaults = parseClocksConfig(undefined);
  assert.deepEqual(defaults, {
    ok: true,
    config: { chatter: null, noteConcurrency: true, persistHlc: true, historyLimit: 100 },
  });
  const bad = parseClocksConfig({
    chatter: { messages: -1, intervalMs: { min: 30, max: 10 } },
    persistHlc: "yes",
    colour: "red",
  });
  assert.equal(bad.ok, false);
  const paths = bad.ok ? [] : bad.problems.map((p) => p.path.join("."));
  assert.deepEqual(paths.sort(), ["chatter.intervalMs.max", "chatter.messages", "colour", "persistHlc"]);
  const good = parseClocksConfig({ chatter: { messages: 4, intervalMs: { min: 5, max: 9 } }, historyLimit: 7 });
  assert.ok(good.ok);
  assert.deepEqual(good.config.chatter, { messages: 4, intervalMs: { min: 5, max: 9 } });
});

// ------------------------------------------------------------------ Lamport and vector clocks

test("Lamport IR2 and the total order: concurrent writes get an order from node names, and a NOTE says so", () => {
  const result = run({
    network: { ...spec().network, delay: { min: 5, max: 15 } },
    workload: [
      op("n1", 0, "send", { to: ["n2", "n3"], text: "x=1" }),
      op("n2", 0, "send", { to: ["n1", "n3"], text: "y=1" }),
      op("n3", 50, "local", { text: "read" }),
    ],
  });
  assert.deepEqual(result.violations, []);
  // n3 received n1:1 and n2:1 (Lamport 1 each), then recorded its local event: two
  // receives and IR1 take it to Lamport max(...)+1 twice, then +1.
  const n3 = stateOf(result, "n3");
  assert.deepEqual(n3["lamportOrder"], ["n1:1", "n2:1", "n3:3"]);
  assert.equal(n3["lamport"], 4, "receive 1 -> 2, receive 1 -> 3, local -> 4");
  for (const node of ["n1", "n2"]) {
    assert.deepEqual(stateOf(result, node)["lamportOrder"], ["n1:1", "n2:1"], `${node} orders the two alike`);
  }
  const notes = result.events.filter((e) => e.kind === "NOTE" && e.data?.["concurrent"] !== undefined);
  assert.ok(notes.length >= 3, "n1, n2 and n3 each note that x=1 and y=1 are concurrent");
  // Both have Lamport 1: the tie goes to n1 by node order.
  assert.equal(notes[0]?.data?.["first"], "n1:1");
  assert.equal(notes[0]?.data?.["second"], "n2:1");
  assert.deepEqual(n3["concurrentPairs"], [["n1:1", "n2:1"]]);
});

test("vector clocks: the protocol's vectors order its sends exactly as the core's trace does", () => {
  const result = run(
    {
      seed: 11,
      clocks: { n1: { offset: 40, drift: 0 }, n3: { offset: -25, drift: 0.001 } },
      workload: [op("n1", 0, "send", { to: "n2", text: "a" }), op("n3", 2, "local", { text: "b" })],
    },
    { chatter: { messages: 5, intervalMs: { min: 5, max: 30 } } },
  );
  const sends = firstSends(result.events);
  assert.ok(sends.length >= 10);
  for (const x of sends) {
    for (const y of sends) {
      if (x.id === y.id) continue;
      const protocolSays = compareVectorClocks(x.vc, y.vc);
      const traceSays = happensBefore(result.events, x.seq, y.seq);
      assert.equal(protocolSays, traceSays, `${x.id} vs ${y.id}`);
    }
  }
});

// ------------------------------------------------------------------ HLC under skew

interface Stamped {
  readonly id: string;
  /** The trace event standing for it: the (first) SEND of a send, the CLIENT_RETURN of a local. */
  readonly seq: number;
  readonly l: number;
  readonly c: number;
  readonly pt: number;
  readonly vc: Readonly<Record<string, number>>;
  readonly lamport: number;
}

function firstSends(events: readonly TraceEvent[]): Stamped[] {
  const found = new Map<string, Stamped>();
  for (const event of events) {
    const message = event.data?.["message"];
    if (event.kind !== "SEND" || !isJsonObject(message) || found.has(String(message["id"]))) continue;
    found.set(String(message["id"]), {
      id: String(message["id"]),
      seq: event.seq,
      l: Number(message["l"]),
      c: Number(message["c"]),
      pt: Number(message["pt"]),
      vc: message["vc"] as Record<string, number>,
      lamport: Number(message["lamport"]),
    });
  }
  return [...found.values()];
}

/** Every stamped event visible in the trace: sends (from their messages) and locals (from the client's reply). */
function stampedEvents(events: readonly TraceEvent[]): Stamped[] {
  const locals: Stamped[] = [];
  for (const event of events) {
    const result = event.data?.["result"];
    if (event.kind !== "CLIENT_RETURN" || event.data?.["op"] !== "local" || !isJsonObject(result)) continue;
    if (result["ok"] !== true) continue; // the node was down: no event happened
    const hlc = result["hlc"] as JsonObject;
    locals.push({
      id: String(result["event"]),
      seq: event.seq,
      l: Number(hlc["l"]),
      c: Number(hlc["c"]),
      pt: Number(result["pt"]),
      vc: result["vc"] as Record<string, number>,
      lamport: Number(result["lamport"]),
    });
  }
  return [...firstSends(events), ...locals];
}

/**
 * ε from the scenario itself: the largest minus the smallest clock offset (physical
 * clock − true time) any node can show up to endTime, with clock faults applied.
 * Offsets change monotonically between faults, so the ends of each stretch suffice.
 */
function epsilonFromSpec(simSpec: SimulationSpec, endTime: number): number {
  const offsets: number[] = [];
  for (const node of simSpec.nodes) {
    let offset = simSpec.clocks[node]?.offset ?? 0;
    let drift = simSpec.clocks[node]?.drift ?? 0;
    let from = 0;
    const jumps = simSpec.faults
      .filter((f) => f.trigger.type === "at" && f.action.do === "clock" && f.action.node === node)
      .sort((a, b) => (a.trigger.type === "at" && b.trigger.type === "at" ? a.trigger.at - b.trigger.at : 0));
    for (const jump of jumps) {
      if (jump.trigger.type !== "at" || jump.action.do !== "clock") continue;
      const at = Math.min(jump.trigger.at, endTime);
      offsets.push(offset + Math.floor(from * drift), offset + Math.floor(at * drift));
      offset = jump.action.offset;
      drift = jump.action.drift ?? drift;
      from = at;
    }
    offsets.push(offset + Math.floor(from * drift), offset + Math.floor(endTime * drift));
  }
  return Math.max(...offsets) - Math.min(...offsets);
}

/** A seeded generator for test inputs (not the simulation's Rng): mulberry32. */
function generator(seed: number): (min: number, max: number) => number {
  let a = seed >>> 0;
  return (min, max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(unit * (max - min + 1));
  };
}

function randomSkewedRun(seed: number, withCrashes: boolean): { simSpec: SimulationSpec; settings: ClocksConfig } {
  const draw = generator(seed);
  const nodes = ["n1", "n2", "n3", "n4"].slice(0, draw(2, 4));
  const clockSpecs: SimulationSpec["clocks"] = Object.fromEntries(
    nodes.map((node) => [node, { offset: draw(-80, 80), drift: draw(-20, 20) / 10_000 }]),
  );
  const pick = (): string => nodes[draw(0, nodes.length - 1)] as string;
  const workload: WorkloadSpec[] = [];
  for (let i = draw(0, 4); i > 0; i--) {
    const node = pick();
    const peers = nodes.filter((n) => n !== node);
    workload.push(
      draw(0, 1) === 0
        ? op(node, draw(0, 300), "local", { text: `w${i}` })
        : op(node, draw(0, 300), "send", { to: peers, text: `m${i}` }),
    );
  }
  const faults: FaultSpec[] = [];
  for (let i = draw(0, 2); i > 0; i--) {
    faults.push({
      trigger: { type: "at", at: draw(0, 300) },
      action: { do: "clock", node: pick(), offset: draw(-100, 100) },
    });
  }
  if (withCrashes) {
    const node = pick();
    const at = draw(0, 250);
    faults.push({ trigger: { type: "at", at }, action: { do: "crash", node } });
    faults.push({ trigger: { type: "at", at: at + draw(1, 100) }, action: { do: "recover", node } });
    faults.push({ trigger: { type: "at", at: draw(0, 200) }, action: { do: "drop", probability: 0.2 } });
    faults.push({ trigger: { type: "at", at: draw(0, 200) }, action: { do: "duplicate", probability: 0.2 } });
  }
  const simSpec = spec({
    nodes,
    seed,
    network: { ...spec().network, delay: { min: 1, max: draw(2, 40) } },
    clocks: clockSpecs,
    workload,
    faults,
    limits: { maxTime: 5_000, maxEvents: 5_000 },
  });
  const settings = config({
    chatter: { messages: draw(2, 8), intervalMs: { min: 3, max: draw(5, 60) } },
    noteConcurrency: draw(0, 1) === 0,
  });
  return { simSpec, settings };
}

function hlcPropertiesHold(seed: number, withCrashes: boolean): void {
  const { simSpec, settings } = randomSkewedRun(seed, withCrashes);
  const result = new Simulation(clocks, settings, simSpec).run();
  const reproduce = `reproduce with seed=${seed} (randomSkewedRun(${seed}, ${withCrashes})): clocks=${JSON.stringify(simSpec.clocks)} faults=${JSON.stringify(simSpec.faults)}`;
  assert.deepEqual(
    result.violations.map((v) => `${v.invariant}: ${v.message}`),
    [],
    `the checkers find nothing; ${reproduce}`,
  );
  assert.equal(result.stopReason, "quiescent", reproduce);
  const epsilon = epsilonFromSpec(simSpec, result.endTime);
  const stamped = stampedEvents(result.events);
  for (const event of stamped) {
    // Theorem 2: l ≥ pt. Corollary: l − pt ≤ ε.
    assert.ok(event.l >= event.pt, `${event.id}: l=${event.l} < pt=${event.pt}; ${reproduce}`);
    assert.ok(
      event.l - event.pt <= epsilon,
      `${event.id}: l − pt = ${event.l - event.pt} > ε=${epsilon}; ${reproduce}`,
    );
  }
  // Theorem 1: e hb f ⇒ hlc(e) < hlc(f), with hb taken from the core's trace, not the protocol.
  // Lamport's clock condition too: e hb f ⇒ L(e) < L(f).
  for (const e of stamped) {
    for (const f of stamped) {
      if (e.id === f.id || happensBefore(result.events, e.seq, f.seq) !== "BEFORE") continue;
      assert.ok(
        compareHlc(e, f) < 0,
        `${e.id} (l=${e.l}, c=${e.c}) happened before ${f.id} (l=${f.l}, c=${f.c}); ${reproduce}`,
      );
      assert.ok(e.lamport < f.lamport, `Lamport: ${e.id} ${e.lamport} vs ${f.id} ${f.lamport}; ${reproduce}`);
    }
  }
}

test("property: under random skew, drift and clock jumps, every HLC stamp respects causality and stays within ε", () => {
  for (let seed = 1; seed <= 150; seed++) hlcPropertiesHold(seed, false);
});

test("property: the same holds with a crash and recovery, message loss and duplication", () => {
  for (let seed = 1001; seed <= 1100; seed++) hlcPropertiesHold(seed, true);
});

test("an HLC jumps to a faster clock's time and explains by how much, then falls back to physical time", () => {
  const result = run({
    network: { ...spec().network, delay: { min: 10, max: 10 } },
    clocks: { n1: { offset: 30, drift: 0 } },
    workload: [op("n1", 0, "send", { to: "n2", text: "hi" }), op("n2", 100, "local", { text: "later" })],
  });
  // n1's clock reads 30 at true time 0; n2 (perfect clock) receives at time 10, pt = 10.
  const jump = result.events.find((e) => e.kind === "STATE_CHANGE" && e.node === "n2");
  assert.ok(jump, "n2 reports the jump");
  assert.equal(jump.data?.["clockChange"], "jump");
  assert.deepEqual(jump.data?.["hlc"], { l: 30, c: 2 });
  assert.equal(jump.data?.["pt"], 10);
  assert.equal(jump.data?.["aheadMs"], 20, "n1's clock runs at least 20 ms ahead");
  const deliver = result.events.find((e) => e.kind === "DELIVER" && e.node === "n2");
  assert.deepEqual(deliver?.data?.["hlc"], { l: 30, c: 2 }, "c = c_m + 1, and n1's send had c=1 (boot l = pt = 30)");
  assert.equal(deliver?.data?.["hlcRule"], "message");
  assert.deepEqual(deliver?.data?.["messageHlc"], { l: 30, c: 1 });
  const n2 = stateOf(result, "n2");
  assert.deepEqual(n2["hlc"], { l: 100, c: 0 }, "by time 100 n2's own clock is past 30 again");
  assert.equal(n2["maxHlcAheadMs"], 20);
  assert.ok(result.events.some((e) => e.node === "n2" && e.data?.["clockChange"] === "caught-up"));
  const summary = result.events.find((e) => e.kind === "NOTE" && e.data?.["invariant"] === "HlcBounded");
  assert.equal(summary?.data?.["maxAheadMs"], 20);
  assert.equal(summary?.data?.["epsilonMs"], 30);
});

test("without a saved HLC a restart can stamp below a pre-crash event: HlcCausality catches it", () => {
  const scenario = (persistHlc: boolean): SimulationResult =>
    run(
      {
        network: { ...spec().network, delay: { min: 5, max: 5 } },
        clocks: { n1: { offset: 500, drift: 0 } },
        workload: [op("n1", 0, "send", { to: "n2", text: "from the future" })],
        faults: [
          { trigger: { type: "at", at: 20 }, action: { do: "crash", node: "n2" } },
          { trigger: { type: "at", at: 30 }, action: { do: "recover", node: "n2" } },
        ],
      },
      { persistHlc },
    );
  const lost = scenario(false);
  assert.deepEqual(
    [...new Set(lost.violations.map((v) => v.invariant))],
    ["HlcCausality"],
    "n2's restart at l=30 comes after its receive at l=500",
  );
  assert.ok(
    lost.violations.some((v) => v.message.startsWith("n2:1 happened before n2:2, yet its HLC stamp (l=500, c=2)")),
    lost.violations.map((v) => v.message).join("\n"),
  );
  const kept = scenario(true);
  assert.deepEqual(kept.violations, []);
  assert.deepEqual(stateOf(kept, "n2")["hlc"], { l: 500, c: 3 }, "the restart keeps l=500: c counts on");
});

test("a send to an unknown node or to itself is refused with a reason, and clocks do not move", () => {
  const result = run({
    workload: [op("n1", 0, "send", { to: "n9", text: "x" }), op("n2", 0, "send", { to: ["n2"], text: "x" })],
  });
  const returns = result.events.filter((e) => e.kind === "CLIENT_RETURN");
  assert.equal(returns.length, 2);
  assert.match(JSON.stringify(returns[0]?.data), /n9\\" is not one of the scenario's nodes/);
  assert.match(JSON.stringify(returns[1]?.data), /cannot send to itself/);
  assert.equal(stateOf(result, "n1")["lamport"], 0);
});

test("same seed, same trace: the chatter's random choices come from the run's seed", () => {
  const make = (seed: number): SimulationResult =>
    run(
      { seed, clocks: { n2: { offset: -15, drift: 0.002 } } },
      { chatter: { messages: 6, intervalMs: { min: 2, max: 20 } } },
    );
  assert.equal(make(5).traceHash, make(5).traceHash);
  assert.notEqual(make(5).traceHash, make(6).traceHash);
});

// ------------------------------------------------------------------ the checkers on their own

function fakeState(node: string, events: ClockEvent[], offsets = { min: 0, max: 0 }): ClocksState {
  const last = events.at(-1);
  return {
    node,
    config: config(),
    nodes: NODES,
    lamport: last?.lamport ?? 0,
    vc: { ...(last?.vc ?? {}) },
    hlc: last?.hlc ?? { l: 0, c: 0 },
    pt: last?.pt ?? 0,
    offsetsSeen: offsets,
    maxHlcAheadMs: 0,
    events,
    known: [],
    concurrentPairs: [],
    chatterLeft: 0,
  };
}

function event(id: string, vc: Record<string, number>, l: number, c: number, pt: number): ClockEvent {
  const node = id.split(":")[0] as string;
  return { id, node, kind: "local", text: id, lamport: 0, vc, hlc: { l, c }, pt };
}

function step(states: ClocksState[]): CheckerStep<ClocksState> {
  const fake: TraceEvent = {
    seq: 0,
    time: 0,
    node: "n1",
    kind: "NOTE",
    summary: "",
    lamport: 0,
    vclock: {},
    data: null,
  };
  return { event: fake, time: 0, states: new Map(states.map((s) => [s.node, s])), durable: new Map() };
}

test("HlcCausality fires when a later event (by vector clock) has a smaller or equal stamp, once per pair", () => {
  const checker = hlcCausalityChecker();
  const send = event("n1:1", { n1: 1 }, 100, 0, 100);
  assert.deepEqual(checker.observe(step([fakeState("n1", [send])])), []);
  const receiveOk = event("n2:1", { n1: 1, n2: 1 }, 100, 1, 50);
  assert.deepEqual(checker.observe(step([fakeState("n1", [send]), fakeState("n2", [receiveOk])])), []);
  const receiveBad = event("n2:2", { n1: 1, n2: 2 }, 100, 0, 60);
  const found = checker.observe(step([fakeState("n1", [send]), fakeState("n2", [receiveOk, receiveBad])]));
  assert.deepEqual(
    found.map((v) => v.message),
    [
      "n1:1 happened before n2:2, yet its HLC stamp (l=100, c=0) is not smaller than (l=100, c=0).",
      "n2:1 happened before n2:2, yet its HLC stamp (l=100, c=1) is not smaller than (l=100, c=0).",
    ],
  );
  const concurrent = event("n3:1", { n3: 1 }, 5, 0, 5);
  assert.deepEqual(checker.observe(step([fakeState("n3", [concurrent])])), [], "concurrent events may order any way");
});

test("HlcBounded fires when l falls below pt or runs further ahead than the offsets seen allow", () => {
  const checker = hlcBoundedChecker();
  const ok = event("n1:1", { n1: 1 }, 130, 0, 100);
  assert.deepEqual(checker.observe(step([fakeState("n1", [ok], { min: -10, max: 25 })])), []);
  const behind = event("n1:2", { n1: 2 }, 90, 0, 100);
  const tooFar = event("n2:1", { n2: 1 }, 200, 0, 100);
  const found = checker.observe(
    step([fakeState("n1", [ok, behind], { min: -10, max: 25 }), fakeState("n2", [tooFar], { min: 0, max: 0 })]),
  );
  assert.equal(found.length, 2);
  assert.deepEqual(found[0]?.data, { event: "n1:2", l: 90, pt: 100 }, "l below pt");
  assert.deepEqual(found[1]?.data, { event: "n2:1", l: 200, pt: 100, aheadMs: 100, epsilonMs: 35 });
  assert.equal(checker.summary?.(step([]))?.data?.["maxAheadMs"], 100);
});
