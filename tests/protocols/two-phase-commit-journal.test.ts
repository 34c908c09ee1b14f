import { test } from "node:test";
import assert from "node:assert/strict";
import { atomicityChecker, atomicityCheckers, commitValidityChecker } from "../../src/protocols/two-phase-commit/checkers";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import type {
  ParticipantStatus,
  ParticipantTx,
  TwoPhaseCommitConfig,
  TwoPhaseCommitState,
} from "../../src/protocols/two-phase-commit";
import { LiveParticipantTx } from "../../src/protocols/two-phase-commit/journal";
import { Rng } from "../../src/sim/rng";
import { DEFAULT_NETWORK, type FaultSpec, type SimulationSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { Checker, CheckerStep, Context, Message, Protocol, Violation } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";

// The 2PC checkers re-read only what each node's transaction journal noted since
// their last look (src/protocols/two-phase-commit/journal.ts). These tests run
// deliberately broken variants of the protocol in the real core, so the checkers
// see live, journaled states: a bug that changes ANOTHER transaction than the one
// the step is about, replaces or deletes a record, must still be caught in the step
// it happens (Bernstein et al. 7.2, AC1 and AC3); and the incremental checkers must
// report exactly what checkers that read every transaction of every node report.

const NODES = ["coord", "p1", "p2", "p3"];
const TRANSACTIONS = 20;

function config(): TwoPhaseCommitConfig {
  const parsed = twoPhaseCommit.parseConfig({ coordinator: "coord" }, NODES);
  if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
}

function spec(faults: FaultSpec[] = [], seed = 5): SimulationSpec {
  const workload: WorkloadSpec[] = [];
  for (let i = 1; i <= TRANSACTIONS; i++) {
    workload.push({
      trigger: { type: "at", at: i * 3 },
      node: "coord",
      op: "begin",
      args: { tx: `t${i}` },
      followRedirects: 0,
    });
  }
  return {
    nodes: NODES,
    seed,
    network: { ...DEFAULT_NETWORK, delay: { min: 1, max: 10 } },
    clocks: {},
    workload,
    faults,
    limits: { maxTime: 20_000, maxEvents: 50_000 },
  };
}

type Bug = (ctx: Context, state: TwoPhaseCommitState, from: string, message: Message) => void;

/** Two-phase commit with a bug that runs after the correct handler, on every delivery. */
function broken(
  bug: Bug,
  checkers?: () => Checker<TwoPhaseCommitState>[],
): Protocol<TwoPhaseCommitConfig, TwoPhaseCommitState> {
  return {
    ...twoPhaseCommit,
    onMessage(ctx, state, from, message) {
      twoPhaseCommit.onMessage(ctx, state, from, message);
      bug(ctx, state, from, message);
    },
    ...(checkers === undefined ? {} : { checkers }),
  };
}

/** The bug strikes once: when `node` handles COMMIT(t15), long after t1..t10 finished. */
function onCommitOfT15(node: string, act: (state: TwoPhaseCommitState) => void): Bug {
  let done = false;
  return (ctx, state, _from, message) => {
    if (done || ctx.node !== node || message.type !== "COMMIT" || message["tx"] !== "t15") return;
    done = true;
    act(state);
  };
}

/** The seq of the step in which `node` received COMMIT(t15): its DELIVER and what the handler recorded after it. */
function stepOfCommitT15(result: SimulationResult, node: string): { first: number; last: number } {
  const deliver = result.events.find(
    (e) =>
      e.kind === "DELIVER" &&
      e.node === node &&
      (e.data?.["message"] as Message | undefined)?.type === "COMMIT" &&
      (e.data?.["message"] as Message | undefined)?.["tx"] === "t15",
  );
  assert.ok(deliver !== undefined, `${node} never received COMMIT(t15)`);
  let last = deliver.seq;
  while (result.events[last + 1]?.time === deliver.time && result.events[last + 1]?.kind !== "DELIVER") last += 1;
  return { first: deliver.seq, last };
}

/** Each violation as invariant, transaction and who is on which side (sorted: the order of names is not the point). */
function verdicts(result: SimulationResult): string[] {
  return result.events
    .filter((e) => e.kind === "VIOLATION")
    .map((e) => {
      const details = (e.data?.["details"] ?? {}) as Record<string, unknown>;
      const side = (name: string) => [...((details[name] as string[] | undefined) ?? [])].sort().join(", ");
      const sides = ["committed", "aborted", "committedAt", "problems"].filter((name) => name in details);
      return `${String(e.data?.["invariant"])} ${String(details["tx"])}: ${sides.map((name) => `${name} [${side(name)}]`).join(" ")}`;
    });
}

function participantTx(state: TwoPhaseCommitState, tx: string): ParticipantTx {
  assert.equal(state.role, "participant");
  const found = state.role === "participant" ? state.transactions[tx] : undefined;
  assert.ok(found !== undefined, `no record of ${tx}`);
  return found;
}

test("a correct run of 20 transactions has no violation (the broken variants below differ only by their bug)", () => {
  const result = new Simulation(twoPhaseCommit, config(), spec()).run();
  assert.equal(result.stopReason, "quiescent");
  assert.deepEqual(result.violations, []);
});

test("AC1: a participant that flips an old, finished transaction to ABORTED while handling another is caught in that step", () => {
  const bug = onCommitOfT15("p1", (state) => {
    participantTx(state, "t3").status = "ABORTED";
  });
  const result = new Simulation(broken(bug), config(), spec()).run();
  const step = stepOfCommitT15(result, "p1");
  assert.deepEqual(verdicts(result), ["Atomicity t3: committed [coord (its logged decision), p2, p3] aborted [p1]"]);
  const violation = result.violations[0] as Violation;
  assert.ok(
    violation.seq >= step.first && violation.seq <= step.last,
    `reported after seq ${violation.seq}, not in the step ${step.first}..${step.last}`,
  );
});

test("AC1: a participant that replaces an old record with a new ABORTED one is caught", () => {
  const bug = onCommitOfT15("p2", (state) => {
    assert.equal(state.role, "participant");
    if (state.role !== "participant") return;
    state.transactions["t4"] = new LiveParticipantTx({
      status: "ABORTED",
      vote: "YES",
      locks: [],
      participants: ["p1", "p2", "p3"],
      decisionRequests: 0,
    });
  });
  const result = new Simulation(broken(bug), config(), spec()).run();
  assert.deepEqual(verdicts(result), ["Atomicity t4: committed [coord (its logged decision), p1, p3] aborted [p2]"]);
});

test("AC3: a participant that forgets a committed transaction (deletes its record) is caught: it never voted YES", () => {
  const bug = onCommitOfT15("p3", (state) => {
    if (state.role === "participant") delete state.transactions["t5"];
  });
  const result = new Simulation(broken(bug), config(), spec()).run();
  const step = stepOfCommitT15(result, "p3");
  assert.deepEqual(verdicts(result), ["CommitValidity t5: committedAt [coord, p1, p2] problems [p3 never voted YES]"]);
  const violation = result.violations[0] as Violation;
  assert.ok(violation.seq >= step.first && violation.seq <= step.last);
});

test("AC1: a coordinator that rewrites the logged decision of an old transaction while handling an ACK is caught", () => {
  let done = false;
  const bug: Bug = (ctx, state, _from, message) => {
    if (done || ctx.node !== "coord" || message.type !== "ACK" || message["tx"] !== "t15") return;
    if (state.role !== "coordinator") return;
    done = true;
    const tx = state.transactions["t6"];
    assert.ok(tx !== undefined);
    tx.decision = "ABORT";
  };
  const result = new Simulation(broken(bug), config(), spec()).run();
  assert.deepEqual(verdicts(result), ["Atomicity t6: committed [p1, p2, p3] aborted [coord (its logged decision)]"]);
});

test("a record that the journal could not follow cannot get in: a plain object, or a participants list changed in place", () => {
  const plain = onCommitOfT15("p1", (state) => {
    if (state.role !== "participant") return;
    const sneaky: ParticipantTx = { status: "ABORTED", vote: null, locks: [], participants: [], decisionRequests: 0 };
    state.transactions["t7"] = sneaky;
  });
  assert.throws(() => new Simulation(broken(plain), config(), spec()).run(), /holds only LiveParticipantTx/);
  const inPlace = onCommitOfT15("p1", (state) => {
    participantTx(state, "t7").participants.push("p9");
  });
  assert.throws(() => new Simulation(broken(inPlace), config(), spec()).run(), TypeError);
});

/** The reference: the same two checkers, shown every node and no journal, so they read every transaction of every node. */
function fullScanCheckers(): Checker<TwoPhaseCommitState>[] {
  return [atomicityChecker(), commitValidityChecker()].map((checker) => {
    const strip = (step: CheckerStep<TwoPhaseCommitState>): CheckerStep<TwoPhaseCommitState> => ({
      event: step.event,
      time: step.time,
      durable: step.durable,
      states: new Map(
        [...step.states].map(([node, state]) => [
          node,
          state.role === "bystander" ? state : { ...state, journal: undefined },
        ]),
      ),
    });
    return {
      ...checker,
      invariant: `${checker.invariant} (full scan)`,
      observe: (step) => checker.observe(strip(step)),
    };
  });
}

test("under random corruption, crashes and loss, the incremental checkers report exactly what full scans report (seeds 1..40)", () => {
  const statuses: ParticipantStatus[] = ["ACTIVE", "PREPARED", "COMMITTED", "ABORTED"];
  let caught = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new Rng(seed, "journal-test");
    const faults: FaultSpec[] = [];
    for (let i = rng.int(0, 3); i > 0; i--) {
      const node = rng.pick(NODES);
      const at = rng.int(0, 80);
      faults.push({ trigger: { type: "at", at }, action: { do: "crash", node } });
      faults.push({ trigger: { type: "at", at: at + rng.int(5, 100) }, action: { do: "recover", node } });
    }
    if (rng.chance(0.5))
      faults.push({ trigger: { type: "at", at: rng.int(0, 50) }, action: { do: "drop", probability: 0.2 } });
    faults.push({ trigger: { type: "at", at: 300 }, action: { do: "heal" } });
    // Now and then a participant damages a random transaction of its own table.
    const bug: Bug = (ctx, state) => {
      if (state.role !== "participant" || !ctx.rng.chance(0.08)) return;
      const ids = Object.keys(state.transactions);
      if (ids.length === 0) return;
      const id = ctx.rng.pick(ids);
      const roll = ctx.rng.int(0, 9);
      if (roll === 0) delete state.transactions[id];
      else if (roll === 1) {
        state.transactions[id] = new LiveParticipantTx({
          status: ctx.rng.pick(statuses),
          vote: ctx.rng.chance(0.5) ? "YES" : null,
          locks: [],
          participants: ["p1", "p2", "p3"],
          decisionRequests: 0,
        });
      } else (state.transactions[id] as ParticipantTx).status = ctx.rng.pick(statuses);
    };
    const protocol = broken(bug, () => [...atomicityCheckers(), ...fullScanCheckers()]);
    const result = new Simulation(protocol, config(), spec(faults, seed)).run();
    const reproduce = `reproduce with seed=${seed}, faults=${JSON.stringify(faults)}`;
    const key = (v: Violation) => `${v.seq} ${v.message}`;
    const incremental = result.violations.filter((v) => !v.invariant.endsWith("(full scan)"));
    for (const invariant of ["Atomicity", "CommitValidity"]) {
      assert.deepEqual(
        incremental
          .filter((v) => v.invariant === invariant)
          .map(key)
          .sort(),
        result.violations
          .filter((v) => v.invariant === `${invariant} (full scan)`)
          .map(key)
          .sort(),
        `${invariant}: incremental and full-scan checkers disagree; ${reproduce}`,
      );
    }
    caught += incremental.length;
  }
  assert.ok(caught >= 20, `the corruption caused only ${caught} violations over 40 seeds: the test shows too little`);
});
