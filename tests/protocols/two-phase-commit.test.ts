import { test } from "node:test";
import assert from "node:assert/strict";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import { getProtocol } from "../../src/protocols";
import type { TwoPhaseCommitConfig, TwoPhaseCommitFact } from "../../src/protocols/two-phase-commit";
import type { JsonObject } from "../../src/sim/json";
import { DEFAULT_NETWORK, type FaultSpec, type SimulationSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { EventKind, Message, TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationOptions, type SimulationResult } from "../../src/sim/world";

const NODES = ["coord", "p1", "p2", "p3"];
const PARTICIPANTS = ["p1", "p2", "p3"];

function config(raw: JsonObject = {}): TwoPhaseCommitConfig {
  const parsed = twoPhaseCommit.parseConfig({ coordinator: "coord", ...raw }, NODES);
  if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
}

function begin(tx: string, at = 0, args: JsonObject = {}): WorkloadSpec {
  return { trigger: { type: "at", at }, node: "coord", op: "begin", args: { tx, ...args }, followRedirects: 0 };
}

function spec(overrides: Partial<SimulationSpec> = {}): SimulationSpec {
  return {
    nodes: NODES,
    seed: 7,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload: [begin("t1")],
    faults: [],
    limits: { maxTime: 5000, maxEvents: 20000 },
    ...overrides,
  };
}

function run(cfg: TwoPhaseCommitConfig, s: SimulationSpec, options: SimulationOptions = {}): SimulationResult {
  return new Simulation(twoPhaseCommit, cfg, s, options).run();
}

/** A value in a node's final view, by dotted path, as scenario expects read it. */
function at(result: SimulationResult, node: string, path: string): unknown {
  let value: unknown = result.nodes.find((n) => n.node === node)?.state;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function events(
  result: SimulationResult,
  kind: EventKind,
  where: { node?: string; type?: string; to?: string } = {},
): TraceEvent[] {
  return result.events.filter((e) => {
    if (e.kind !== kind) return false;
    if (where.node !== undefined && e.node !== where.node) return false;
    const message = e.data?.["message"] as JsonObject | undefined;
    if (where.type !== undefined && message?.["type"] !== where.type) return false;
    if (where.to !== undefined && e.data?.["to"] !== where.to) return false;
    return true;
  });
}

/** The 2PC facts (event data, src/protocols/two-phase-commit/facts.ts) of one kind, optionally at one node. */
function facts(result: SimulationResult, fact: TwoPhaseCommitFact["fact"], node?: string): TraceEvent[] {
  return result.events.filter((e) => e.data?.["fact"] === fact && (node === undefined || e.node === node));
}

/** The data of the first fact of this kind at this node (undefined: none). */
function firstFact(result: SimulationResult, fact: TwoPhaseCommitFact["fact"], node?: string): JsonObject | undefined {
  return facts(result, fact, node)[0]?.data ?? undefined;
}

/** A participant's transaction as its view shows it at the end of a run stopped after `seq`. */
function viewAt(cfg: TwoPhaseCommitConfig, s: SimulationSpec, seq: number, node: string, tx: string): JsonObject {
  const sim = new Simulation(twoPhaseCommit, cfg, s, { stopAtSeq: seq });
  sim.run();
  const state = sim.views().find((v) => v.node === node)?.state;
  return ((state?.["transactions"] ?? {}) as Record<string, JsonObject>)[tx] ?? {};
}

const crashOn = (when: FaultSpec["trigger"], node: string): FaultSpec => ({
  trigger: when,
  action: { do: "crash", node },
});
const recoverAt = (time: number, node: string): FaultSpec => ({
  trigger: { type: "at", at: time },
  action: { do: "recover", node },
});
const onEvent = (kind: EventKind, fields: { node?: string; to?: string; message?: string }, count = 1) =>
  ({ type: "when", when: { kind, ...fields, count }, after: 0 }) as const;

test("the protocol is registered under the name scenarios use", () => {
  assert.equal(getProtocol("two-phase-commit")?.name, "two-phase-commit");
  assert.deepEqual([...twoPhaseCommit.operations], ["begin"]);
});

test("Gray 1978 / Bernstein et al. 7.3: when every participant votes YES, all commit and the client hears COMMITTED", () => {
  const result = run(config(), spec());
  for (const p of PARTICIPANTS) {
    assert.equal(at(result, p, "transactions.t1.status"), "COMMITTED", `${p} commits`);
    assert.equal(at(result, p, "transactions.t1.state"), "committed");
    assert.equal(at(result, p, "transactions.t1.blocked"), false);
    assert.deepEqual(at(result, p, "transactions.t1.locks"), [], `${p} released its locks`);
  }
  assert.equal(at(result, "coord", "transactions.t1.status"), "DONE");
  assert.deepEqual(at(result, "coord", "transactions.t1.votes"), { p1: "YES", p2: "YES", p3: "YES" });
  const returns = events(result, "CLIENT_RETURN", { node: "coord" });
  assert.equal(returns.length, 1);
  assert.deepEqual(returns[0]?.data?.["result"], { ok: true, tx: "t1", outcome: "COMMITTED" });
  assert.deepEqual(result.violations, []);
  assert.equal(result.stopReason, "quiescent");
  assert.equal(events(result, "SEND", { type: "PREPARE" }).length, 3);
  assert.equal(events(result, "SEND", { type: "COMMIT" }).length, 3);
  assert.equal(events(result, "SEND", { type: "ACK" }).length, 3);
  assert.deepEqual(firstFact(result, "end", "coord"), {
    fact: "end",
    tx: "t1",
    outcome: "COMMIT",
    logged: true,
    forced: false,
    forgotten: false,
    acks: ["p1", "p2", "p3"],
  });
});

test("messages are described with their transaction, e.g. VOTE_YES(t1)", () => {
  assert.equal(twoPhaseCommit.describeMessage?.({ type: "VOTE_YES", tx: "t1" }), "VOTE_YES(t1)");
  const result = run(config(), spec());
  for (const deliver of events(result, "DELIVER")) {
    const plain = `${deliver.node} receives ${twoPhaseCommit.describeMessage?.(deliver.data?.["message"] as Message)} from ${String(deliver.data?.["from"])}.`;
    assert.notEqual(deliver.summary, plain, `the node explains what it made of delivery ${deliver.seq}`);
  }
  assert.ok(result.events.every((e) => e.summary.length > 0));
});

test("every STATE_CHANGE and NOTE of a 2PC run states its facts in data: which fact, and which transaction", () => {
  const runs = [
    run(config(), spec()),
    run(config({ votes: { p2: "no" }, variant: "presumed-nothing" }), spec()),
    run(
      config({ cooperativeTermination: true }),
      spec({
        faults: [crashOn(onEvent("SEND", { node: "coord", message: "COMMIT" }), "coord")],
        limits: { maxTime: 3000, maxEvents: 20000 },
      }),
    ),
  ];
  const kinds = new Set<string>();
  for (const result of runs) {
    for (const e of result.events) {
      if ((e.kind !== "STATE_CHANGE" && e.kind !== "NOTE") || e.node === "network") continue;
      assert.equal(typeof e.data?.["fact"], "string", `event ${e.seq} names its fact`);
      assert.equal(e.data?.["tx"], "t1", `event ${e.seq} names its transaction`);
      kinds.add(String(e.data?.["fact"]));
    }
  }
  for (const fact of ["begin", "vote", "decision", "outcome", "end", "inquiry"]) assert.ok(kinds.has(fact), fact);
});

test("Bernstein et al. 7.3: after voting YES a participant is uncertain, not blocked; on the happy path nobody is ever blocked (seeds 1-20)", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const s = spec({ seed });
    const result = run(config(), s);
    for (const p of PARTICIPANTS) {
      const voted = facts(result, "vote", p)[0];
      assert.ok(voted !== undefined, `seed ${seed}: ${p} voted`);
      assert.equal(voted.data?.["vote"], "YES");
      assert.equal(voted.data?.["state"], "uncertain", `seed ${seed}: ${p} is uncertain after voting YES`);
      assert.equal(voted.data?.["forced"], true, "the YES record is forced before the vote is sent");
      const view = viewAt(config(), s, voted.seq, p, "t1");
      assert.equal(view["state"], "uncertain");
      assert.equal(view["uncertain"], true);
      assert.equal(view["blocked"], false, `seed ${seed}: ${p} is not blocked just after voting`);
    }
    assert.deepEqual(facts(result, "blocked"), [], `seed ${seed}: no participant is ever blocked without a failure`);
  }
});

test("Bernstein et al. 7.3: one NO vote aborts everywhere, and the NO voter is not sent a decision", () => {
  for (const variant of ["presumed-abort", "presumed-nothing"]) {
    const result = run(config({ votes: { p2: "no" }, variant }), spec());
    for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "ABORTED", `${p} aborts`);
    assert.equal(at(result, "p2", "transactions.t1.vote"), "NO");
    const no = firstFact(result, "vote", "p2");
    assert.equal(no?.["vote"], "NO");
    assert.equal(no?.["state"], "aborted");
    assert.equal(events(result, "SEND", { type: "ABORT", to: "p2" }).length, 0, "p2 aborted on its own");
    assert.equal(events(result, "SEND", { type: "COMMIT" }).length, 0);
    const returned = events(result, "CLIENT_RETURN", { node: "coord" })[0];
    assert.deepEqual(returned?.data?.["result"], { ok: true, tx: "t1", outcome: "ABORTED" });
    assert.deepEqual(result.violations, []);
  }
});

test("Mohan, Lindsay & Obermarck 1986 (presumed abort): an ABORT is neither force-logged nor acknowledged, and the coordinator forgets it", () => {
  const result = run(config({ votes: { p2: "no" } }), spec());
  const decided = firstFact(result, "decision", "coord");
  assert.equal(decided?.["outcome"], "ABORT");
  assert.equal(decided?.["variant"], "presumed-abort");
  assert.equal(decided?.["logged"], false, "no abort record");
  assert.equal(decided?.["forced"], false);
  assert.deepEqual(decided?.["awaitingAcks"], [], "nobody is waited for");
  assert.equal(events(result, "SEND", { type: "ACK" }).length, 0, "no participant acknowledges an ABORT");
  for (const p of ["p1", "p3"]) {
    const learned = facts(result, "outcome", p)[0]?.data;
    assert.equal(learned?.["outcome"], "ABORT");
    assert.equal(learned?.["forced"], false, `${p}'s abort record is not forced`);
    assert.equal(learned?.["acks"], false);
  }
  assert.equal(firstFact(result, "end", "coord")?.["forgotten"], true);
  assert.equal(at(result, "coord", "transactions.t1"), undefined, "the coordinator keeps nothing of t1");
});

test("presumed nothing (the teaching flag): the coordinator force-logs the start and the ABORT, and waits for every ABORT acknowledgement", () => {
  const result = run(config({ votes: { p2: "no" }, variant: "presumed-nothing" }), spec());
  const begun = firstFact(result, "begin", "coord");
  assert.equal(begun?.["logged"], true);
  assert.equal(begun?.["forced"], true);
  const decided = firstFact(result, "decision", "coord");
  assert.equal(decided?.["logged"], true);
  assert.equal(decided?.["forced"], true);
  assert.deepEqual(decided?.["awaitingAcks"], ["p1", "p3"]);
  assert.deepEqual(decided?.["votes"], { p1: null, p2: "NO", p3: null }, "it decided on p2's NO alone");
  assert.deepEqual(firstFact(result, "end", "coord")?.["acks"], ["p1", "p3"], "the NO voter sends no ACK");
  assert.equal(events(result, "SEND", { type: "ACK" }).length, 2, "p1 and p3 acknowledge the ABORT");
  assert.equal(at(result, "coord", "transactions.t1.status"), "DONE");
  assert.equal(firstFact(result, "end", "coord")?.["forgotten"], false);
});

test("Mohan et al. 1986: a coordinator asked about a transaction it does not know answers ABORT (presumed abort)", () => {
  // coord crashes before deciding; under presumed abort it had logged nothing, so
  // after its restart t1 is unknown, and the participants' inquiries get ABORT.
  const result = run(
    config(),
    spec({
      faults: [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord"), recoverAt(400, "coord")],
    }),
  );
  const recovery = events(result, "RECOVER", { node: "coord" })[0];
  assert.ok(recovery !== undefined);
  assert.deepEqual(recovery.data?.["durableKeys"], [], "nothing was logged before the decision");
  assert.deepEqual(
    facts(result, "decision", "coord").filter((e) => e.seq > recovery.seq),
    [],
    "the recovered coordinator decides nothing: it has nothing to decide about",
  );
  const answers = facts(result, "inquiry", "coord").filter((e) => e.seq > recovery.seq);
  assert.ok(answers.length >= 1);
  for (const answer of answers) {
    assert.equal(answer.data?.["answer"], "ABORT");
    assert.equal(answer.data?.["basis"], "presumed");
  }
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "ABORTED");
  assert.equal(events(result, "SEND", { type: "COMMIT" }).length, 0);
  assert.deepEqual(result.pendingRequests, ["r1"], "the client's request died with the coordinator's memory");
  assert.deepEqual(result.violations, []);
  assert.equal(result.stopReason, "quiescent");
});

test("Gray 1978: the COMMIT decision is force-logged before the first COMMIT is sent, and that is when the client hears COMMITTED", () => {
  const clean = run(config(), spec());
  const logged = facts(clean, "decision", "coord")[0];
  const firstCommit = events(clean, "SEND", { type: "COMMIT" })[0];
  const answer = events(clean, "CLIENT_RETURN", { node: "coord" })[0];
  const firstAck = events(clean, "DELIVER", { type: "ACK", to: "coord" })[0];
  assert.ok(logged !== undefined && firstCommit !== undefined && answer !== undefined && firstAck !== undefined);
  assert.equal(logged.data?.["outcome"], "COMMIT");
  assert.equal(logged.data?.["forced"], true);
  assert.ok(logged.seq < firstCommit.seq, "the log record comes before the first COMMIT in the trace");
  assert.ok(logged.seq < answer.seq && answer.seq < firstAck.seq, "the client is answered at the commit point");

  // The proof that it is durable: crash the coordinator the moment its first COMMIT
  // is on the wire. If the decision had not been persisted yet, the recovered
  // coordinator would presume ABORT while p1 has committed.
  const crashed = run(
    config(),
    spec({
      faults: [crashOn(onEvent("SEND", { node: "coord", message: "COMMIT" }), "coord"), recoverAt(300, "coord")],
    }),
  );
  const recovered = events(crashed, "RECOVER", { node: "coord" })[0];
  assert.ok(recovered !== undefined);
  assert.deepEqual(recovered.data?.["durableKeys"], ["coord:t1"]);
  assert.ok(
    events(crashed, "SEND", { node: "coord", type: "COMMIT" }).some((e) => e.seq > recovered.seq),
    "the recovered coordinator re-sends its logged COMMIT",
  );
  assert.equal(events(crashed, "SEND", { node: "coord", type: "ABORT" }).length, 0);
  for (const p of PARTICIPANTS) assert.equal(at(crashed, p, "transactions.t1.status"), "COMMITTED");
  const answers = events(crashed, "CLIENT_RETURN", { node: "coord" });
  assert.ok(
    answers[0] !== undefined && answers[0].seq < recovered.seq,
    "answered before the crash, at the commit point",
  );
  assert.ok(answers.every((e) => (e.data?.["result"] as JsonObject)["outcome"] === "COMMITTED"));
  assert.deepEqual(crashed.violations, []);
});

test("Bernstein et al. 7.3: a participant that voted YES becomes BLOCKED only once a failure keeps the decision from it", () => {
  const cfg = config();
  const s = spec({
    faults: [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord"), recoverAt(400, "coord")],
  });
  const full = run(cfg, s);
  const crash = events(full, "CRASH", { node: "coord" })[0];
  const recovery = events(full, "RECOVER", { node: "coord" })[0];
  assert.ok(crash !== undefined && recovery !== undefined && recovery.time === 400);
  for (const p of PARTICIPANTS) {
    // Uncertain at the crash; blocked once its timeout fired after it had asked.
    assert.equal(viewAt(cfg, s, crash.seq, p, "t1")["state"], "uncertain", `${p} at the crash`);
    const blocked = facts(full, "blocked", p);
    assert.equal(blocked.length, 1, `${p} becomes blocked once`);
    const moment = blocked[0] as TraceEvent;
    assert.ok(crash.seq < moment.seq && moment.seq < recovery.seq);
    assert.deepEqual(moment.data?.["asked"], ["coord"]);
    assert.ok(Number(moment.data?.["requests"]) >= 1, "it had asked before it counted itself blocked");
    const before = viewAt(cfg, s, recovery.seq - 1, p, "t1");
    assert.equal(before["status"], "PREPARED");
    assert.equal(before["state"], "blocked");
    assert.equal(before["blocked"], true);
    assert.deepEqual(before["locks"], ["t1-rows"], `${p} still holds its locks`);
    const outcome = facts(full, "outcome", p)[0];
    assert.ok(outcome !== undefined && outcome.seq > recovery.seq, `${p} decided nothing on its own`);
    assert.equal(outcome.data?.["was"], "blocked");
    assert.equal(at(full, p, "transactions.t1.blocked"), false);
  }
  assert.ok(
    events(full, "DROP", { type: "DECISION_REQUEST", to: "coord" }).length >= 3,
    "requests to a down node are lost",
  );
});

test("Bernstein et al. 7.4 (presumed nothing): a coordinator that recovers with a start record and no decision decides ABORT and tells everyone", () => {
  const result = run(
    config({ variant: "presumed-nothing" }),
    spec({
      faults: [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord"), recoverAt(400, "coord")],
    }),
  );
  const recovery = events(result, "RECOVER", { node: "coord" })[0];
  assert.ok(recovery !== undefined);
  assert.deepEqual(recovery.data?.["durableKeys"], ["coord:t1"], "the start record survived");
  const decided = facts(result, "decision", "coord")[0];
  assert.ok(decided !== undefined && decided.seq > recovery.seq);
  assert.equal(decided.data?.["outcome"], "ABORT");
  assert.equal(decided.data?.["forced"], true);
  assert.equal(events(result, "SEND", { type: "COMMIT" }).length, 0);
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "ABORTED");
  assert.equal(at(result, "coord", "transactions.t1.status"), "DONE");
  const returned = events(result, "CLIENT_RETURN", { node: "coord" });
  assert.deepEqual(returned[0]?.data?.["result"], { ok: true, tx: "t1", outcome: "ABORTED" });
  assert.deepEqual(result.violations, []);
  assert.equal(result.stopReason, "quiescent");
});

test("a coordinator crash in the middle of the COMMIT broadcast leaves the others blocked, the client already knows COMMITTED, and recovery finishes the job", () => {
  const faults = [crashOn(onEvent("SEND", { node: "coord", message: "COMMIT" }), "coord")];
  const stuck = run(config(), spec({ faults, limits: { maxTime: 3000, maxEvents: 20000 } }));
  assert.equal(at(stuck, "p1", "transactions.t1.status"), "COMMITTED", "p1 got the one COMMIT that left");
  for (const p of ["p2", "p3"]) {
    assert.equal(at(stuck, p, "transactions.t1.status"), "PREPARED");
    assert.equal(at(stuck, p, "transactions.t1.state"), "blocked");
    assert.equal(at(stuck, p, "transactions.t1.blocked"), true);
  }
  const answers = events(stuck, "CLIENT_RETURN", { node: "coord" });
  assert.deepEqual(
    answers.map((e) => e.data?.["result"]),
    [{ ok: true, tx: "t1", outcome: "COMMITTED" }],
    "the commit point was passed before the crash: the client was told",
  );
  assert.equal(stuck.stopReason, "maxTime", "blocked participants keep asking: the run never settles");
  assert.deepEqual(stuck.violations, [], "blocked is not inconsistent: nobody aborted");

  const late = run(config(), spec({ faults: [...faults, recoverAt(2000, "coord")] }));
  for (const p of PARTICIPANTS) assert.equal(at(late, p, "transactions.t1.status"), "COMMITTED");
  assert.deepEqual(late.violations, []);
});

test("Bernstein et al. 7.4: with cooperative termination, uncertain participants learn COMMIT from a peer that knows", () => {
  const faults = [crashOn(onEvent("SEND", { node: "coord", message: "COMMIT" }), "coord")];
  const result = run(
    config({ cooperativeTermination: true }),
    spec({ faults, limits: { maxTime: 3000, maxEvents: 20000 } }),
  );
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "COMMITTED");
  for (const p of ["p2", "p3"]) {
    const learned = firstFact(result, "outcome", p);
    assert.equal(learned?.["fromPeer"], true, `${p} learned from a peer`);
    assert.equal(learned?.["from"], "p1");
  }
  const told = facts(result, "inquiry", "p1");
  assert.ok(told.some((e) => e.data?.["answer"] === "COMMIT" && e.data?.["basis"] === "logged"));
  assert.deepEqual(result.violations, []);
});

test("cooperative termination cannot help when every participant is prepared: they all become blocked", () => {
  const faults = [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord")];
  const result = run(
    config({ cooperativeTermination: true }),
    spec({ faults, limits: { maxTime: 2000, maxEvents: 20000 } }),
  );
  for (const p of PARTICIPANTS) {
    assert.equal(at(result, p, "transactions.t1.status"), "PREPARED");
    assert.equal(at(result, p, "transactions.t1.state"), "blocked");
    const blocked = firstFact(result, "blocked", p);
    assert.deepEqual(blocked?.["asked"], ["coord", ...PARTICIPANTS.filter((q) => q !== p)]);
  }
  const uncertainAnswers = result.events.filter(
    (e) => e.data?.["fact"] === "inquiry" && e.data["basis"] === "uncertain" && e.data["answer"] === null,
  );
  assert.ok(uncertainAnswers.length > 0, "peers that voted YES cannot answer");
});

test("Bernstein et al. 7.4: a participant recovering with a YES record is uncertain again and asks the coordinator", () => {
  const cfg = config();
  const s = spec({
    faults: [crashOn(onEvent("SEND", { node: "p2", message: "VOTE_YES" }), "p2"), recoverAt(300, "p2")],
  });
  const full = run(cfg, s);
  const recovery = events(full, "RECOVER", { node: "p2" })[0];
  assert.ok(recovery !== undefined);
  const again = facts(full, "recovered", "p2")[0];
  assert.ok(again !== undefined && again.seq > recovery.seq);
  assert.deepEqual(again.data, { fact: "recovered", tx: "t1", state: "uncertain", locks: ["t1-rows"] });
  const view = viewAt(cfg, s, recovery.seq, "p2", "t1");
  assert.equal(view["status"], "PREPARED");
  assert.equal(view["state"], "uncertain");
  assert.deepEqual(view["locks"], ["t1-rows"], "it retakes its locks");
  const ask = events(full, "SEND", { node: "p2", type: "DECISION_REQUEST" }).find((e) => e.seq > recovery.seq);
  assert.ok(ask !== undefined, "it asks for the decision right after restarting");
  // The coordinator had all three votes (p2's was on the wire), so it committed.
  for (const p of PARTICIPANTS) assert.equal(at(full, p, "transactions.t1.status"), "COMMITTED");
  assert.deepEqual(full.violations, []);
});

test("Bernstein et al. 7.4: a participant that crashed before voting aborts on recovery, and then votes NO", () => {
  const result = run(
    config({ workMs: 100 }),
    spec({
      faults: [crashOn(onEvent("DELIVER", { to: "p2", message: "EXECUTE" }), "p2"), recoverAt(50, "p2")],
    }),
  );
  // p2 crashed on EXECUTE's arrival, before doing anything: it restarts with no record.
  assert.deepEqual(events(result, "RECOVER", { node: "p2" })[0]?.data?.["durableKeys"], []);
  const active = run(
    config({ workMs: 100 }),
    spec({
      faults: [crashOn(onEvent("STATE_CHANGE", { node: "p2" }), "p2"), recoverAt(50, "p2")],
    }),
  );
  const recovery = events(active, "RECOVER", { node: "p2" })[0];
  assert.ok(recovery !== undefined);
  const aborted = facts(active, "unilateral-abort", "p2")[0];
  assert.ok(aborted !== undefined && aborted.seq > recovery.seq && aborted.time === recovery.time);
  assert.equal(aborted.data?.["state"], "aborted");
  assert.equal(
    events(active, "SEND", { node: "p2", type: "VOTE_NO" }).length,
    1,
    "asked to prepare later, it votes NO",
  );
  for (const p of PARTICIPANTS) assert.equal(at(active, p, "transactions.t1.status"), "ABORTED");
  assert.deepEqual(active.violations, []);
});

test("Bernstein et al. 7.3: before voting a participant may abort on its own when PREPARE is too slow", () => {
  const result = run(config({ workMs: 200, voteTimeoutMs: 100 }), spec());
  for (const p of PARTICIPANTS) {
    const aborted = facts(result, "unilateral-abort", p)[0];
    assert.ok(aborted !== undefined, `${p} aborts on its own`);
    const timer = events(result, "TIMER", { node: p }).find((e) => e.data?.["timer"] === "vote:t1");
    assert.equal(aborted.time, timer?.time, "when its vote timer fires");
    assert.equal(aborted.data?.["why"], "no PREPARE within 100 ms");
    assert.equal(at(result, p, "transactions.t1.status"), "ABORTED");
    assert.equal(at(result, p, "transactions.t1.blocked"), false, "a participant that has not voted is never blocked");
  }
  assert.equal(events(result, "SEND", { type: "VOTE_NO" }).length, 3);
  assert.equal(firstFact(result, "decision", "coord")?.["outcome"], "ABORT");
  assert.deepEqual(result.violations, []);
});

test("Bernstein et al. 7.3: a coordinator that does not get every vote in time decides ABORT", () => {
  const result = run(
    config({ prepareTimeoutMs: 150, variant: "presumed-nothing" }),
    spec({ faults: [{ trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "PREPARE", node: "p3" } }] }),
  );
  const decided = facts(result, "decision", "coord")[0];
  assert.equal(decided?.time, 150);
  assert.equal(decided?.data?.["outcome"], "ABORT");
  assert.equal(at(result, "coord", "transactions.t1.decision"), "ABORT");
  assert.deepEqual(at(result, "coord", "transactions.t1.votes"), { p1: "YES", p2: "YES", p3: null });
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "ABORTED");
  assert.deepEqual(result.violations, []);
});

test("lost decisions are re-sent until every participant acknowledges", () => {
  const result = run(
    config({ retryDecisionMs: 50 }),
    spec({
      faults: [
        { trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "COMMIT", node: "p3" } },
        { trigger: { type: "at", at: 120 }, action: { do: "heal" } },
      ],
    }),
  );
  assert.ok(events(result, "SEND", { node: "coord", type: "COMMIT", to: "p3" }).length >= 2);
  assert.equal(at(result, "p3", "transactions.t1.status"), "COMMITTED");
  assert.equal(at(result, "coord", "transactions.t1.status"), "DONE");
  assert.equal(result.stopReason, "quiescent");
});

test("an uncertain participant's locks stop other transactions: it votes NO on a conflicting one", () => {
  const result = run(
    config({ retryDecisionMs: 100 }),
    spec({
      workload: [begin("t1", 0, { keys: ["x"] }), begin("t2", 50, { keys: ["x"] })],
      faults: [
        // p1 never hears t1's decision until the heal: it stays prepared, holding x.
        { trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "COMMIT", node: "p1" } },
        { trigger: { type: "at", at: 300 }, action: { do: "heal" } },
      ],
    }),
  );
  const refusal = facts(result, "vote", "p1").find((e) => e.data?.["tx"] === "t2");
  assert.ok(refusal !== undefined);
  assert.equal(refusal.data?.["vote"], "NO");
  assert.equal(refusal.data?.["why"], "x is locked by t1, which is prepared and uncertain");
  assert.equal(at(result, "p1", "transactions.t2.status"), "ABORTED");
  assert.equal(at(result, "p1", "transactions.t1.status"), "COMMITTED", "t1 commits once p1 hears again");
  assert.deepEqual(at(result, "p1", "locks"), {}, "every lock is released at the end");
  assert.deepEqual(result.violations, []);
});

test("sentences agree in number (src/sim/english.ts): one participant has, two have; never '1 things'", () => {
  const one = run(
    config({ retryDecisionMs: 50 }),
    spec({
      faults: [
        { trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "COMMIT", node: "p3" } },
        { trigger: { type: "at", at: 120 }, action: { do: "heal" } },
      ],
    }),
  );
  const two = run(
    config({ retryDecisionMs: 50 }),
    spec({
      faults: [
        { trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "COMMIT", node: "p2" } },
        { trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "COMMIT", node: "p3" } },
        { trigger: { type: "at", at: 120 }, action: { do: "heal" } },
      ],
    }),
  );
  const retries = (result: SimulationResult) =>
    events(result, "TIMER", { node: "coord" }).filter((e) => e.data?.["timer"] === "retry:t1");
  assert.ok(retries(one).length > 0 && retries(two).length > 0);
  // The one place where grammar is the point: the sentence must agree with the count in its data.
  for (const e of retries(one)) assert.ok(e.summary.startsWith("p3 has not"), e.summary);
  for (const e of retries(two)) assert.ok(e.summary.startsWith("p2 and p3 have not"), e.summary);
  for (const result of [one, two]) {
    for (const e of result.events) assert.doesNotMatch(e.summary, /\b1 [a-z]+s\b|(?<!and )\bp\d have\b|and p\d has\b/);
  }
  const voteSentence = (keys: string[]) =>
    facts(run(config(), spec({ workload: [begin("t1", 0, { keys })] })), "vote", "p1")[0]?.summary ?? "";
  assert.ok(voteSentence(["x"]).includes("keeps its lock on x"), "one item: its lock");
  assert.ok(voteSentence(["x", "y"]).includes("keeps its locks on x and y"), "two items: its locks");
});

test("config problems name their exact path", () => {
  const problems = (raw: JsonObject) => {
    const parsed = twoPhaseCommit.parseConfig(raw, NODES);
    return parsed.ok ? [] : parsed.problems.map((p) => `${p.path.join(".")}: ${p.message}`);
  };
  assert.deepEqual(problems({ coordinator: "coord" }), []);
  const found = problems({
    coordinator: "coord",
    participants: ["p1", "coord", "p1", "p7"],
    votes: { p1: "maybe" },
    voteTimeoutMs: -5,
    retryDecisionMs: 1.5,
    cooperativeTermination: "yes",
    variant: "presumed-everything",
    prepareTimeoutMs: 100,
    decisionTimeoutMs: 300,
    typo: 1,
  });
  const paths = found.map((line) => line.split(":")[0]);
  assert.deepEqual(paths.sort(), [
    "cooperativeTermination",
    "decisionTimeoutMs",
    "participants.1",
    "participants.2",
    "participants.3",
    "retryDecisionMs",
    "typo",
    "variant",
    "voteTimeoutMs",
    "votes.p1",
  ]);
  assert.ok(found.some((line) => /participants\.1: coord is the coordinator/.test(line)));
  assert.deepEqual(
    problems({ coordinator: "nobody" }).map((line) => line.split(":")[0]),
    ["coordinator"],
    "an unknown coordinator is reported once, at its field",
  );
  const parsed = twoPhaseCommit.parseConfig({ coordinator: "p1", votes: { p2: "no" }, decisionTimeoutMs: 75 }, NODES);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.config.participants, ["coord", "p2", "p3"], "default participants: every other node");
  assert.equal(parsed.config.votes["p2"], "NO");
  assert.equal(parsed.config.prepareTimeoutMs, 75, "decisionTimeoutMs is accepted as the coordinator's vote timeout");
});

test("begin is refused with a reason: at a participant (redirect), for a repeated id, for an unknown participant", () => {
  const result = run(
    config(),
    spec({
      workload: [
        { ...begin("t0"), node: "p1" },
        begin("t1", 0),
        begin("t1", 5),
        begin("t2", 10, { participants: ["p1", "p9"] }),
      ],
    }),
  );
  const replies = events(result, "CLIENT_RETURN").map((e) => e.data?.["result"] as JsonObject);
  assert.deepEqual(replies[0], { ok: false, error: "not the coordinator", redirect: "coord" });
  assert.ok(replies.some((r) => r["error"] === "transaction t1 already exists"));
  assert.ok(replies.some((r) => String(r["error"]).startsWith("args.participants may only name participants")));
  assert.ok(
    replies.some((r) => r["ok"] === true && r["outcome"] === "COMMITTED"),
    "the first t1 still commits",
  );
  assert.equal(at(result, "p1", "transactions.t2"), undefined);
});
