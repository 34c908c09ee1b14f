import { test } from "node:test";
import assert from "node:assert/strict";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import type { JsonObject } from "../../src/sim/json";
import { Rng } from "../../src/sim/rng";
import { DEFAULT_NETWORK, type FaultSpec, type SimulationSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { Message } from "../../src/sim/types";
import { Simulation } from "../../src/sim/world";

// Safety under chaos, then liveness once the chaos stops (VOPR's two modes; STYLE.md
// 6 and 10): for each seed, random crashes, recoveries, message loss and duplication
// hit a few concurrent transactions. Atomicity and CommitValidity (Bernstein et al.
// 7.2, AC1 and AC3) must never fail; after the network heals and every node is back,
// every transaction must finish with one outcome everywhere.

const NODES = ["coord", "p1", "p2", "p3"];
const PARTICIPANTS = ["p1", "p2", "p3"];
const SEEDS = 200;
const CHAOS_ENDS_MS = 600;

interface Plan {
  readonly config: JsonObject;
  readonly spec: SimulationSpec;
}

function plan(seed: number): Plan {
  const rng = new Rng(seed, "2pc-property");
  const workload: WorkloadSpec[] = [];
  const transactions = rng.int(1, 3);
  for (let i = 1; i <= transactions; i++) {
    workload.push({
      trigger: { type: "at", at: rng.int(0, 150) },
      node: "coord",
      op: "begin",
      // Some transactions share an item, so locks conflict too.
      args: { tx: `t${i}`, keys: [rng.pick(["x", "y", `only-t${i}`])] },
      followRedirects: 0,
    });
  }
  const faults: FaultSpec[] = [];
  const count = rng.int(1, 5);
  for (let i = 0; i < count; i++) {
    const at = rng.int(0, 400);
    const kind = rng.pick(["crash", "crash", "drop", "duplicate", "crash-on-send"] as const);
    if (kind === "crash" || kind === "crash-on-send") {
      const node = rng.pick(NODES);
      const trigger: FaultSpec["trigger"] =
        kind === "crash"
          ? { type: "at", at }
          : {
              type: "when",
              when: {
                kind: "SEND",
                node,
                message: rng.pick(["PREPARE", "VOTE_YES", "COMMIT", "ABORT", "ACK"]),
                count: 1,
              },
              after: 0,
            };
      faults.push({ trigger, action: { do: "crash", node } });
      faults.push({ trigger: { type: "at", at: at + rng.int(10, 300) }, action: { do: "recover", node } });
    } else if (kind === "drop") {
      const from = rng.chance(0.5) ? rng.pick(NODES) : undefined;
      faults.push({
        trigger: { type: "at", at },
        action: { do: "drop", ...(from === undefined ? {} : { from }), probability: rng.pick([0.2, 0.5, 1]) },
      });
    } else {
      faults.push({ trigger: { type: "at", at }, action: { do: "duplicate", probability: 0.5 } });
    }
  }
  // The chaos ends: the network heals and every node is back up.
  faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS }, action: { do: "heal" } });
  for (const node of NODES) {
    faults.push({ trigger: { type: "at", at: CHAOS_ENDS_MS + 1 }, action: { do: "recover", node } });
  }
  const config: JsonObject = {
    coordinator: "coord",
    workMs: rng.pick([0, 0, 30]),
    cooperativeTermination: rng.chance(0.5),
    variant: rng.pick(["presumed-abort", "presumed-nothing"]),
    ...(rng.chance(0.2) ? { votes: { [rng.pick(PARTICIPANTS)]: "no" } } : {}),
  };
  return {
    config,
    spec: {
      nodes: NODES,
      seed,
      network: { ...DEFAULT_NETWORK, delay: { min: 1, max: rng.pick([10, 40]) } },
      clocks: {},
      workload,
      faults,
      limits: { maxTime: 30_000, maxEvents: 50_000 },
    },
  };
}

test(`2PC keeps Atomicity and CommitValidity under random crashes, loss and duplication (seeds 1..${SEEDS}), and finishes once faults stop`, () => {
  let finished = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { config, spec } = plan(seed);
    const reproduce = `reproduce with seed=${seed}, config=${JSON.stringify(config)}, workload=${JSON.stringify(spec.workload)}, faults=${JSON.stringify(spec.faults)}`;
    const parsed = twoPhaseCommit.parseConfig(config, NODES);
    assert.ok(parsed.ok, reproduce);
    const result = new Simulation(twoPhaseCommit, parsed.config, spec).run();
    assert.deepEqual(
      result.violations.map((v) => `${v.invariant}: ${v.message}`),
      [],
      `safety violated; ${reproduce}`,
    );
    // Every delivery and timer is explained by the protocol, not left with the core's bare summary.
    for (const event of result.events) {
      if (event.kind === "TIMER") {
        assert.notEqual(event.summary, `${event.node}'s ${String(event.data?.["timer"])} timer fires.`, reproduce);
      } else if (event.kind === "DELIVER") {
        const label = twoPhaseCommit.describeMessage?.(event.data?.["message"] as Message);
        assert.notEqual(
          event.summary,
          `${event.node} receives ${label} from ${String(event.data?.["from"])}.`,
          reproduce,
        );
      }
    }
    // Liveness: once every node is up and the network is whole, every transaction the
    // coordinator remembers is DONE, and each participant holds the coordinator's
    // outcome; a transaction it has forgotten (presumed abort: an aborted one) is
    // ABORTED wherever a participant knows it. No participant is left uncertain.
    assert.equal(result.stopReason, "quiescent", `the run did not settle (${result.stopMessage}); ${reproduce}`);
    const views = new Map(result.nodes.map((n) => [n.node, n.state]));
    const coordinatorTxs = (views.get("coord")?.["transactions"] ?? {}) as Record<string, JsonObject>;
    for (const [tx, info] of Object.entries(coordinatorTxs)) {
      assert.equal(info["status"], "DONE", `${tx} did not finish; ${reproduce}`);
    }
    for (const p of PARTICIPANTS) {
      const mine = (views.get(p)?.["transactions"] ?? {}) as Record<string, JsonObject>;
      for (const [tx, info] of Object.entries(mine)) {
        const decision = coordinatorTxs[tx]?.["decision"];
        const outcome = decision === "COMMIT" ? "COMMITTED" : "ABORTED";
        assert.equal(info["status"], outcome, `${p} does not know ${tx} ${outcome}; ${reproduce}`);
        assert.equal(info["uncertain"], false, `${p} is still uncertain about ${tx}; ${reproduce}`);
        finished += 1;
      }
    }
    for (const p of PARTICIPANTS) {
      assert.deepEqual(views.get(p)?.["locks"], {}, `${p} still holds locks at the end; ${reproduce}`);
    }
  }
  assert.ok(finished > 2 * SEEDS, "the runs really began transactions (not a vacuous pass)");
});
