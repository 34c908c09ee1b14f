import { test } from "node:test";
import assert from "node:assert/strict";
import { atomicityChecker, commitValidityChecker } from "../../src/protocols/two-phase-commit/checkers";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import type {
  CoordinatorState,
  ParticipantState,
  ParticipantStatus,
  TwoPhaseCommitConfig,
  TwoPhaseCommitState,
  Vote,
} from "../../src/protocols/two-phase-commit";
import type { Json } from "../../src/sim/json";
import type { CheckerStep, Durable, TraceEvent } from "../../src/sim/types";

// These tests hand the checkers broken state sequences that a correct protocol
// never produces, to show that each one fires, names the transaction, and fires once.

const NODES = ["coord", "p1", "p2", "p3"];
const parsed = twoPhaseCommit.parseConfig({ coordinator: "coord" }, NODES);
if (!parsed.ok) throw new Error("config");
const CONFIG: TwoPhaseCommitConfig = parsed.config;

function participant(node: string, txs: Record<string, [ParticipantStatus, Vote | null]>): ParticipantState {
  const transactions: ParticipantState["transactions"] = {};
  for (const [tx, [status, vote]] of Object.entries(txs)) {
    transactions[tx] = { status, vote, locks: [], participants: ["p1", "p2", "p3"], decisionRequests: 0 };
  }
  return { role: "participant", node, config: CONFIG, coordinator: "coord", transactions, locks: {} };
}

function coordinator(decisions: Record<string, "COMMIT" | "ABORT" | null>): CoordinatorState {
  const transactions: CoordinatorState["transactions"] = {};
  for (const [tx, decision] of Object.entries(decisions)) {
    transactions[tx] = {
      status: decision === null ? "COLLECTING" : decision === "COMMIT" ? "COMMITTING" : "ABORTING",
      participants: ["p1", "p2", "p3"],
      keys: {},
      votes: { p1: null, p2: null, p3: null },
      decision,
      acks: [],
      requestId: null,
      retries: 0,
    };
  }
  return { role: "coordinator", node: "coord", config: CONFIG, transactions };
}

let seq = 0;
function step(
  states: TwoPhaseCommitState[],
  durable: Record<string, Record<string, Json>> = {},
): CheckerStep<TwoPhaseCommitState> {
  seq += 1;
  const event: TraceEvent = {
    seq,
    time: seq,
    node: "p1",
    kind: "STATE_CHANGE",
    summary: "a crafted step",
    lamport: seq,
    vclock: { p1: seq },
    data: null,
  };
  const durableMap = new Map<string, Durable>();
  for (const node of NODES) durableMap.set(node, new Map(Object.entries(durable[node] ?? {})));
  return { event, time: seq, states: new Map(states.map((s) => [s.node, s])), durable: durableMap };
}

test("Atomicity stays quiet while participants agree or are still uncertain", () => {
  const checker = atomicityChecker();
  assert.equal(checker.invariant, "Atomicity");
  assert.deepEqual(
    checker.observe(step([coordinator({ t1: null }), participant("p1", { t1: ["PREPARED", "YES"] })])),
    [],
  );
  assert.deepEqual(
    checker.observe(
      step([
        coordinator({ t1: "COMMIT" }),
        participant("p1", { t1: ["COMMITTED", "YES"] }),
        participant("p2", { t1: ["PREPARED", "YES"] }),
      ]),
    ),
    [],
    "committed next to prepared is blocked, not inconsistent",
  );
});

test("Atomicity fires once when one participant commits and another aborts", () => {
  const checker = atomicityChecker();
  const split = [
    coordinator({ t1: null }),
    participant("p1", { t1: ["COMMITTED", "YES"] }),
    participant("p2", { t1: ["ABORTED", "YES"] }),
  ];
  const found = checker.observe(step(split));
  assert.equal(found.length, 1);
  assert.match(found[0]?.message ?? "", /t1 is committed at p1 but aborted at p2/);
  assert.deepEqual(checker.observe(step(split)), [], "each transaction is reported once");
  const other = checker.observe(
    step([
      ...split.slice(1),
      participant("p3", { t2: ["ABORTED", null] }),
      participant("p1", { t2: ["COMMITTED", "YES"] }),
    ]),
  );
  assert.equal(other.length, 1, "another transaction split the same way is reported too");
  assert.match(other[0]?.message ?? "", /^t2 /);
});

test("Atomicity reads a crashed participant's durable record", () => {
  const checker = atomicityChecker();
  const found = checker.observe(
    step([coordinator({ t1: "COMMIT" }), participant("p1", { t1: ["COMMITTED", "YES"] })], {
      p2: { "tx:t1": { status: "ABORTED", vote: "YES", locks: [], participants: ["p1", "p2", "p3"] } },
    }),
  );
  assert.equal(found.length, 1);
  assert.match(found[0]?.message ?? "", /aborted at p2/);
});

test("Atomicity counts the coordinator's logged decision, read from its log when it is down", () => {
  const checker = atomicityChecker();
  const found = checker.observe(
    step([participant("p1", { t1: ["COMMITTED", "YES"] })], {
      coord: {
        "coord:t1": { participants: ["p1", "p2", "p3"], keys: {}, requestId: null, decision: "ABORT", done: false },
      },
    }),
  );
  assert.equal(found.length, 1);
  assert.match(found[0]?.message ?? "", /aborted at coord \(its logged decision\)/);
});

test("CommitValidity fires when a transaction commits although a participant voted NO", () => {
  const checker = commitValidityChecker();
  assert.equal(checker.invariant, "CommitValidity");
  const found = checker.observe(
    step([
      coordinator({ t1: "COMMIT" }),
      participant("p1", { t1: ["COMMITTED", "YES"] }),
      participant("p2", { t1: ["ABORTED", "NO"] }),
      participant("p3", { t1: ["PREPARED", "YES"] }),
    ]),
  );
  assert.equal(found.length, 1);
  assert.match(found[0]?.message ?? "", /t1 is committed at p1, coord although p2 voted NO/);
  assert.deepEqual(
    checker.observe(step([coordinator({ t1: "COMMIT" }), participant("p2", { t1: ["ABORTED", "NO"] })])),
    [],
    "reported once",
  );
});

test("CommitValidity fires when a participant never voted, and stays quiet when all voted YES", () => {
  const checker = commitValidityChecker();
  const healthy = [
    coordinator({ t1: "COMMIT" }),
    participant("p1", { t1: ["COMMITTED", "YES"] }),
    participant("p2", { t1: ["PREPARED", "YES"] }),
    participant("p3", { t1: ["COMMITTED", "YES"] }),
  ];
  assert.deepEqual(checker.observe(step(healthy)), []);
  const found = checker.observe(
    step([
      coordinator({ t1: "COMMIT", t2: "COMMIT" }),
      participant("p1", { t1: ["COMMITTED", "YES"], t2: ["COMMITTED", "YES"] }),
      participant("p2", { t1: ["PREPARED", "YES"], t2: ["PREPARED", "YES"] }),
      participant("p3", { t1: ["COMMITTED", "YES"] }),
    ]),
  );
  assert.equal(found.length, 1);
  assert.match(found[0]?.message ?? "", /t2 .* although p3 never voted YES/);
});
