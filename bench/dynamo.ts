import { getProtocol } from "../src/protocols";
import { DEFAULT_NETWORK, type SimulationSpec, type WorkloadSpec } from "../src/sim/spec";
import { Simulation, type SimulationResult } from "../src/sim/world";
import { simulationRate } from "./bare-loop";
import { compact, runsPhrase, type BenchRow } from "./measure";

export const DYNAMO_NODES = ["n1", "n2", "n3", "n4", "n5"] as const;

/**
 * A Dynamo workload: `operations` client requests 2 ms apart, alternating puts and
 * gets on 10 keys, spread over five coordinators, N = 3, R = W = 2, with a
 * partition from one fifth to two fifths of the run (so sloppy quorum, hints,
 * handoff and read repair all do their share) and vector clocks.
 */
export function dynamoSpec(operations: number, seed: number): SimulationSpec {
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < operations; i++) {
    const key = `k${i % 10}`;
    workload.push({
      trigger: { type: "at", at: i * 2 },
      node: DYNAMO_NODES[i % DYNAMO_NODES.length] as string,
      op: i % 2 === 0 ? "put" : "get",
      args: i % 2 === 0 ? { key, value: i } : { key },
      followRedirects: 0,
    });
  }
  const end = operations * 2;
  return {
    nodes: [...DYNAMO_NODES],
    seed,
    network: { ...DEFAULT_NETWORK, delay: { min: 2, max: 10 } },
    clocks: {},
    workload,
    faults: [
      {
        trigger: { type: "at", at: Math.floor(end / 5) },
        action: {
          do: "partition",
          groups: [
            ["n1", "n2"],
            ["n3", "n4", "n5"],
          ],
        },
      },
      { trigger: { type: "at", at: Math.floor((2 * end) / 5) }, action: { do: "heal" } },
    ],
    limits: { maxTime: end + 100_000, maxEvents: operations * 200 + 1000 },
  };
}

export function runDynamoBench(operations: number, seed = 1): SimulationResult {
  const protocol = getProtocol("dynamo");
  if (protocol === undefined) throw new Error("bench: dynamo is not registered in src/protocols/index.ts");
  const spec = dynamoSpec(operations, seed);
  const parsed = protocol.parseConfig({ n: 3, r: 2, w: 2 }, spec.nodes);
  if (!parsed.ok) throw new Error(`bench: Dynamo config rejected: ${JSON.stringify(parsed.problems)}`);
  const result = new Simulation(protocol, parsed.config, spec, { keepEvents: true }).run();
  if (result.stopReason !== "quiescent") {
    throw new Error(`bench: the Dynamo run stopped on ${result.stopReason}, not quiescent: ${result.stopMessage}`);
  }
  return result;
}

/** Simulated events per second of the Dynamo store with full tracing, against the bare event loop of the same event count. */
export function benchDynamo(options: { operations: number; repeats: number; budgetMs: number }): BenchRow[] {
  const { events, rate, ceilingRate, ratio, ours, ceiling } = simulationRate(
    () => runDynamoBench(options.operations).eventCount,
    DYNAMO_NODES,
    options,
  );
  return [
    {
      name: "dynamo sim events/s",
      ours: `${compact(rate)} ev/s`,
      ceiling: `${compact(ceilingRate)} ev/s`,
      ratio,
      target: "none set (reported)",
      ok: null,
      note:
        `${options.operations} gets and puts on 10 keys over 5 nodes (N=3, R=W=2, vector clocks, a partition for a fifth of the run), ` +
        `${events} events, full tracing and the checker; ours ${runsPhrase(ours)} warm runs (${ours.bestMs.toFixed(0)} ms), ` +
        `ceiling best of ${ceiling.repeats} warm runs (${ceiling.bestMs.toFixed(1)} ms): the same (time, seq) heap, appending each event to an array`,
    },
  ];
}
