import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkLinearizability } from "../../src/checkers/linearizability";
import { checkSerializability } from "../../src/checkers/serializability";
import { isolation, kvHistory, rwRegisterHistory, type IsolationConfig } from "../../src/protocols/isolation";
import { checkExpectations } from "../../src/scenarios/expect";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import { Rng } from "../../src/sim/rng";
import { DEFAULT_NETWORK, type WorkloadSpec } from "../../src/sim/spec";
import { Simulation } from "../../src/sim/world";

// The isolation store's scenarios, and the serializability checker (Adya 1999; Elle)
// run over each run's history: it must name the anomaly each weak level lets through
// and find the strict two-phase locking runs serializable.
const DIR = join(__dirname, "..", "..", "..", "scenarios", "transactions");

function load(id: string): Scenario {
  const parsed = parseScenario(readFileSync(join(DIR, `${id}.yaml`), "utf8"), `transactions/${id}.yaml`);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

function verdictOf(scenario: Scenario, isolationLevel?: IsolationConfig["isolation"]) {
  const config = {
    ...(scenario.config as IsolationConfig),
    ...(isolationLevel === undefined ? {} : { isolation: isolationLevel }),
  };
  const result = new Simulation(isolation, config, scenario.spec).run();
  const history = rwRegisterHistory(config, result.events);
  assert.ok(history !== null);
  return checkSerializability(history);
}

test("every isolation scenario loads and its expect: outcomes hold", () => {
  const ids = readdirSync(DIR)
    .filter((name) => name.startsWith("isolation-") && name.endsWith(".yaml"))
    .map((name) => name.slice(0, -".yaml".length));
  assert.ok(ids.length >= 4);
  for (const id of ids) {
    const scenario = load(id);
    assert.deepEqual(
      checkExpectations(scenario, runScenario(scenario)).map((f) => f.message),
      [],
      id,
    );
  }
});

test("the checker names each anomaly the weak levels allow, with the two transactions that form it", () => {
  const cases: [string, string][] = [
    ["isolation-lost-update", "G2_ITEM"],
    ["isolation-write-skew", "G2_ITEM"],
    ["isolation-read-skew", "G_SINGLE"],
  ];
  for (const [id, anomaly] of cases) {
    const result = verdictOf(load(id));
    assert.equal(result.verdict, "NOT_SERIALIZABLE", id);
    const found = result.anomalies.find((a) => a.type === anomaly);
    assert.ok(found !== undefined, `${id}: ${JSON.stringify(result.anomalies.map((a) => a.type))}`);
    // T0 is the setup transaction; t1 and t2 are T1 and T2 in the order they ended.
    assert.deepEqual([...found.cycle].sort(), [1, 2], id);
  }
});

test("serializable (strict 2PL) turns every anomaly workload into a serializable history; snapshot isolation prevents lost update and read skew", () => {
  assert.equal(verdictOf(load("isolation-serializable-prevents-write-skew")).verdict, "SERIALIZABLE");
  assert.equal(verdictOf(load("isolation-ssi-prevents-write-skew")).verdict, "SERIALIZABLE");
  for (const id of ["isolation-lost-update", "isolation-write-skew", "isolation-read-skew"]) {
    assert.equal(verdictOf(load(id), "serializable").verdict, "SERIALIZABLE", id);
    assert.equal(verdictOf(load(id), "serializable-snapshot").verdict, "SERIALIZABLE", `${id} under SSI`);
  }
  assert.equal(verdictOf(load("isolation-lost-update"), "snapshot").verdict, "SERIALIZABLE");
  assert.equal(verdictOf(load("isolation-read-skew"), "snapshot").verdict, "SERIALIZABLE");
});

test("linearizable-vs-serializable: one run, SERIALIZABLE for the serializability checker and NOT_LINEARIZABLE for the linearizability checker", () => {
  const scenario = load("linearizable-vs-serializable");
  const config = scenario.config as IsolationConfig;
  const result = runScenario(scenario);
  const history = rwRegisterHistory(config, result.events);
  assert.ok(history !== null);
  const serial = checkSerializability(history);
  // Adya's rw edge t2 -> t1 (t2 read the version t1 overwrote) orders t2 first; no cycle.
  assert.equal(serial.verdict, "SERIALIZABLE", JSON.stringify(serial.anomalies));
  const kv = kvHistory(config, result.events);
  assert.ok(kv !== null);
  const operations = kv["operations"] as { op: string; result?: unknown; invokeIndex: number; returnIndex: number }[];
  assert.deepEqual(
    operations.map((o) => o.op),
    ["put", "get"],
  );
  // Herlihy & Wing 1990, section 2: the get was invoked after the put returned, so it must follow it.
  assert.ok((operations[1]?.invokeIndex ?? 0) > (operations[0]?.returnIndex ?? Infinity));
  assert.equal(operations[1]?.result, 100);
  const linear = checkLinearizability(kv);
  assert.equal(linear.verdict, "NOT_LINEARIZABLE", linear.explanation);
  assert.equal(linear.failedOp, 1);
  // Without asOf the same read sees the deposit: linearizable (and serializable) again.
  const fresh = {
    ...scenario.spec,
    workload: scenario.spec.workload.map((w) => {
      const { asOf: _dropped, ...args } = w.args;
      return { ...w, args };
    }),
  };
  const current = new Simulation(isolation, config, fresh).run();
  const currentKv = kvHistory(config, current.events);
  assert.ok(currentKv !== null);
  assert.equal(checkLinearizability(currentKv).verdict, "LINEARIZABLE");
});

test("asOf starts a read-only transaction at a past timestamp: no writes, first operation only, a timestamp that exists", () => {
  const config: IsolationConfig = { isolation: "serializable", initial: { x: 1 } };
  const request = (at: number, op: string, args: Record<string, string | number>): WorkloadSpec => ({
    trigger: { type: "at", at },
    node: "db",
    op,
    args,
    followRedirects: 0,
  });
  const result = new Simulation(isolation, config, {
    nodes: ["db"],
    seed: 1,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload: [
      request(0, "read", { tx: "a", key: "x", asOf: 5 }),
      request(1, "write", { tx: "b", key: "x", asOf: 0, value: 2 }),
      request(2, "read", { tx: "c", key: "x", asOf: 0 }),
      request(3, "write", { tx: "c", key: "x", value: 2 }),
      request(4, "read", { tx: "c", key: "x", asOf: 0 }),
    ],
    faults: [],
    limits: { maxTime: 1000, maxEvents: 1000 },
  }).run();
  const replies = result.events
    .filter((e) => e.kind === "CLIENT_RETURN")
    .map((e) => (e.data?.["result"] as { ok: boolean; error?: string }).error ?? "ok");
  assert.equal(replies.length, 5);
  assert.match(replies[0] ?? "", /^args\.asOf must be a commit timestamp from 0 to 0/);
  assert.match(replies[1] ?? "", /first operation must be a read/);
  assert.equal(replies[2], "ok");
  assert.match(replies[3] ?? "", /read-only transaction at timestamp 0, so it cannot write/);
  assert.match(replies[4] ?? "", /only allowed on c's first operation/);
});

test("SSI (Cahill et al. 2008, 3.2): the doctors' write skew commits t1, whose rw edges in and out make it a committed pivot, and aborts t2 at its commit", () => {
  const result = runScenario(load("isolation-ssi-prevents-write-skew"));
  const ends = result.events.filter((e) => e.kind === "STATE_CHANGE").map((e) => [e.data?.["fact"], e.data?.["tx"]]);
  assert.deepEqual(ends, [
    ["commit", "t1"],
    ["abort", "t2"],
  ]);
  // No lock waits: SSI never blocks, unlike strict two-phase locking on the same workload.
  assert.equal(result.events.filter((e) => e.data?.["fact"] === "wait").length, 0);
});

test("a bad config names the field", () => {
  const bad = isolation.parseConfig({ isolation: "repeatable", initial: { x: [1] }, extra: 1 }, ["db"]);
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => p.path.join(".")).sort(), ["extra", "initial.x", "isolation"]);
});

/** mixed: reads and writes at random; read-then-write: reads, then one write (the shape of write skew). */
type Shape = "mixed" | "read-then-write";

function randomRun(seed: number, level: IsolationConfig["isolation"], shape: Shape = "mixed") {
  const keys = ["x", "y", "z"];
  {
    const rng = new Rng(seed, "isolation-property");
    const workload: WorkloadSpec[] = [];
    let value = 100;
    const txs = rng.int(2, 5);
    for (let t = 1; t <= txs; t++) {
      let at = rng.int(0, 40);
      for (let i = shape === "mixed" ? rng.int(1, 4) : rng.int(2, 4); i > 0; i--) {
        const write = shape === "mixed" ? rng.chance(0.5) : i === 1;
        value += 1;
        workload.push({
          trigger: { type: "at", at },
          node: "db",
          op: write ? "write" : "read",
          args: { tx: `t${t}`, key: rng.pick(keys), ...(write ? { value } : {}) },
          followRedirects: 0,
        });
        at += rng.int(1, 20);
      }
      workload.push({
        trigger: { type: "at", at },
        node: "db",
        op: "commit",
        args: { tx: `t${t}` },
        followRedirects: 0,
      });
    }
    const config: IsolationConfig = { isolation: level, initial: { x: 0, y: 0, z: 0 } };
    const result = new Simulation(isolation, config, {
      nodes: ["db"],
      seed,
      network: DEFAULT_NETWORK,
      clocks: {},
      workload,
      faults: [],
      limits: { maxTime: 10_000, maxEvents: 10_000 },
    }).run();
    const history = rwRegisterHistory(config, result.events);
    const aborts = result.events.filter((e) => e.data?.["fact"] === "abort").length;
    return { aborts, verdict: history === null ? null : checkSerializability(history) };
  }
}

for (const [level, weak, shape] of [
  ["serializable", "read-committed", "mixed"],
  ["serializable-snapshot", "snapshot", "read-then-write"],
] as const) {
  test(`${level} never yields a dependency cycle under random interleavings and conflicts (seeds 1..200)`, () => {
    let aborted = 0;
    let weakCycles = 0;
    for (let seed = 1; seed <= 200; seed++) {
      for (const each of ["mixed", "read-then-write"] as const) {
        const { aborts, verdict } = randomRun(seed, level, each);
        aborted += aborts;
        assert.ok(
          verdict === null || verdict.verdict === "SERIALIZABLE",
          `seed=${seed}, isolation=${level}, shape=${each}: ${JSON.stringify(verdict?.anomalies)}`,
        );
      }
      if (randomRun(seed, weak, shape).verdict?.verdict === "NOT_SERIALIZABLE") weakCycles += 1;
    }
    assert.ok(aborted > 0, "some runs abort (a deadlock, or a dangerous structure), so the property covers aborts too");
    assert.ok(weakCycles > 0, `the same workloads under ${weak} do form cycles, so the property is not vacuous`);
  });
}
