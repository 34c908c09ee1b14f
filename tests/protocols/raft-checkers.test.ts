import { test } from "node:test";
import assert from "node:assert/strict";
import {
  electionSafety,
  leaderAppendOnly,
  leaderCompleteness,
  logMatching,
  stateMachineSafety,
  type RaftLikeEntry,
  type RaftLikeState,
} from "../../src/protocols/raft/checkers";
import { LogTracker } from "../../src/protocols/raft/checkers/shape";
import { defaultRaftConfig, raft } from "../../src/protocols/raft";
import type { RaftConfig, RaftState } from "../../src/protocols/raft";
import { runScenario } from "../../src/scenarios/runner";
import { DEFAULT_NETWORK } from "../../src/sim/spec";
import type { JsonObject } from "../../src/sim/json";
import type { Checker, CheckerStep, Protocol, TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";
import { loadConsensus, put } from "./raft-helpers";

// The five safety properties of Raft's Figure 3. Each checker must stay silent on
// correct runs (the scenario and property tests) and must fire on a deliberately
// broken variant of the protocol: two variants are the unsafe config flags of the
// scenarios, the others are wrappers below that break one rule of the real code.

function invariants(result: SimulationResult): string[] {
  return [...new Set(result.violations.map((v) => v.invariant))].sort();
}

/** The data of the first VIOLATION event of an invariant (the checker's own facts, under `details`). */
function violationData(result: SimulationResult, invariant: string): JsonObject | undefined {
  const event = result.events.find((e) => e.kind === "VIOLATION" && e.data?.["invariant"] === invariant);
  return event?.data?.["details"] as JsonObject | undefined;
}

function runVariant(
  protocol: Protocol<RaftConfig, RaftState>,
  nodes: readonly string[],
  seed: number,
  workload = [put(500, nodes[0] as string, "x", 1)],
): SimulationResult {
  return new Simulation(protocol, defaultRaftConfig(nodes), {
    nodes,
    seed,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload,
    faults: [],
    limits: { maxTime: 1500, maxEvents: 100_000 },
  }).run();
}

/**
 * Broken variant: a misconfigured cluster in which a and b believe the cluster is
 * {a, b} and c and d believe it is {c, d}. Each pair computes its majority over its
 * own view (2 of 2), so each elects a leader on its own: split brain.
 */
const SPLIT: Record<string, string[]> = { a: ["b"], b: ["a"], c: ["d"], d: ["c"] };
const splitBrain: Protocol<RaftConfig, RaftState> = {
  ...raft,
  init(ctx, config) {
    return { ...raft.init(ctx, config), peers: SPLIT[ctx.node] as string[] };
  },
};

test("Election Safety (Figure 3, section 5.2) fires when two leaders share a term: a split-brain membership bug", () => {
  const result = runVariant(splitBrain, ["a", "b", "c", "d"], 1, [put(500, "a", "x", 1), put(500, "c", "x", 2)]);
  const violation = violationData(result, "Election Safety");
  assert.ok(violation, `expected Election Safety; found ${invariants(result).join(", ")} (seed=1)`);
  assert.equal(violation["term"], 1);
  assert.equal((violation["leaders"] as string[]).length, 2, "two leaders of term 1");
  // The two leaders of term 1 each appended a different entry 2 of term 1.
  assert.ok(invariants(result).includes("Log Matching"), "and their logs disagree at (index 2, term 1)");
  assert.ok(invariants(result).includes("State Machine Safety"), "and they applied different entries at index 2");
  // The correct protocol on the same cluster and seed elects one leader.
  assert.deepEqual(
    runVariant(raft, ["a", "b", "c", "d"], 1, [put(500, "a", "x", 1), put(500, "c", "x", 2)]).violations,
    [],
  );
});

/** Broken variant: a leader that throws away its newest entry when its heartbeat timer fires. */
function forgetfulLeader(): Protocol<RaftConfig, RaftState> {
  let dropped = false;
  return {
    ...raft,
    onTimer(ctx, state, timer) {
      raft.onTimer(ctx, state, timer);
      if (!dropped && state.role === "leader" && state.log.length >= 2) {
        dropped = true;
        state.log.pop();
      }
    },
  };
}

test("Leader Append-Only (Figure 3, section 5.3) fires when a leader deletes an entry of its own log", () => {
  const nodes = ["n1", "n2", "n3"];
  const result = runVariant(forgetfulLeader(), nodes, 4, [put(500, "n1", "x", 1)]);
  const violation = violationData(result, "Leader Append-Only");
  assert.ok(violation, `expected Leader Append-Only; found ${invariants(result).join(", ") || "nothing"} (seed=4)`);
  assert.deepEqual([violation["from"], violation["to"]], [2, 2], "entry 2 of its own log is gone");
  assert.deepEqual(runVariant(raft, nodes, 4, [put(500, "n1", "x", 1)]).violations, []);
});

test("Leader Completeness (Figure 3, section 5.4) fires when votes ignore the Election Restriction (unsafe flag)", () => {
  const result = runScenario(loadConsensus("raft-no-election-restriction-unsafe"));
  const violation = violationData(result, "Leader Completeness");
  assert.ok(violation);
  assert.deepEqual(
    [violation["leader"], violation["term"], violation["index"], violation["committedInTerm"]],
    ["n4", 2, 2, 1],
  );
  assert.deepEqual(violation["entry"], { term: 1, command: { op: "put", key: "x", value: 1 } });
});

test("State Machine Safety (Figure 3, section 5.4.3) fires when a leader commits an earlier term's entry by counting (Figure 8, unsafe flag)", () => {
  const result = runScenario(loadConsensus("raft-figure-8-unsafe"));
  const violation = violationData(result, "State Machine Safety");
  assert.ok(violation);
  assert.equal(violation["index"], 2);
  assert.equal((violation["nodes"] as string[])[0], "s1", "s1 applied entry 2 first");
  assert.deepEqual(
    (violation["entries"] as JsonObject[]).map((e) => [e["term"], (e["command"] as JsonObject)["value"]]),
    [
      [2, 2],
      [3, 3],
    ],
  );
  assert.deepEqual(runScenario(loadConsensus("raft-figure-8")).violations, [], "with the current-term rule it is safe");
});

// ------------------------------------------------------------------ the checkers on their own

interface Fake extends RaftLikeState {
  role: string;
  currentTerm: number;
  log: RaftLikeEntry[];
  commitIndex: number;
  lastApplied: number;
}

const EVENT: TraceEvent = {
  seq: 0,
  time: 0,
  node: "n1",
  kind: "NOTE",
  summary: "",
  lamport: 0,
  vclock: {},
  data: null,
};

function step(states: Record<string, Fake>): CheckerStep<Fake> {
  return { event: EVENT, time: 0, states: new Map(Object.entries(states)), durable: new Map() };
}

function entry(term: number, value: number): RaftLikeEntry {
  return { term, command: { op: "put", key: "x", value } };
}

function fake(role: string, term: number, log: RaftLikeEntry[], commitIndex = 0, lastApplied = commitIndex): Fake {
  return { role, currentTerm: term, log, commitIndex, lastApplied };
}

/** What a checker reports for one step: each violation's node and data (its sentence is for people). */
function observe(checker: Checker<Fake>, states: Record<string, Fake>): JsonObject[] {
  return checker.observe(step(states)).map((v) => ({ node: v.node ?? null, ...(v.data ?? {}) }));
}

test("Election Safety remembers each term's leader and reports a second one once", () => {
  const checker = electionSafety<Fake>();
  assert.deepEqual(observe(checker, { a: fake("leader", 1, []), b: fake("follower", 1, []) }), []);
  // a has crashed (absent); b leads term 1 later: still a second leader of term 1.
  assert.deepEqual(observe(checker, { b: fake("leader", 1, []) }), [{ node: "b", term: 1, leaders: ["a", "b"] }]);
  assert.deepEqual(observe(checker, { b: fake("leader", 1, []) }), [], "reported once");
  assert.deepEqual(observe(checker, { b: fake("leader", 2, []) }), [], "a new term may have a new leader");
});

test("Log Matching: same index and term with a different command, or a different entry before it, is a violation", () => {
  const checker = logMatching<Fake>();
  const shared = [entry(1, 1), entry(1, 2)];
  assert.deepEqual(observe(checker, { a: fake("leader", 1, [...shared]), b: fake("follower", 1, [...shared]) }), []);
  const differentCommand = observe(checker, { c: fake("follower", 1, [entry(1, 1), entry(1, 9)]) });
  assert.deepEqual(differentCommand, [{ node: "c", index: 2, term: 1, nodes: ["a", "c"], rule: "differentCommand" }]);
  const differentPrefix = observe(checker, {
    d: fake("follower", 3, [entry(2, 5), entry(3, 7)]),
    e: fake("follower", 3, [entry(3, 6), entry(3, 7)]),
  });
  assert.deepEqual(differentPrefix, [
    { node: "e", index: 2, term: 3, nodes: ["d", "e"], rule: "differentPrefix", previousTerms: [2, 3] },
  ]);
});

test("Log Matching: truncating a suffix and appending a later term's entries is legal (Figure 2, AppendEntries rule 3)", () => {
  const checker = logMatching<Fake>();
  const log = [entry(1, 1), entry(1, 2), entry(1, 3)];
  assert.deepEqual(observe(checker, { a: fake("follower", 1, log) }), []);
  log.length = 1;
  log.push(entry(2, 4), entry(2, 5));
  assert.deepEqual(observe(checker, { a: fake("follower", 2, log) }), []);
  assert.deepEqual(observe(checker, { b: fake("leader", 2, [entry(1, 1), entry(2, 4)]) }), []);
});

test("Leader Append-Only: a leader may only grow its log within its term; a new term starts afresh", () => {
  const checker = leaderAppendOnly<Fake>();
  const log = [entry(1, 1), entry(1, 2)];
  assert.deepEqual(observe(checker, { a: fake("leader", 1, log) }), []);
  log.push(entry(1, 3));
  assert.deepEqual(observe(checker, { a: fake("leader", 1, log) }), []);
  log[2] = entry(1, 30);
  assert.deepEqual(observe(checker, { a: fake("leader", 1, log) }), [
    { node: "a", leader: "a", term: 1, from: 3, to: 3 },
  ]);
  // As a follower its log may be cut; leading a later term with a shorter log is fine.
  assert.deepEqual(observe(checker, { a: fake("follower", 2, log.slice(0, 1)) }), []);
  assert.deepEqual(observe(checker, { a: fake("leader", 3, log.slice(0, 1)) }), []);
});

test("Leader Completeness: an entry committed in term T must be in the log of every leader of a later term", () => {
  const checker = leaderCompleteness<Fake>();
  const committed = [entry(1, 1), entry(1, 2)];
  assert.deepEqual(observe(checker, { a: fake("leader", 1, committed, 2), b: fake("follower", 1, committed, 0) }), []);
  // A leader of the same term is not judged by it; a leader of term 2 without entry 2 is.
  assert.deepEqual(observe(checker, { c: fake("follower", 1, [entry(1, 1)]) }), []);
  const found = observe(checker, { c: fake("leader", 2, [entry(1, 1), entry(2, 3)]) });
  assert.deepEqual(found, [
    {
      node: "c",
      leader: "c",
      term: 2,
      index: 2,
      committedInTerm: 1,
      committedBy: "a",
      entry: entry(1, 2),
      held: entry(2, 3),
    },
  ]);
  assert.deepEqual(observe(checker, { d: fake("leader", 3, [...committed, entry(3, 4)]) }), []);
});

test("State Machine Safety: two different entries applied at one index; a restarted node re-applying the same is fine", () => {
  const checker = stateMachineSafety<Fake>();
  const log = [entry(1, 1), entry(1, 2)];
  assert.deepEqual(observe(checker, { a: fake("follower", 1, log, 2), b: fake("follower", 1, [...log], 2) }), []);
  assert.deepEqual(observe(checker, { a: fake("follower", 1, log, 0) }), [], "a restarts: lastApplied back to 0");
  assert.deepEqual(observe(checker, { a: fake("follower", 1, log, 2) }), [], "and re-applies the same entries");
  const found = observe(checker, { c: fake("follower", 2, [entry(1, 1), entry(2, 9)], 2) });
  assert.deepEqual(found, [{ node: "c", index: 2, nodes: ["a", "c"], entries: [entry(1, 2), entry(2, 9)] }]);
});

test("LogTracker (what makes the checkers incremental): it reports how much of a log is unchanged since the last look", () => {
  const tracker = new LogTracker();
  const log = [entry(1, 1), entry(1, 2), entry(1, 3)];
  assert.deepEqual(tracker.update("a", log), { kept: 0, previousLength: 0 });
  log.push(entry(1, 4));
  assert.deepEqual(tracker.update("a", log), { kept: 3, previousLength: 3 });
  log.length = 2;
  log.push(entry(2, 5));
  assert.deepEqual(tracker.update("a", log), { kept: 2, previousLength: 4 });
  assert.deepEqual(tracker.update("a", log), { kept: 3, previousLength: 3 });
  assert.deepEqual(tracker.update("a", [entry(1, 1)]), { kept: 0, previousLength: 3 }, "new objects: checked again");
});
