import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRaftConfig } from "../../src/protocols/raft";
import { Simulation } from "../../src/sim/world";
import { raft } from "../../src/protocols/raft";
import type { RaftConfig } from "../../src/protocols/raft";
import {
  answers,
  at,
  CONSENSUS_SCENARIOS,
  events,
  FIVE,
  get,
  leaders,
  loadConsensus,
  logOf,
  put,
  raftEvents,
  runCluster,
  sent,
  stateOf,
} from "./raft-helpers";
import { runScenario } from "../../src/scenarios/runner";

// Each test names the rule of Ongaro & Ousterhout 2014 ("In Search of an
// Understandable Consensus Algorithm") that it checks, in the manner of etcd's
// raft_paper_test.go. Runs are real simulations; nothing of the protocol is mocked.

test("§5.2: servers start as followers; the first to time out becomes candidate, wins a majority and leads term 1", () => {
  // Seeds where one server times out clearly first (seed 1 draws the same timeout for two servers: a split vote).
  for (const seed of [2, 3, 4, 5, 6]) {
    const { result } = runCluster({ seed, maxTime: 1000 });
    const elected = leaders(result);
    assert.equal(elected.length, 1, `one election is enough in a healthy cluster (seed=${seed})`);
    const [term, leader] = elected[0] as [number, string];
    assert.equal(term, 1, `seed=${seed}`);
    const firstTimer = result.events.find((e) => e.kind === "TIMER");
    assert.equal(firstTimer?.node, leader, `the first server to time out wins (seed=${seed})`);
    for (const node of FIVE) {
      const state = stateOf(result, node);
      assert.equal(state["role"], node === leader ? "leader" : "follower", `${node}, seed=${seed}`);
      assert.equal(state["term"], 1);
      assert.equal(state["leader"], leader, `${node} knows the leader`);
    }
    assert.deepEqual(result.violations, []);
  }
});

test("§5.2: election timeouts are drawn at random from [min, max], from the run's seed", () => {
  const timeouts = (seed: number): number[] => {
    const { result } = runCluster({ seed, maxTime: 1000, config: { electionTimeoutMs: { min: 200, max: 260 } } });
    return result.nodes.map((view) => Number(view.state?.["electionTimeoutMs"]));
  };
  const drawn = new Set<number>();
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const values = timeouts(seed);
    for (const value of values) {
      assert.ok(value >= 200 && value <= 260, `timeout ${value} outside [200, 260] (seed=${seed})`);
      drawn.add(value);
    }
    assert.deepEqual(timeouts(seed), values, `same seed, same timeouts (seed=${seed})`);
  }
  assert.ok(drawn.size > 10, `timeouts vary: ${[...drawn].join(", ")}`);
});

test("§5.2: a leader's heartbeats keep every follower from starting an election", () => {
  const { result } = runCluster({ seed: 7, maxTime: 5000 });
  const candidacies = raftEvents(result, "role").filter((change) => change["role"] === "candidate");
  assert.equal(candidacies.length, 1, "only the first election happens");
  const leader = (leaders(result)[0] as [number, string])[1];
  const beats = events(result, "TIMER", leader).filter((event) => event.data?.["timer"] === "heartbeat");
  assert.ok(beats.length >= 90, `about one heartbeat every 50 ms over ~4.8 s, found ${beats.length}`);
});

test("§5.2: each server votes for at most one candidate per term, first come first served", () => {
  for (const id of CONSENSUS_SCENARIOS) {
    const result = runScenario(loadConsensus(id));
    const votes = new Map<string, string>();
    for (const vote of raftEvents(result, "vote")) {
      const key = `${vote.node}/${vote["term"]}`;
      const earlier = votes.get(key);
      if (vote["granted"] === true) {
        assert.ok(earlier === undefined || earlier === vote["candidate"], `${id}: ${vote.node} voted twice in ${key}`);
        votes.set(key, String(vote["candidate"]));
      } else if (vote["rule"] === "alreadyVoted") {
        assert.ok(typeof vote["votedFor"] === "string" && vote["votedFor"] !== vote["candidate"], `${id}: ${key}`);
        if (earlier !== undefined) assert.equal(vote["votedFor"], earlier, `${id}: the refusal names the vote cast`);
      }
    }
    assert.ok(votes.size > 0, `${id} has votes`);
    // Figure 2: the term is adopted before the vote of the new term is decided (issue 8: it came after).
    for (const vote of raftEvents(result, "vote")) {
      const adopted = raftEvents(result, "term", vote.node).filter((change) => change["term"] === vote["term"]);
      for (const change of adopted)
        assert.ok(change.seq < vote.seq, `${id}: ${vote.node} adopts term ${vote["term"]} first`);
    }
  }
});

test("§5.2: a split vote elects nobody; a later term, with randomized timeouts, elects one leader", () => {
  const result = runScenario(loadConsensus("raft-split-vote"));
  const candidacies = raftEvents(result, "role").filter((change) => change["role"] === "candidate");
  assert.equal(candidacies.filter((change) => change["term"] === 1).length, 2, "two candidates in term 1");
  assert.deepEqual(
    leaders(result).map(([term]) => term),
    [2],
  );
  const again = candidacies.filter((change) => change["previousRole"] === "candidate");
  assert.ok(again.length >= 1, "a candidate of term 1 starts another election");
  assert.equal((again[0]?.["previousVotes"] as string[]).length, 2, "with 2 of the 3 votes it needed");
  assert.equal(again[0]?.["votesNeeded"], 3);
  // The first vote of each voter in term 1 comes right after the voter adopts term 1 (Figure 2).
  const n3 = result.events.filter((event) => event.node === "n3" && event.data?.["event"] !== undefined);
  assert.deepEqual(
    n3.slice(0, 2).map((event) => [event.data?.["event"], event.data?.["term"]]),
    [
      ["term", 1],
      ["vote", 1],
    ],
  );
});

test("Figure 2 (all servers): a server that sees a higher term adopts it and steps down; a deposed leader's AppendEntries is rejected (AppendEntries rule 1)", () => {
  // After the heal, whichever term-2 message reaches n1 first deposes it: the new leader's
  // AppendEntries, or the answer rejecting n1's own stale AppendEntries. Both happen across seeds.
  const scenario = loadConsensus("raft-minority-partition");
  const causes = new Set<string>();
  for (let seed = 1; seed <= 20; seed++) {
    const result = runScenario(scenario, { seed });
    const stepDown = raftEvents(result, "term", "n1").filter((change) => change["previousRole"] === "leader");
    assert.deepEqual(
      stepDown.map((change) => [change["previousTerm"], change["term"], change["role"]]),
      [[1, 2, "follower"]],
      `n1 steps down once, from term 1 to term 2 (seed=${seed})`,
    );
    const heal = events(result, "HEAL")[0];
    assert.ok(heal !== undefined && heal.seq < (stepDown[0]?.seq ?? 0), `only after the heal (seed=${seed})`);
    causes.add(String(stepDown[0]?.["message"]));
    const rejected = sent(result, "APPEND_ENTRIES_RESPONSE", undefined, "n1").filter(
      (answer) => answer["reason"] === "staleTerm",
    );
    if (stepDown[0]?.["message"] === "APPEND_ENTRIES_RESPONSE") {
      assert.ok(rejected.length >= 1 && (rejected[0]?.seq ?? 0) < (stepDown[0]?.seq ?? 0), `seed=${seed}`);
      assert.equal(rejected[0]?.["term"], 2, "the rejection carries the newer term (AppendEntries rule 1)");
    }
  }
  assert.deepEqual([...causes].sort(), ["APPEND_ENTRIES", "APPEND_ENTRIES_RESPONSE"], "both paths are exercised");
});

test("§5.3, Figure 2 AppendEntries rules 3-4: a conflicting entry and all that follow it are deleted and replaced by the leader's", () => {
  const result = runScenario(loadConsensus("raft-minority-partition"));
  const leaderLog = logOf(stateOf(result, "n3"));
  for (const node of ["n1", "n2"]) {
    const deleted = raftEvents(result, "truncate", node);
    assert.deepEqual(
      deleted.map((cut) => [cut["from"], cut["to"], cut["conflictingTerm"], cut["leaderTerm"], cut["committedLost"]]),
      [[3, 4, 1, 2, false]],
      `${node} deletes its uncommitted term-1 entries`,
    );
    assert.deepEqual(logOf(stateOf(result, node)), leaderLog, `${node}'s log ends equal to the leader's`);
  }
  const acknowledged = answers(result).filter((answer) => answer.op === "put" && answer.result["ok"] === true);
  assert.deepEqual(
    acknowledged.filter((answer) => answer.args["key"] === "y"),
    [],
    "the deleted writes were never acknowledged",
  );
});

test("§5.3: after a rejection the leader decrements nextIndex by one and retries, until the logs match", () => {
  const result = runScenario(loadConsensus("raft-log-repair"));
  const rejections = sent(result, "APPEND_ENTRIES_RESPONSE", "n5").filter((answer) => answer["success"] === false);
  assert.deepEqual(
    rejections.map((answer) => [answer["prevLogIndex"], answer["reason"]]),
    [
      [6, "missingEntry"],
      [5, "missingEntry"],
      [4, "missingEntry"],
      [3, "missingEntry"],
    ],
    "each rejection names the entry the consistency check failed on",
  );
  // nextIndex[n5] goes 7, 6, 5, 4, 3: each retry asks about the entry just before it.
  const leader = (leaders(result).find(([term]) => term === 2) as [number, string])[1];
  const probes = sent(result, "APPEND_ENTRIES", leader, "n5")
    .filter((message) => message["term"] === 2)
    .map((message) => message["prevLogIndex"]);
  assert.deepEqual([...new Set(probes)].slice(0, 5), [6, 5, 4, 3, 2]);
  const repaired = raftEvents(result, "append", "n5").filter((append) => append["term"] === 2);
  assert.deepEqual(
    repaired.map((append) => [append["from"], append["to"]]),
    [[3, 7]],
    "once entry 2 matches, entries 3-7 arrive in one message",
  );
  assert.deepEqual(logOf(stateOf(result, "n5")), logOf(stateOf(result, "n2")));
});

test("§5.4.1 Election Restriction: a voter refuses a candidate whose log is less up to date (last term, then length)", () => {
  const result = runScenario(loadConsensus("raft-leader-crash"));
  const refusals = raftEvents(result, "vote").filter(
    (vote) => vote["candidate"] === "n5" && vote["rule"] === "logNotUpToDate",
  );
  assert.equal(refusals.length, 3, "n2, n3 and n4 hold y = 2, which n5 lacks");
  for (const refusal of refusals) {
    assert.equal(refusal["granted"], false);
    // Same last term (1), so the longer log wins: n5 ends at 2, the voter at 3.
    assert.deepEqual(
      [
        refusal["candidateLastLogIndex"],
        refusal["candidateLastLogTerm"],
        refusal["lastLogIndex"],
        refusal["lastLogTerm"],
      ],
      [2, 1, 3, 1],
    );
  }
  assert.ok(!leaders(result).some(([, node]) => node === "n5"), "n5 never leads");
});

test("§5.4.1 with the restriction disabled (unsafe flag), the same schedule elects a leader lacking a committed entry", () => {
  const scenario = loadConsensus("raft-no-election-restriction-unsafe");
  const unsafe = runScenario(scenario);
  assert.ok(unsafe.violations.some((v) => v.invariant === "Leader Completeness"));
  const config = scenario.config as RaftConfig;
  const safe = new Simulation(
    raft,
    { ...config, unsafe: { ...config.unsafe, grantVotesRegardlessOfLog: false } },
    scenario.spec,
  ).run();
  assert.deepEqual(safe.violations, [], "with the Election Restriction on, the same schedule is safe");
  assert.ok(!leaders(safe).some(([, node]) => node === "n4"), "n4, lacking x = 1, cannot win");
  assert.equal(stateOf(safe, "n2")["stateMachine"] !== undefined, true);
  assert.deepEqual((stateOf(safe, "n4")["stateMachine"] as Record<string, unknown>)["x"], 1, "x = 1 survives");
});

test("§5.4.2, Figure 8: a leader does not commit an earlier term's entry by counting replicas; the unsafe flag does, and loses it", () => {
  const safeScenario = loadConsensus("raft-figure-8");
  const unsafeScenario = loadConsensus("raft-figure-8-unsafe");
  assert.deepEqual(unsafeScenario.spec, safeScenario.spec, "the two Figure 8 scenarios share one schedule");
  const safe = runScenario(safeScenario);
  const unsafe = runScenario(unsafeScenario);
  assert.deepEqual(
    leaders(safe).slice(0, 4),
    [
      [1, "s1"],
      [2, "s1"],
      [3, "s5"],
      [4, "s1"],
    ],
    "the leaders of Figure 8: s1 (term 2), s5 (term 3), s1 (term 4)",
  );
  assert.deepEqual(leaders(unsafe).slice(0, 5), [...leaders(safe).slice(0, 4), [5, "s5"]], "(d): s5 wins term 5");
  const held = raftEvents(safe, "commitWithheld", "s1");
  assert.ok(
    held.some(
      (hold) =>
        hold["index"] === 2 &&
        hold["entryTerm"] === 2 &&
        hold["term"] === 4 &&
        JSON.stringify(hold["holders"]) === JSON.stringify(["s1", "s2", "s3"]),
    ),
    "entry 2 of term 2 is on s1, s2 and s3, a majority, yet s1 (term 4) does not commit it",
  );
  const counted = raftEvents(unsafe, "commit", "s1").filter((commit) => commit["rule"] === "previousTermMajority");
  assert.deepEqual(
    counted.map((commit) => [commit["previousCommitIndex"], commit["commitIndex"], commit["entryTerm"]]),
    [[0, 2, 2]],
  );
  assert.deepEqual(safe.violations, []);
  assert.deepEqual([...new Set(unsafe.violations.map((v) => v.invariant))].sort(), [
    "Leader Completeness",
    "State Machine Safety",
  ]);
});

test("§5.4.3: once committed, x = 4 is in every later leader's log and applied everywhere (Figure 8 (e))", () => {
  const result = runScenario(loadConsensus("raft-figure-8"));
  for (const node of ["s1", "s2", "s3", "s4", "s5"]) {
    const log = logOf(stateOf(result, node));
    assert.deepEqual(
      log.slice(0, 3).map((entry) => [entry.term, entry.command["value"]]),
      [
        [1, 1],
        [2, 2],
        [4, 4],
      ],
      node,
    );
  }
});

test("Figure 2 persistence: currentTerm, votedFor and the log survive a crash; commitIndex, lastApplied and the state machine do not", () => {
  const workload = [put(300, "n1", "x", 1), put(320, "n1", "y", 2)];
  const config = { electionTimeoutMs: { min: 150, max: 300, n1: [100] } };
  const faults = [at(500, { do: "crash", node: "n3" }), at(600, { do: "recover", node: "n3" })];
  const full = runCluster({ seed: 3, config, workload, faults, maxTime: 1000 });
  const crash = events(full.result, "CRASH", "n3")[0];
  const recover = events(full.result, "RECOVER", "n3")[0];
  assert.ok(crash !== undefined && recover !== undefined);
  const before = runCluster({ seed: 3, config, workload, faults, maxTime: 1000, stopAtSeq: crash.seq - 1 });
  const after = runCluster({ seed: 3, config, workload, faults, maxTime: 1000, stopAtSeq: recover.seq });
  const was = stateOf(before.result, "n3");
  const is = stateOf(after.result, "n3");
  assert.equal(is["term"], was["term"]);
  assert.equal(is["votedFor"], was["votedFor"]);
  assert.deepEqual(is["log"], was["log"]);
  assert.ok(Number(was["commitIndex"]) >= 3 && Number(was["lastApplied"]) >= 3);
  assert.deepEqual(was["stateMachine"], { x: 1, y: 2 });
  assert.equal(is["commitIndex"], 0);
  assert.equal(is["lastApplied"], 0);
  assert.deepEqual(is["stateMachine"], {});
  assert.equal(is["role"], "follower");
  assert.deepEqual(
    stateOf(full.result, "n3")["stateMachine"],
    { x: 1, y: 2 },
    "it re-applies its log once it learns the commit index",
  );
});

test("§8: a follower redirects the client to the leader; the leader answers a write only after it is committed", () => {
  const { result } = runCluster({
    seed: 2,
    config: { electionTimeoutMs: { min: 150, max: 300, n1: [100] } },
    workload: [put(400, "n2", "x", 7)],
    maxTime: 800,
  });
  const redirect = result.events.find((e) => e.kind === "CLIENT_RETURN" && e.node === "n2");
  assert.deepEqual(redirect?.data?.["result"], { ok: false, error: "not the leader", redirect: "n1" });
  const ack = result.events.find((e) => e.kind === "CLIENT_RETURN" && e.node === "n1");
  assert.ok(ack !== undefined);
  assert.equal((ack.data?.["result"] as Record<string, unknown>)["ok"], true);
  const index = (ack.data?.["result"] as Record<string, unknown>)["index"];
  const commit = raftEvents(result, "commit", "n1").find(
    (change) => Number(change["commitIndex"]) >= Number(index) && change["rule"] === "currentTermMajority",
  );
  assert.ok(commit !== undefined && commit.seq < ack.seq, "the commit comes before the answer");
  assert.ok(ack.time > (redirect?.time ?? 0), "it takes at least a round trip to a majority");
});

test("§8 and Ongaro's thesis §6.4: reads through the log, with ReadIndex, and locally all see a write once it is applied", () => {
  const { result } = runCluster({
    seed: 5,
    config: { electionTimeoutMs: { min: 150, max: 300, n1: [100] }, reads: "log" },
    workload: [
      put(300, "n1", "x", 1),
      { ...put(310, "n1", "x", 1), op: "cas", args: { key: "x", expected: 1, value: 2 } },
      { ...put(315, "n1", "x", 1), op: "cas", args: { key: "x", expected: 1, value: 3 } },
      get(400, "n2", "x"),
      get(410, "n3", "x", "readIndex"),
      get(500, "n4", "x", "local"),
    ],
    maxTime: 700,
  });
  const returned = events(result, "CLIENT_RETURN")
    .filter((e) => e.data?.["op"] !== null && e.data?.["result"] !== undefined)
    .map((e) => [e.data?.["op"], e.data?.["result"]] as const)
    .filter(([, r]) => (r as Record<string, unknown>)["redirect"] === undefined);
  const results = returned.map(([op, r]) => [
    op,
    (r as Record<string, unknown>)["value"] ?? null,
    (r as Record<string, unknown>)["swapped"] ?? null,
  ]);
  assert.deepEqual(results, [
    ["put", null, null],
    ["cas", 2, true],
    ["cas", 2, false],
    ["get", 2, null],
    ["get", 2, null],
    ["get", 2, null],
  ]);
  const reads = answers(result).filter((answer) => answer.op === "get" && answer.result["ok"] === true);
  assert.deepEqual(
    reads.map((read) => [read.node, read.result["mode"], read.result["key"], read.result["value"]]),
    [
      ["n1", "log", "x", 2],
      ["n1", "readIndex", "x", 2],
      ["n4", "local", "x", 2],
    ],
    "ReadIndex and log reads are served by the leader; a local read by whoever is asked",
  );
  assert.equal(typeof reads[0]?.result["index"], "number", "a log read names its entry");
  assert.equal(typeof reads[1]?.result["readIndex"], "number", "a ReadIndex read names its read index");
});

test("Ongaro's thesis §6.4: a deposed leader answers a local read with stale data but refuses a ReadIndex read", () => {
  const result = runScenario(loadConsensus("raft-stale-read"));
  const all = answers(result);
  const local = all.find((answer) => answer.node === "n1" && answer.result["mode"] === "local");
  assert.deepEqual(local?.result, { ok: true, key: "x", value: 1, mode: "local", lastApplied: 2 });
  const newer = all.find((answer) => answer.op === "put" && answer.args["value"] === 2 && answer.result["ok"] === true);
  assert.ok(newer !== undefined && newer.seq < (local?.seq ?? 0), "x = 2 was acknowledged before the stale read");
  const refused = all.find(
    (answer) => answer.node === "n1" && answer.result["mode"] === "readIndex" && answer.result["ok"] === false,
  );
  assert.equal(refused?.time, 1310, "it waits readIndexTimeoutMs (300 ms) for a majority before refusing");
});

test("views: Run.nodes(atSeq) answers who was leader after event N and what every log held", () => {
  const scenario = loadConsensus("raft-figure-8");
  const full = runScenario(scenario);
  const elected = raftEvents(full, "role").find((change) => change["role"] === "leader" && change["term"] === 3);
  assert.ok(elected !== undefined);
  const sim = new Simulation(raft, scenario.config as RaftConfig, scenario.spec, { stopAtSeq: elected.seq });
  sim.run();
  const views = sim.views();
  const s5 = views.find((v) => v.node === "s5")?.state;
  assert.equal(s5?.["role"], "leader");
  assert.equal(s5?.["term"], 3);
  assert.equal(s5?.["votedFor"], "s5");
  assert.deepEqual(s5?.["votesGranted"], null);
  assert.equal(views.find((v) => v.node === "s1")?.up, false, "s1 is down after (a)");
  const s2 = views.find((v) => v.node === "s2")?.state;
  assert.deepEqual(
    (s2?.["log"] as { index: number; term: number }[]).map((e) => [e.index, e.term]),
    [
      [1, 1],
      [2, 2],
    ],
    "s2 holds x = 2 of term 2, as in Figure 8 (b)",
  );
  for (const key of ["role", "term", "votedFor", "log", "commitIndex", "lastApplied", "stateMachine"]) {
    assert.ok(s5 !== undefined && key in s5, `the view shows ${key}`);
  }
});

test("config: every problem names its path; unsafe flags are off by default", () => {
  const ok = parseRaftConfig(undefined, FIVE);
  assert.ok(ok.ok);
  assert.deepEqual(ok.config.unsafe, { grantVotesRegardlessOfLog: false, commitEntriesFromPreviousTerms: false });
  assert.deepEqual([ok.config.electionTimeoutMs.min, ok.config.electionTimeoutMs.max], [150, 300]);
  const bad = parseRaftConfig(
    {
      electionTimeoutMs: { min: 300, max: 150, n9: 100, n1: [] },
      reads: "eventually",
      heartbeatIntervalMs: 500,
      unsafe: { grantVotes: true },
      leaderNoop: "yes",
    },
    FIVE,
  );
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => p.path.join(".")).sort(), [
    "electionTimeoutMs",
    "electionTimeoutMs.n1",
    "electionTimeoutMs.n9",
    "heartbeatIntervalMs",
    "leaderNoop",
    "reads",
    "unsafe.grantVotes",
  ]);
});

test("determinism: the same seed gives the same trace hash; another seed another election", () => {
  const one = runCluster({ seed: 12, workload: [put(500, "n3", "x", 1)] }).result;
  const two = runCluster({ seed: 12, workload: [put(500, "n3", "x", 1)] }).result;
  const other = runCluster({ seed: 13, workload: [put(500, "n3", "x", 1)] }).result;
  assert.equal(one.traceHash, two.traceHash);
  assert.notEqual(one.traceHash, other.traceHash);
});

test("sentences agree in number (src/sim/english.ts): no '1 votes', '1 of 1 servers' or '2 entry', even in a one-server cluster", () => {
  // This test reads sentences on purpose: their grammar is what it checks, not facts.
  const runs = [
    runCluster({ nodes: ["solo"], seed: 1, workload: [put(400, "solo", "x", 1)], maxTime: 800 }).result,
    ...CONSENSUS_SCENARIOS.map((id) => runScenario(loadConsensus(id))),
  ];
  const wrong = /\b1 (votes|servers|entries|log entries)\b|\b(0|[2-9]|\d\d+) (vote|server|entry|log entry)\b(?! \d)/;
  for (const result of runs) {
    for (const event of result.events) assert.doesNotMatch(event.summary, wrong, `seq ${event.seq}`);
  }
  const solo = runs[0] as (typeof runs)[number];
  assert.deepEqual(leaders(solo), [[1, "solo"]], "a one-server cluster elects itself at once");
});
