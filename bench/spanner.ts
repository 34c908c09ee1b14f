import { getProtocol } from "../src/protocols";
import { DEFAULT_NETWORK, type SimulationSpec, type WorkloadSpec } from "../src/sim/spec";
import { Simulation, type SimulationResult } from "../src/sim/world";
import { simulationRate } from "./bare-loop";
import { compact, runsPhrase, type BenchRow } from "./measure";

export const SPANNER_NODES = ["a", "b", "c"] as const;

/** `transactions` puts, 1 ms apart, round-robin over three leaders with skewed clocks (within epsilon). */
export function spannerSpec(transactions: number, seed: number): SimulationSpec {
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < transactions; i++) {
    const node = SPANNER_NODES[i % SPANNER_NODES.length] as string;
    workload.push({
      trigger: { type: "at", at: i },
      node,
      op: "put",
      args: { key: `k${i % 10}`, value: i },
      followRedirects: 0,
    });
  }
  return {
    nodes: [...SPANNER_NODES],
    seed,
    network: { ...DEFAULT_NETWORK },
    clocks: { a: { offset: 3, drift: 0 }, b: { offset: -3, drift: 0 } },
    workload,
    faults: [],
    limits: { maxTime: transactions + 100_000, maxEvents: transactions * 20 + 1000 },
  };
}

/** A commit-wait run (Corbett et al. 2012, 4.1.2) with full tracing and the ExternalConsistency checker. */
export function runSpanner(transactions: number, seed = 1): SimulationResult {
  const protocol = getProtocol("spanner");
  if (protocol === undefined) throw new Error("bench: spanner is not registered in src/protocols/index.ts");
  const spec = spannerSpec(transactions, seed);
  const parsed = protocol.parseConfig({ epsilonMs: 7, commitWait: true }, spec.nodes);
  if (!parsed.ok) throw new Error(`bench: spanner config rejected: ${JSON.stringify(parsed.problems)}`);
  const result = new Simulation(protocol, parsed.config, spec, { keepEvents: true }).run();
  if (result.stopReason !== "quiescent" || result.violations.length > 0) {
    throw new Error(
      `bench: the spanner run stopped on ${result.stopReason} with ${result.violations.length} violations`,
    );
  }
  return result;
}

/** Commit wait's simulated events per second, beside the bare event loop of the same event count (as bench (a)). */
export function benchSpanner(options: { transactions: number; repeats: number; budgetMs: number }): BenchRow[] {
  const { events, rate, ceilingRate, ratio, ours, ceiling } = simulationRate(
    () => runSpanner(options.transactions).eventCount,
    SPANNER_NODES,
    options,
  );
  return [
    {
      name: "spanner commit-wait events/s",
      ours: `${compact(rate)} ev/s`,
      ceiling: `${compact(ceilingRate)} ev/s`,
      ratio,
      target: "ours/ceiling >= 0.5",
      ok: ratio >= 0.5,
      note:
        `${options.transactions} transactions on 3 leaders (epsilon 7 ms, every one waits), ${events} events, full tracing and ` +
        `the ExternalConsistency checker; ours ${runsPhrase(ours)} warm runs (${ours.bestMs.toFixed(0)} ms), ceiling best of ` +
        `${ceiling.repeats} warm runs (${ceiling.bestMs.toFixed(1)} ms): the bare (time, seq) heap loop`,
    },
  ];
}
