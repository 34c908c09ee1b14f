import { test } from "node:test";
import assert from "node:assert/strict";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import { getProtocol } from "../../src/protocols";
import type { TwoPhaseCommitConfig } from "../../src/protocols/two-phase-commit";
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
  where: { node?: string; type?: string; to?: string; text?: string } = {},
): TraceEvent[] {
  return result.events.filter((e) => {
    if (e.kind !== kind) return false;
    if (where.node !== undefined && e.node !== where.node) return false;
    const message = e.data?.["message"] as JsonObject | undefined;
    if (where.type !== undefined && message?.["type"] !== where.type) return false;
    if (where.to !== undefined && e.data?.["to"] !== where.to) return false;
    if (where.text !== undefined && !e.summary.includes(where.text)) return false;
    return true;
  });
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

test("Bernstein et al. 7.3: one NO vote aborts everywhere, and the NO voter is not sent a decision", () => {
  const result = run(config({ votes: { p2: "no" } }), spec());
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "ABORTED", `${p} aborts`);
  assert.equal(at(result, "p2", "transactions.t1.vote"), "NO");
  assert.equal(at(result, "coord", "transactions.t1.decision"), "ABORT");
  assert.equal(events(result, "SEND", { type: "ABORT", to: "p2" }).length, 0, "p2 aborted on its own when it voted NO");
  assert.equal(events(result, "SEND", { type: "COMMIT" }).length, 0);
  const returned = events(result, "CLIENT_RETURN", { node: "coord" })[0];
  assert.deepEqual(returned?.data?.["result"], { ok: true, tx: "t1", outcome: "ABORTED" });
  assert.deepEqual(result.violations, []);
});

test("Gray 1978: the COMMIT decision is logged durably before the first COMMIT is sent", () => {
  const clean = run(config(), spec());
  const logged = events(clean, "STATE_CHANGE", { node: "coord", text: "durably logs COMMIT" })[0];
  const firstCommit = events(clean, "SEND", { type: "COMMIT" })[0];
  assert.ok(logged !== undefined && firstCommit !== undefined);
  assert.ok(logged.seq < firstCommit.seq, "the log record comes before the first COMMIT in the trace");

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
  assert.match(recovered.summary, /t1 was decided COMMIT/);
  assert.ok(
    events(crashed, "SEND", { node: "coord", type: "COMMIT" }).some((e) => e.seq > recovered.seq),
    "the recovered coordinator re-sends its logged COMMIT",
  );
  assert.equal(events(crashed, "SEND", { node: "coord", type: "ABORT" }).length, 0);
  for (const p of PARTICIPANTS) assert.equal(at(crashed, p, "transactions.t1.status"), "COMMITTED");
  assert.deepEqual(crashed.violations, []);
});

test("Bernstein et al. 7.3: a participant that voted YES is blocked while the coordinator is down", () => {
  const cfg = config();
  const s = spec({
    faults: [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord"), recoverAt(400, "coord")],
  });
  const full = run(cfg, s);
  const recovery = events(full, "RECOVER", { node: "coord" })[0];
  assert.ok(recovery !== undefined && recovery.time === 400);
  // Replay up to the event just before the recovery and look at every participant.
  const before = new Simulation(twoPhaseCommit, cfg, s, { stopAtSeq: recovery.seq - 1 });
  before.run();
  for (const view of before.views().filter((v) => PARTICIPANTS.includes(v.node))) {
    const tx = (view.state?.["transactions"] as JsonObject)["t1"] as JsonObject;
    assert.equal(tx["status"], "PREPARED", `${view.node} is still prepared just before the coordinator returns`);
    assert.equal(tx["blocked"], true);
    assert.deepEqual(tx["locks"], ["t1-rows"], `${view.node} still holds its locks`);
  }
  for (const p of PARTICIPANTS) {
    const timers = events(full, "TIMER", { node: p }).filter((e) => e.seq < recovery.seq);
    assert.ok(timers.length >= 2, `${p}'s timer fired while it waited`);
    assert.ok(timers.every((e) => e.summary.includes("blocked") && e.summary.includes("neither commit nor abort")));
    const outcomes = events(full, "STATE_CHANGE", { node: p }).filter((e) => /COMMITTED|ABORTED/.test(e.summary));
    assert.ok(
      outcomes.every((e) => e.seq > recovery.seq),
      `${p} decided nothing on its own`,
    );
  }
  assert.ok(
    events(full, "DROP", { type: "DECISION_REQUEST", to: "coord" }).length >= 3,
    "requests to a down node are lost",
  );
});

test("Bernstein et al. 7.4: a coordinator that recovers with no logged decision presumes ABORT and tells everyone", () => {
  const result = run(
    config(),
    spec({
      faults: [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord"), recoverAt(400, "coord")],
    }),
  );
  const recovery = events(result, "RECOVER", { node: "coord" })[0];
  assert.ok(recovery !== undefined);
  assert.match(recovery.summary, /presumes ABORT/);
  const logged = events(result, "STATE_CHANGE", { node: "coord", text: "durably logs ABORT" })[0];
  assert.ok(logged !== undefined && logged.seq > recovery.seq);
  assert.equal(events(result, "SEND", { type: "COMMIT" }).length, 0);
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "ABORTED");
  assert.equal(at(result, "coord", "transactions.t1.status"), "DONE");
  const returned = events(result, "CLIENT_RETURN", { node: "coord" });
  assert.deepEqual(returned[0]?.data?.["result"], { ok: true, tx: "t1", outcome: "ABORTED" });
  assert.deepEqual(result.violations, []);
  assert.equal(result.stopReason, "quiescent");
});

test("a coordinator crash in the middle of the COMMIT broadcast leaves the others blocked, and recovery finishes the job", () => {
  const faults = [crashOn(onEvent("SEND", { node: "coord", message: "COMMIT" }), "coord")];
  const stuck = run(config(), spec({ faults, limits: { maxTime: 3000, maxEvents: 20000 } }));
  assert.equal(at(stuck, "p1", "transactions.t1.status"), "COMMITTED", "p1 got the one COMMIT that left");
  for (const p of ["p2", "p3"]) {
    assert.equal(at(stuck, p, "transactions.t1.status"), "PREPARED");
    assert.equal(at(stuck, p, "transactions.t1.blocked"), true);
  }
  assert.equal(stuck.stopReason, "maxTime", "blocked participants keep asking: the run never settles");
  assert.deepEqual(stuck.violations, [], "blocked is not inconsistent: nobody aborted");

  const late = run(config(), spec({ faults: [...faults, recoverAt(2000, "coord")] }));
  for (const p of PARTICIPANTS) assert.equal(at(late, p, "transactions.t1.status"), "COMMITTED");
  assert.deepEqual(late.violations, []);
});

test("Bernstein et al. 7.4: with cooperative termination, blocked participants learn COMMIT from a peer that knows", () => {
  const faults = [crashOn(onEvent("SEND", { node: "coord", message: "COMMIT" }), "coord")];
  const result = run(
    config({ cooperativeTermination: true }),
    spec({ faults, limits: { maxTime: 3000, maxEvents: 20000 } }),
  );
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "COMMITTED");
  assert.ok(events(result, "SEND", { node: "p1", type: "COMMIT" }).length >= 1, "p1 tells its peers");
  assert.deepEqual(result.violations, []);
});

test("cooperative termination cannot help when every participant is prepared: they all stay blocked", () => {
  const faults = [crashOn(onEvent("DELIVER", { to: "coord", message: "VOTE_YES" }, 3), "coord")];
  const result = run(
    config({ cooperativeTermination: true }),
    spec({ faults, limits: { maxTime: 2000, maxEvents: 20000 } }),
  );
  for (const p of PARTICIPANTS) assert.equal(at(result, p, "transactions.t1.status"), "PREPARED");
  assert.ok(events(result, "DELIVER", { type: "DECISION_REQUEST", text: "just as uncertain" }).length > 0);
});

test("Bernstein et al. 7.4: a participant recovering with a YES record stays PREPARED and asks the coordinator", () => {
  const cfg = config();
  const s = spec({
    faults: [crashOn(onEvent("SEND", { node: "p2", message: "VOTE_YES" }), "p2"), recoverAt(300, "p2")],
  });
  const full = run(cfg, s);
  const recovery = events(full, "RECOVER", { node: "p2" })[0];
  assert.ok(recovery !== undefined);
  assert.match(recovery.summary, /still PREPARED and blocked/);
  const after = new Simulation(twoPhaseCommit, cfg, s, { stopAtSeq: recovery.seq });
  after.run();
  const p2 = after.views().find((v) => v.node === "p2")?.state?.["transactions"] as JsonObject;
  assert.equal((p2["t1"] as JsonObject)["status"], "PREPARED");
  assert.equal((p2["t1"] as JsonObject)["blocked"], true);
  assert.deepEqual((p2["t1"] as JsonObject)["locks"], ["t1-rows"], "it retakes its locks");
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
  assert.match(events(result, "RECOVER", { node: "p2" })[0]?.summary ?? "", /empty log/);
  const active = run(
    config({ workMs: 100 }),
    spec({
      faults: [crashOn(onEvent("STATE_CHANGE", { node: "p2" }), "p2"), recoverAt(50, "p2")],
    }),
  );
  const recovery = events(active, "RECOVER", { node: "p2" })[0];
  assert.match(recovery?.summary ?? "", /never voted on t1, so it aborts it/);
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
    const timer = events(result, "TIMER", { node: p })[0];
    assert.match(timer?.summary ?? "", /free to abort on its own/);
    assert.equal(at(result, p, "transactions.t1.status"), "ABORTED");
    assert.equal(at(result, p, "transactions.t1.blocked"), false, "a participant that has not voted is never blocked");
  }
  assert.equal(events(result, "SEND", { type: "VOTE_NO" }).length, 3);
  assert.equal(at(result, "coord", "transactions.t1.decision"), "ABORT");
  assert.deepEqual(result.violations, []);
});

test("Bernstein et al. 7.3: a coordinator that does not get every vote in time decides ABORT", () => {
  const result = run(
    config({ prepareTimeoutMs: 150 }),
    spec({ faults: [{ trigger: { type: "at", at: 0 }, action: { do: "ignore", message: "PREPARE", node: "p3" } }] }),
  );
  const timeout = events(result, "TIMER", { node: "coord" })[0];
  assert.equal(timeout?.time, 150);
  assert.match(timeout?.summary ?? "", /p3 never answered/);
  assert.equal(at(result, "coord", "transactions.t1.decision"), "ABORT");
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

test("a blocked participant's locks block other transactions: it votes NO on a conflicting one", () => {
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
  const refusal = events(result, "STATE_CHANGE", { node: "p1", text: "votes NO on t2" })[0];
  assert.ok(refusal !== undefined);
  assert.match(refusal.summary, /x is locked by t1, which is prepared and blocked/);
  assert.equal(at(result, "p1", "transactions.t2.status"), "ABORTED");
  assert.equal(at(result, "p1", "transactions.t1.status"), "COMMITTED", "t1 commits once p1 hears again");
  assert.deepEqual(at(result, "p1", "locks"), {}, "every lock is released at the end");
  assert.deepEqual(result.violations, []);
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
