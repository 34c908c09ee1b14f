import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dynamo, type DynamoConfig } from "../../src/protocols/dynamo";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import { isJsonObject, type JsonObject } from "../../src/sim/json";
import { DEFAULT_NETWORK, type FaultSpec, type WorkloadSpec } from "../../src/sim/spec";
import type { TraceEvent } from "../../src/sim/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";

/** The replication scenarios folder, from dist/tests/protocols. */
export const REPLICATION_DIR = join(__dirname, "..", "..", "..", "scenarios", "replication");

export function loadReplication(id: string): Scenario {
  const parsed = parseScenario(readFileSync(join(REPLICATION_DIR, `${id}.yaml`), "utf8"), `replication/${id}.yaml`);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

export function runReplication(id: string, seed?: number): SimulationResult {
  return runScenario(loadReplication(id), seed === undefined ? {} : { seed });
}

export function dynamoConfig(raw: JsonObject, nodes: readonly string[]): DynamoConfig {
  const parsed = dynamo.parseConfig(raw, nodes);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

export function op(at: number, node: string, name: string, args: JsonObject): WorkloadSpec {
  return { trigger: { type: "at", at }, node, op: name, args, followRedirects: 0 };
}

export function fault(at: number, action: FaultSpec["action"]): FaultSpec {
  return { trigger: { type: "at", at }, action };
}

/** Runs the Dynamo store built in code (no scenario file). */
export function runDynamo(options: {
  nodes: readonly string[];
  config?: JsonObject;
  workload: readonly WorkloadSpec[];
  faults?: readonly FaultSpec[];
  seed?: number;
  maxTime?: number;
  clocks?: Record<string, { offset: number; drift: number }>;
}): SimulationResult {
  return new Simulation(dynamo, dynamoConfig(options.config ?? {}, options.nodes), {
    nodes: options.nodes,
    seed: options.seed ?? 1,
    network: { ...DEFAULT_NETWORK, delay: { min: 2, max: 10 } },
    clocks: options.clocks ?? {},
    workload: options.workload,
    faults: options.faults ?? [],
    limits: { maxTime: options.maxTime ?? 5000, maxEvents: 100_000 },
  }).run();
}

/** The result object of each CLIENT_RETURN for an op, in order. */
export function returns(result: SimulationResult, name: string): JsonObject[] {
  return result.events
    .filter((event) => event.kind === "CLIENT_RETURN" && event.data?.["op"] === name)
    .map((event) => event.data?.["result"])
    .filter(isJsonObject);
}

/** Events whose data.event is the given fact name. */
export function facts(result: SimulationResult, name: string): TraceEvent[] {
  return result.events.filter((event) => event.data?.["event"] === name);
}

export function viewOf(result: SimulationResult, node: string): JsonObject {
  const view = result.nodes.find((candidate) => candidate.node === node);
  if (view?.state === null || view === undefined) throw new Error(`${node} has no state at the end of the run`);
  return view.state;
}
