import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultRaftConfig, raft } from "../../src/protocols/raft";
import { DEFAULT_NETWORK, type FaultSpec, type WorkloadSpec } from "../../src/sim/spec";
import { Simulation, type SimulationResult } from "../../src/sim/world";
import { canonicalJson } from "../../src/sim/json";
import { answers, FIVE } from "./raft-helpers";

// Safety under chaos, then liveness once the chaos stops (STYLE.md 6 and 10, after
// TigerBeetle's VOPR and the Yjs test helper): random seeds and random fault schedules
// (crashes, recoveries, partitions, isolation, message loss and duplication, crashes
// of fresh leaders) hit a 5-node cluster with the default configuration while clients
// write. None of the five properties of Raft's Figure 3 may ever be violated. Then
// the network heals, every node restarts, and within a bounded time a leader must be
// elected, commit a new write, and bring every log and state machine to the same
// place. A failing case prints its seed and schedule.

const CHAOS_ENDS_MS = 2000;
const SETTLE_MS = 2500;

type Fault =
  | { readonly kind: "crash" | "recover" | "isolate"; readonly at: number; readonly node: string }
  | { readonly kind: "crashWhenLeader"; readonly node: string; readonly after: number }
  | { readonly kind: "partition"; readonly at: number; readonly minority: readonly string[] }
  | { readonly kind: "drop" | "duplicate"; readonly at: number; readonly percent: number }
  | { readonly kind: "heal"; readonly at: number };

interface Write {
  readonly at: number;
  readonly node: string;
  readonly key: string;
  readonly value: number;
}

const time = fc.integer({ min: 0, max: CHAOS_ENDS_MS });
const node = fc.constantFrom(...FIVE);
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constantFrom("crash" as const, "recover" as const, "isolate" as const), at: time, node }),
  fc.record({ kind: fc.constant("crashWhenLeader" as const), node, after: fc.integer({ min: 0, max: 40 }) }),
  fc.record({
    kind: fc.constant("partition" as const),
    at: time,
    minority: fc.subarray(FIVE, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    kind: fc.constantFrom("drop" as const, "duplicate" as const),
    at: time,
    percent: fc.integer({ min: 5, max: 60 }),
  }),
  fc.record({ kind: fc.constant("heal" as const), at: time }),
);
const write: fc.Arbitrary<Write> = fc.record({
  at: time,
  node,
  key: fc.constantFrom("x", "y", "z"),
  value: fc.integer({ min: 0, max: 999 }),
});

function faultSpec(item: Fault): FaultSpec {
  const at = (when: number): FaultSpec["trigger"] => ({ type: "at", at: when });
  switch (item.kind) {
    case "crash":
    case "recover":
    case "isolate":
      return { trigger: at(item.at), action: { do: item.kind, node: item.node } };
    case "crashWhenLeader":
      return {
        trigger: {
          type: "when",
          when: { kind: "STATE_CHANGE", node: item.node, summaryContains: "becomes leader", count: 1 },
          after: item.after,
        },
        action: { do: "crash", node: item.node },
      };
    case "partition":
      return { trigger: at(item.at), action: { do: "partition", groups: [[...item.minority]] } };
    case "drop":
    case "duplicate":
      return { trigger: at(item.at), action: { do: item.kind, probability: item.percent / 100 } };
    case "heal":
      return { trigger: at(item.at), action: { do: "heal" } };
  }
}

function run(seed: number, schedule: readonly Fault[], writes: readonly Write[]): SimulationResult {
  const workload: WorkloadSpec[] = writes.map((w) => ({
    trigger: { type: "at", at: w.at },
    node: w.node,
    op: "put",
    args: { key: w.key, value: w.value },
    followRedirects: 3,
  }));
  // After the chaos: everything heals and restarts; then clients write again, once in a while.
  for (let i = 0; i < 5; i++) {
    workload.push({
      trigger: { type: "at", at: CHAOS_ENDS_MS + 800 + 200 * i },
      node: FIVE[i] as string,
      op: "put",
      args: { key: "after", value: i },
      followRedirects: 3,
    });
  }
  const faults: FaultSpec[] = schedule.map(faultSpec);
  faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "heal" } });
  for (const name of FIVE)
    faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "recover", node: name } });
  return new Simulation(raft, defaultRaftConfig(FIVE), {
    nodes: FIVE,
    seed,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload,
    faults,
    limits: { maxTime: CHAOS_ENDS_MS + SETTLE_MS, maxEvents: 500_000 },
  }).run();
}

test("Figure 3 under random faults: 5 nodes, default config, no safety property ever violated; after healing, progress and convergence", () => {
  let livenessChecked = 0;
  const runs = 100;
  const details = fc.check(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.array(fault, { minLength: 1, maxLength: 12 }),
      fc.array(write, { maxLength: 20 }),
      (seed, schedule, writes) => {
        const result = run(seed, schedule, writes);
        const safety = result.violations.map((v) => `${v.invariant} at seq ${v.seq}: ${v.message}`);
        if (safety.length > 0) throw new Error(`safety violated: ${safety.join("; ")}`);
        // A crashWhenLeader trigger can fire after the chaos, when its node first leads; such
        // a run still counts for safety, but its liveness is not what the property measures.
        if (result.events.some((e) => e.kind === "CRASH" && e.time >= CHAOS_ENDS_MS)) return;
        livenessChecked += 1;
        // Liveness: a write sent after the chaos is acknowledged.
        // (the puts of key "after" are the ones sent after the chaos)
        const acknowledged = answers(result).filter(
          (answer) => answer.args["key"] === "after" && answer.result["ok"] === true,
        );
        if (acknowledged.length === 0) throw new Error("no write was committed after healing");
        // Convergence: one leader, and every node holds the same log, commit index and state machine.
        const views = result.nodes.map((view) => view.state);
        const leadersAtEnd = views.filter((state) => state?.["role"] === "leader");
        if (leadersAtEnd.length !== 1) throw new Error(`expected one leader at the end, found ${leadersAtEnd.length}`);
        const reference = leadersAtEnd[0];
        for (const [i, state] of views.entries()) {
          for (const key of ["term", "log", "commitIndex", "stateMachine"]) {
            const mine = canonicalJson(state?.[key] ?? null);
            const leader = canonicalJson(reference?.[key] ?? null);
            if (mine !== leader)
              throw new Error(`${FIVE[i]}'s ${key} ${mine} differs from the leader's ${leader} at the end`);
          }
        }
      },
    ),
    { numRuns: runs, seed: 20261125 },
  );
  if (details.failed) {
    const [seed, schedule, writes] = details.counterexample ?? [];
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    assert.fail(
      `${cause}\nreproduce with seed=${seed} schedule=${JSON.stringify(schedule)} writes=${JSON.stringify(writes)} ` +
        `(fast-check seed ${details.seed}, path ${details.counterexamplePath})`,
    );
  }
  assert.ok(livenessChecked >= runs * 0.8, `liveness was checked in only ${livenessChecked} of ${runs} runs`);
});
