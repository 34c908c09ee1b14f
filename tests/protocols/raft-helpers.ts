import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultRaftConfig, raft } from "../../src/protocols/raft";
import type { RaftConfig } from "../../src/protocols/raft";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import type { Scenario } from "../../src/scenarios/types";
import type { JsonObject } from "../../src/sim/json";
import { DEFAULT_NETWORK, type FaultSpec, type NetworkSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";

/** The consensus scenarios folder, from dist/tests/protocols. */
export const CONSENSUS_DIR = join(__dirname, "..", "..", "..", "scenarios", "consensus");

export function loadConsensus(id: string): Scenario {
  const parsed = parseScenario(readFileSync(join(CONSENSUS_DIR, `${id}.yaml`), "utf8"), `consensus/${id}.yaml`);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

export interface ClusterOptions {
  readonly nodes?: readonly string[];
  readonly seed?: number;
  readonly config?: JsonObject;
  readonly network?: Partial<NetworkSpec>;
  readonly workload?: readonly WorkloadSpec[];
  readonly faults?: readonly FaultSpec[];
  readonly maxTime?: number;
  readonly stopAtSeq?: number;
}

export const FIVE = ["n1", "n2", "n3", "n4", "n5"];

/** Runs a Raft cluster built in code (no scenario file). */
export function runCluster(options: ClusterOptions = {}): {
  result: SimulationResult;
  config: RaftConfig;
  sim: Simulation<RaftConfig, unknown>;
} {
  const nodes = options.nodes ?? FIVE;
  const config = defaultRaftConfig(nodes, options.config ?? {});
  const sim = new Simulation(
    raft,
    config,
    {
      nodes,
      seed: options.seed ?? 1,
      network: { ...DEFAULT_NETWORK, ...options.network },
      clocks: {},
      workload: options.workload ?? [],
      faults: options.faults ?? [],
      limits: { maxTime: options.maxTime ?? 2000, maxEvents: 1_000_000 },
    },
    options.stopAtSeq === undefined ? {} : { stopAtSeq: options.stopAtSeq },
  );
  const result = sim.run();
  return { result, config, sim: sim as unknown as Simulation<RaftConfig, unknown> };
}

export function put(at: number, node: string, key: string, value: number, followRedirects = 3): WorkloadSpec {
  return { trigger: { type: "at", at }, node, op: "put", args: { key, value }, followRedirects };
}

export function get(at: number, node: string, key: string, read?: string): WorkloadSpec {
  return {
    trigger: { type: "at", at },
    node,
    op: "get",
    args: read === undefined ? { key } : { key, read },
    followRedirects: 3,
  };
}

export function at(time: number, action: FaultSpec["action"]): FaultSpec {
  return { trigger: { type: "at", at: time }, action };
}

export function stateOf(result: SimulationResult, node: string): JsonObject {
  const view = result.nodes.find((item) => item.node === node);
  if (view === undefined || view.state === null) throw new Error(`${node} is down or unknown at the end of the run`);
  return view.state;
}

export function events(
  result: SimulationResult,
  kind: TraceEvent["kind"],
  contains?: string,
  node?: string,
): TraceEvent[] {
  return result.events.filter(
    (event) =>
      event.kind === kind &&
      (contains === undefined || event.summary.includes(contains)) &&
      (node === undefined || event.node === node),
  );
}

/** The leaders elected in a run, as [term, node] in order. */
export function leaders(result: SimulationResult): [number, string][] {
  return events(result, "STATE_CHANGE", "becomes leader of term").map((event) => {
    const match = /becomes leader of term (\d+)/.exec(event.summary);
    return [Number(match?.[1]), event.node];
  });
}

export interface LogEntryView {
  readonly index: number;
  readonly term: number;
  readonly command: JsonObject;
}

export function logOf(state: JsonObject): LogEntryView[] {
  return state["log"] as unknown as LogEntryView[];
}
