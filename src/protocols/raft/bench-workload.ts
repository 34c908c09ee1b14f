import { DEFAULT_NETWORK, type SimulationSpec, type WorkloadSpec } from "../../sim/spec";
import { defaultRaftConfig } from "./config";
import type { RaftConfig } from "./types";

export const BENCH_NODES = ["n1", "n2", "n3", "n4", "n5"] as const;
/** When the first write is sent: well after the first election (timeouts are 150-300 ms). */
export const BENCH_FIRST_WRITE_MS = 1000;

/**
 * A benchmark run: a 5-node cluster with the default configuration, and a steady
 * stream of `writes` puts, one per simulated millisecond, sent to the nodes in turn;
 * followers redirect them to the leader (section 8). Hand the result to
 * `new Simulation(raft, config, spec, { keepEvents: false })`.
 */
export function raftBenchSpec(writes: number, seed: number): { config: RaftConfig; spec: SimulationSpec } {
  if (!Number.isInteger(writes) || writes < 1)
    throw new Error(`raftBenchSpec: writes must be a positive integer, got ${writes}`);
  const nodes = [...BENCH_NODES];
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < writes; i++) {
    workload.push({
      trigger: { type: "at", at: BENCH_FIRST_WRITE_MS + i },
      node: nodes[i % nodes.length] as string,
      op: "put",
      args: { key: `k${i % 100}`, value: i },
      followRedirects: 3,
    });
  }
  const spec: SimulationSpec = {
    nodes,
    seed,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload,
    faults: [],
    // Time enough for every write to commit after the last is sent; no event limit to speak of.
    limits: { maxTime: BENCH_FIRST_WRITE_MS + writes + 2000, maxEvents: 1_000_000_000 },
  };
  return { config: defaultRaftConfig(nodes), spec };
}
