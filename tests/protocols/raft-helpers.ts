import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultRaftConfig, raft } from "../../src/protocols/raft";
import type { RaftConfig } from "../../src/protocols/raft";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import type { Scenario } from "../../src/scenarios/types";
import type { Json, JsonObject } from "../../src/sim/json";
import { DEFAULT_NETWORK, type FaultSpec, type NetworkSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";

/** The consensus scenarios folder, from dist/tests/protocols. */
export const CONSENSUS_DIR = join(__dirname, "..", "..", "..", "scenarios", "consensus");

export const CONSENSUS_SCENARIOS = [
  "raft-figure-8",
  "raft-figure-8-unsafe",
  "raft-leader-crash",
  "raft-leader-election",
  "raft-log-repair",
  "raft-minority-partition",
  "raft-no-election-restriction-unsafe",
  "raft-split-vote",
  "raft-stale-read",
] as const;

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

/** Events of a kind (and node), selected by kind and data only: tests never read the sentences. */
export function events(result: SimulationResult, kind: TraceEvent["kind"], node?: string): TraceEvent[] {
  return result.events.filter((event) => event.kind === kind && (node === undefined || event.node === node));
}

/** A Raft event's data (README, Raft: event data), by its `event` field. */
export type RaftData = Record<string, Json>;

/** The Raft events named `name` in data.event (vote, term, role, append, truncate, commit, ...), with their node. */
export function raftEvents(
  result: SimulationResult,
  name: string,
  node?: string,
): (RaftData & { node: string; seq: number })[] {
  const found: (RaftData & { node: string; seq: number })[] = [];
  for (const event of result.events) {
    if (event.data?.["event"] !== name || (node !== undefined && event.node !== node)) continue;
    found.push({ ...(event.data as RaftData), node: event.node, seq: event.seq });
  }
  return found;
}

/** The leaders elected in a run, as [term, node] in order. */
export function leaders(result: SimulationResult): [number, string][] {
  return raftEvents(result, "role")
    .filter((change) => change["role"] === "leader")
    .map((change) => [Number(change["term"]), change.node]);
}

/** Messages sent, with their sender, by message type. */
export function sent(
  result: SimulationResult,
  type: string,
  from?: string,
  to?: string,
): (JsonObject & { seq: number })[] {
  const found: (JsonObject & { seq: number })[] = [];
  for (const event of result.events) {
    if (event.kind !== "SEND" || event.data === null) continue;
    const message = event.data["message"] as JsonObject;
    if (message["type"] !== type) continue;
    if (from !== undefined && event.data["from"] !== from) continue;
    if (to !== undefined && event.data["to"] !== to) continue;
    found.push({ ...message, seq: event.seq });
  }
  return found;
}

/** The client's answers, each with the request's op and args (from its CLIENT_INVOKE) and the node that answered. */
export function answers(
  result: SimulationResult,
): { seq: number; time: number; node: string; op: string; args: JsonObject; result: JsonObject }[] {
  const invoked = new Map<string, JsonObject>();
  const found = [];
  for (const event of result.events) {
    if (event.data === null) continue;
    if (event.kind === "CLIENT_INVOKE") invoked.set(String(event.data["request"]), event.data["args"] as JsonObject);
    if (event.kind === "CLIENT_RETURN") {
      found.push({
        seq: event.seq,
        time: event.time,
        node: event.node,
        op: String(event.data["op"]),
        args: invoked.get(String(event.data["request"])) ?? {},
        result: event.data["result"] as JsonObject,
      });
    }
  }
  return found;
}

export interface LogEntryView {
  readonly index: number;
  readonly term: number;
  readonly command: JsonObject;
}

export function logOf(state: JsonObject): LogEntryView[] {
  return state["log"] as unknown as LogEntryView[];
}
