import { test } from "node:test";
import assert from "node:assert/strict";
import { preferenceList } from "../../src/protocols/dynamo";
import { canonicalJson, type JsonObject } from "../../src/sim/json";
import { Rng } from "../../src/sim/rng";
import type { FaultSpec, WorkloadSpec } from "../../src/sim/spec";
import { fault, op, runDynamo, viewOf } from "./dynamo-helpers";

// Eventual consistency (DeCandia et al. 2007, §4.6 hinted handoff and §5 read
// repair): for each seed, random partitions and crashes hit random puts on three
// keys; then the network heals and every node comes back, and one get per key
// lets read repair finish what handoff did not. Every home replica of every key
// must then hold the same versions, and no node may still hold a hint.

const NODES = ["n1", "n2", "n3", "n4", "n5"];
const KEYS = ["x", "y", "z"];
const SEEDS = 60;
const CHAOS_ENDS_MS = 800;

function plan(seed: number): { workload: WorkloadSpec[]; faults: FaultSpec[]; config: JsonObject } {
  const rng = new Rng(seed, "dynamo-property");
  const workload: WorkloadSpec[] = [];
  const writes = rng.int(3, 10);
  for (let i = 0; i < writes; i++) {
    workload.push(op(rng.int(0, 700), rng.pick(NODES), "put", { key: rng.pick(KEYS), value: i }));
  }
  const faults: FaultSpec[] = [];
  const count = rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const at = rng.int(0, 600);
    if (rng.chance(0.5)) {
      const cut = rng.int(1, 4);
      const side = NODES.filter((_, index) => (index + seed + i) % 5 < cut);
      faults.push(fault(at, { do: "partition", groups: [side, NODES.filter((node) => !side.includes(node))] }));
      faults.push(fault(at + rng.int(50, 300), { do: "heal" }));
    } else {
      const node = rng.pick(NODES);
      faults.push(fault(at, { do: "crash", node }));
      faults.push(fault(at + rng.int(20, 300), { do: "recover", node }));
    }
  }
  faults.push(fault(CHAOS_ENDS_MS, { do: "heal" }));
  for (const node of NODES) faults.push(fault(CHAOS_ENDS_MS + 1, { do: "recover", node }));
  // After handoff has had its chances, one get per key repairs what is left (§5).
  KEYS.forEach((key, index) => workload.push(op(CHAOS_ENDS_MS + 600 + index * 10, rng.pick(NODES), "get", { key })));
  const config: JsonObject = {
    n: 3,
    r: rng.pick([1, 2, 3]),
    w: rng.pick([1, 2, 3]),
    timeoutMs: 60,
    handoffIntervalMs: 50,
  };
  return { workload, faults, config };
}

test(`with hinted handoff and read repair every home replica converges after the faults heal (seeds 1..${SEEDS})`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { workload, faults, config } = plan(seed);
    const reproduce = `seed=${seed}, config=${JSON.stringify(config)}, workload=${JSON.stringify(workload)}, faults=${JSON.stringify(faults)}`;
    const result = runDynamo({ nodes: NODES, config, workload, faults, seed, maxTime: 10_000 });
    assert.deepEqual(result.violations, [], reproduce);
    assert.equal(result.stopReason, "quiescent", reproduce);
    for (const node of NODES)
      assert.deepEqual(viewOf(result, node)["hints"], {}, `${node} still holds hints; ${reproduce}`);
    for (const key of KEYS) {
      const home = preferenceList(key, NODES).slice(0, 3);
      const copies = home.map((node) => canonicalJson((viewOf(result, node)["store"] as JsonObject)[key] ?? null));
      assert.equal(
        new Set(copies).size,
        1,
        `${key} differs on ${home.join(", ")}: ${copies.join(" / ")}; ${reproduce}`,
      );
    }
  }
});
