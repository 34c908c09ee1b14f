import { test } from "node:test";
import assert from "node:assert/strict";
import {
  atomicityChecker,
  commitValidityChecker,
  TWO_PHASE_COMMIT_INVARIANTS,
} from "../../src/protocols/two-phase-commit/checkers";
import type { TwoPhaseCommitFact } from "../../src/protocols/two-phase-commit/facts";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import type {
  ParticipantState,
  ParticipantStatus,
  TwoPhaseCommitConfig,
  TwoPhaseCommitState,
  Vote,
} from "../../src/protocols/two-phase-commit";
import type { Json, JsonObject } from "../../src/sim/json";
import { DEFAULT_NETWORK, type SimulationSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { CheckerStep, Context, Durable, Message, Protocol, TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";

// The checkers judge the trace (Bernstein, Hadzilacos & Goodman 1987, 7.2, AC1-AC3):
// these tests hand them crafted event sequences that a correct protocol never
// writes, to show that each one fires, names the transaction in its data, and fires
// once; and, at the end of a run, the nodes' final states and logs.

const NODES = ["coord", "p1", "p2", "p3"];
const parsed = twoPhaseCommit.parseConfig({ coordinator: "coord" }, NODES);
if (!parsed.ok) throw new Error("config");
const CONFIG: TwoPhaseCommitConfig = parsed.config;
const PARTICIPANTS = ["p1", "p2", "p3"];

let seq = 0;
function event(node: string, fact: TwoPhaseCommitFact): TraceEvent {
  seq += 1;
  return {
    seq,
    time: seq,
    node,
    kind: "STATE_CHANGE",
    summary: "a crafted event",
    lamport: seq,
    vclock: { [node]: seq },
    data: fact as unknown as JsonObject,
  };
}

const begin = (tx: string): TraceEvent =>
  event("coord", {
    fact: "begin",
    tx,
    participants: PARTICIPANTS,
    logged: false,
    forced: false,
    variant: "presumed-abort",
  });
const vote = (node: string, tx: string, v: Vote): TraceEvent =>
  event(node, {
    fact: "vote",
    tx,
    vote: v,
    why: "crafted",
    state: v === "YES" ? "uncertain" : "aborted",
    logged: true,
    forced: true,
    locks: [],
  });
const decision = (tx: string, outcome: "COMMIT" | "ABORT"): TraceEvent =>
  event("coord", {
    fact: "decision",
    tx,
    outcome,
    why: "crafted",
    logged: true,
    forced: true,
    variant: "presumed-abort",
    participants: PARTICIPANTS,
    awaitingAcks: [],
    votes: {},
  });
const outcome = (node: string, tx: string, o: "COMMIT" | "ABORT"): TraceEvent =>
  event(node, {
    fact: "outcome",
    tx,
    state: o === "COMMIT" ? "committed" : "aborted",
    outcome: o,
    from: "coord",
    fromPeer: false,
    was: "uncertain",
    logged: true,
    forced: true,
    acks: true,
  });

function step(
  events: TraceEvent[],
  states: TwoPhaseCommitState[] = [],
  durable: Record<string, Record<string, Json>> = {},
): CheckerStep<TwoPhaseCommitState> {
  const durableMap = new Map<string, Durable>();
  for (const node of NODES) durableMap.set(node, new Map(Object.entries(durable[node] ?? {})));
  const last = events[events.length - 1] ?? event("p1", { fact: "work", tx: "none", state: "active", locks: [] });
  return {
    event: last,
    events,
    time: last.time,
    states: new Map(states.map((s) => [s.node, s])),
    durable: durableMap,
  };
}

function participant(node: string, txs: Record<string, [ParticipantStatus, Vote | null]>): ParticipantState {
  const transactions: ParticipantState["transactions"] = {};
  for (const [tx, [status, v]] of Object.entries(txs)) {
    transactions[tx] = { status, vote: v, locks: [], participants: PARTICIPANTS, decisionRequests: 0, blocked: false };
  }
  return { role: "participant", node, config: CONFIG, coordinator: "coord", transactions, locks: {} };
}

test("the checkers' invariant names are exported for the protocol's list", () => {
  assert.deepEqual([...TWO_PHASE_COMMIT_INVARIANTS], ["Atomicity", "CommitValidity"]);
  assert.deepEqual(
    twoPhaseCommit.checkers(CONFIG).map((c) => c.invariant),
    [...TWO_PHASE_COMMIT_INVARIANTS],
  );
});

test("AC1: Atomicity stays quiet while participants agree or are still uncertain", () => {
  const checker = atomicityChecker();
  assert.deepEqual(checker.observe(step([begin("t1"), vote("p1", "t1", "YES"), vote("p2", "t1", "YES")])), []);
  assert.deepEqual(
    checker.observe(step([decision("t1", "COMMIT"), outcome("p1", "t1", "COMMIT")])),
    [],
    "committed next to uncertain is not inconsistent",
  );
});

test("AC1: Atomicity fires once, with the sides in its data, when one participant commits and another aborts", () => {
  const checker = atomicityChecker();
  checker.observe(step([begin("t1"), vote("p1", "t1", "YES"), vote("p2", "t1", "YES")]));
  const found = checker.observe(step([outcome("p1", "t1", "COMMIT"), outcome("p2", "t1", "ABORT")]));
  assert.equal(found.length, 1);
  assert.deepEqual(found[0]?.data, { tx: "t1", committed: ["p1"], aborted: ["p2"] });
  assert.deepEqual(checker.observe(step([outcome("p3", "t1", "ABORT")])), [], "each transaction is reported once");
  const other = checker.observe(step([decision("t2", "ABORT"), outcome("p1", "t2", "COMMIT")]));
  assert.equal(other.length, 1, "another transaction split the same way is reported too");
  assert.deepEqual(other[0]?.data, { tx: "t2", committed: ["p1"], aborted: ["coord"] });
});

test("AC2: a node that reaches one outcome and later the other is caught, though it never holds both at once", () => {
  const checker = atomicityChecker();
  checker.observe(step([outcome("p1", "t1", "COMMIT")]));
  const found = checker.observe(step([outcome("p1", "t1", "ABORT")]));
  assert.deepEqual(found[0]?.data, { tx: "t1", committed: ["p1"], aborted: ["p1"] });
});

test("AC1 at the end of a run: an outcome no event stated is read from the final states and the logs of nodes that are down", () => {
  const checker = atomicityChecker();
  assert.deepEqual(checker.observe(step([decision("t1", "COMMIT"), outcome("p1", "t1", "COMMIT")])), []);
  // p2's handler flipped t1 to ABORTED without saying so; p3 is down, its log says ABORTED.
  const found =
    checker.finish?.(
      step([], [participant("p2", { t1: ["ABORTED", "YES"] })], {
        p3: { "tx:t1": { status: "ABORTED", vote: "YES", locks: [], participants: PARTICIPANTS } },
      }),
    ) ?? [];
  assert.equal(found.length, 1);
  assert.deepEqual(found[0]?.data, { tx: "t1", committed: ["coord", "p1"], aborted: ["p2", "p3"] });
});

test("AC3: CommitValidity fires when a transaction commits although a participant voted NO", () => {
  const checker = commitValidityChecker();
  const found = checker.observe(
    step([
      begin("t1"),
      vote("p1", "t1", "YES"),
      vote("p2", "t1", "NO"),
      vote("p3", "t1", "YES"),
      decision("t1", "COMMIT"),
    ]),
  );
  assert.equal(found.length, 1);
  assert.deepEqual(found[0]?.data, { tx: "t1", committedAt: ["coord"], problems: ["p2 voted NO"] });
  assert.deepEqual(checker.observe(step([outcome("p1", "t1", "COMMIT")])), [], "reported once");
});

test("AC3: CommitValidity fires when a participant had not voted at the commit, and stays quiet when all voted YES", () => {
  const checker = commitValidityChecker();
  const healthy = [begin("t1"), ...PARTICIPANTS.map((p) => vote(p, "t1", "YES")), decision("t1", "COMMIT")];
  assert.deepEqual(checker.observe(step(healthy)), []);
  const found = checker.observe(
    step([begin("t2"), vote("p1", "t2", "YES"), vote("p2", "t2", "YES"), decision("t2", "COMMIT")]),
  );
  assert.equal(found.length, 1);
  assert.deepEqual(found[0]?.data, { tx: "t2", committedAt: ["coord"], problems: ["p3 never voted YES"] });
  assert.deepEqual(
    checker.observe(step([vote("p3", "t2", "YES")])),
    [],
    "a vote after the commit does not make the commit valid again, and nothing is reported twice",
  );
});

// The same checkers in the real core, against deliberately broken variants of the
// protocol: a bug that states a wrong outcome is caught in the step it happens; one
// that changes an outcome without saying so is caught when the run stops.

type Bug = (ctx: Context, state: TwoPhaseCommitState, from: string, message: Message) => void;

function broken(bug: Bug): Protocol<TwoPhaseCommitConfig, TwoPhaseCommitState> {
  return {
    ...twoPhaseCommit,
    onMessage(ctx, state, from, message) {
      twoPhaseCommit.onMessage(ctx, state, from, message);
      bug(ctx, state, from, message);
    },
  };
}

function runBroken(bug: Bug, raw: JsonObject = {}): SimulationResult {
  const cfg = twoPhaseCommit.parseConfig({ coordinator: "coord", ...raw }, NODES);
  if (!cfg.ok) throw new Error("config");
  const workload: WorkloadSpec[] = [
    { trigger: { type: "at", at: 0 }, node: "coord", op: "begin", args: { tx: "t1" }, followRedirects: 0 },
  ];
  const s: SimulationSpec = {
    nodes: NODES,
    seed: 3,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload,
    faults: [],
    limits: { maxTime: 5000, maxEvents: 5000 },
  };
  return new Simulation(broken(bug), cfg.config, s).run();
}

test("live, AC1: a participant that commits on ABORT, and says so, is caught in that very step", () => {
  let deliver = -1;
  const result = runBroken(
    (ctx, state, _from, message) => {
      if (ctx.node !== "p1" || message.type !== "ABORT" || state.role !== "participant") return;
      const tx = state.transactions["t1"];
      if (tx === undefined) return;
      tx.status = "COMMITTED";
      ctx.stateChange("p1 wrongly commits t1.", {
        fact: "outcome",
        tx: "t1",
        state: "committed",
        outcome: "COMMIT",
        from: "coord",
        fromPeer: false,
        was: "uncertain",
        logged: true,
        forced: true,
        acks: true,
      });
      deliver = ctx.now;
    },
    { votes: { p2: "no" } },
  );
  const violation = result.events.find((e) => e.kind === "VIOLATION");
  assert.ok(violation !== undefined);
  assert.equal(violation.time, deliver, "reported in the step of the bug");
  const details = violation.data?.["details"] as JsonObject;
  assert.deepEqual(details["committed"], ["p1"]);
  assert.ok((details["aborted"] as string[]).includes("p2"), "p2 voted NO and aborted");
});

test("live, AC1: a participant that flips a committed transaction to ABORTED without a word is caught when the run stops", () => {
  const result = runBroken((ctx, state, _from, message) => {
    if (ctx.node !== "p3" || message.type !== "COMMIT" || state.role !== "participant") return;
    const tx = state.transactions["t1"];
    if (tx !== undefined) tx.status = "ABORTED";
  });
  assert.equal(result.violations.length, 1);
  assert.equal(result.violations[0]?.invariant, "Atomicity");
  const details = result.events.find((e) => e.kind === "VIOLATION")?.data?.["details"] as JsonObject;
  assert.deepEqual(details["aborted"], ["p3"]);
  assert.ok((details["committed"] as string[]).includes("coord"));
});

test("live, AC3: a coordinator that states COMMIT although a participant voted NO is caught", () => {
  const result = runBroken(
    (ctx, state, from, message) => {
      if (ctx.node !== "coord" || message.type !== "VOTE_NO" || state.role !== "coordinator") return;
      ctx.stateChange("coord wrongly decides COMMIT.", {
        fact: "decision",
        tx: "t1",
        outcome: "COMMIT",
        why: `a bug ignores ${from}'s NO`,
        logged: true,
        forced: true,
        variant: "presumed-abort",
        participants: PARTICIPANTS,
        awaitingAcks: [],
        votes: { p1: "YES", p2: "NO", p3: "YES" },
      });
    },
    { votes: { p2: "no" } },
  );
  const validity = result.events.find((e) => e.kind === "VIOLATION" && e.data?.["invariant"] === "CommitValidity");
  assert.ok(validity !== undefined);
  assert.deepEqual((validity.data?.["details"] as JsonObject)["problems"], ["p2 voted NO"]);
});
