import { crdt } from "../src/protocols/crdt";
import type { JsonObject } from "../src/sim/json";
import { Rng } from "../src/sim/rng";
import { DEFAULT_LIMITS, DEFAULT_NETWORK, type WorkloadSpec } from "../src/sim/spec";
import { Simulation } from "../src/sim/world";
import { compact, type BenchRow } from "./measure";

export type GossipMode = "state" | "op" | "delta";

export interface GossipRun {
  readonly mode: GossipMode;
  readonly events: number;
  readonly messages: number;
  readonly bytes: number;
  readonly value: string;
}

/**
 * One seeded OR-Set workload on `replicas` nodes: `updates` adds and removes spread
 * over time (each replica adds its own elements, a third of the updates remove one it
 * has seen), 10% message loss, gossip every 20 ms. The same workload in each mode, so
 * the bytes differ only by how updates travel. Throws unless the run ends quiescent,
 * with no violation, every replica at the same value.
 */
export function runGossip(mode: GossipMode, updates: number, replicas = 6, seed = 1): GossipRun {
  const nodes = Array.from({ length: replicas }, (_, index) => `n${index + 1}`);
  const rng = new Rng(seed, "bench:crdt-gossip");
  const added = new Map<string, string[]>(nodes.map((node) => [node, []]));
  const workload: WorkloadSpec[] = [];
  for (let index = 0; index < updates; index++) {
    const node = rng.pick(nodes);
    const own = added.get(node) as string[];
    const at = index * 5;
    const remove = own.length > 0 && rng.chance(1 / 3);
    const element = remove ? (own.splice(rng.int(0, own.length - 1), 1)[0] as string) : `${node}-${index}`;
    if (!remove) own.push(element);
    // A remove needs the element present where it runs: it runs at the node that added it.
    const args: JsonObject = { element };
    workload.push({ trigger: { type: "at", at }, node, op: remove ? "remove" : "add", args, followRedirects: 0 });
  }
  const parsed = crdt.parseConfig({ type: "or-set", mode, gossipIntervalMs: 20, fanout: 2 }, nodes);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const result = new Simulation(
    crdt,
    parsed.config,
    {
      nodes,
      seed,
      network: { ...DEFAULT_NETWORK, delay: { min: 2, max: 10 }, drop: 0.1 },
      clocks: {},
      workload,
      faults: [],
      limits: { ...DEFAULT_LIMITS, maxTime: updates * 5 + 60_000, maxEvents: 5_000_000 },
    },
    { keepEvents: false },
  ).run();
  if (result.stopReason !== "quiescent") throw new Error(`bench: the ${mode} run stopped at ${result.stopReason}`);
  if (result.violations.length > 0) throw new Error(`bench: the ${mode} run broke ${result.violations[0]?.invariant}`);
  const values = new Set(result.nodes.map((node) => JSON.stringify(node.state?.["value"] ?? null)));
  if (values.size !== 1) throw new Error(`bench: the ${mode} replicas did not converge`);
  let messages = 0;
  let bytes = 0;
  for (const node of result.nodes) {
    const wire = node.state?.["wire"] as JsonObject;
    messages += wire["messages"] as number;
    bytes += wire["bytes"] as number;
  }
  return { mode, events: result.eventCount, messages, bytes, value: [...values][0] as string };
}

/**
 * (e') Delta vs state vs op gossip (Almeida, Shoker & Baquero 2018): bytes on the
 * wire and simulated events for one OR-Set workload, each mode beside state-based
 * gossip (the ceiling: what shipping whole payloads costs) in the same process. Counts,
 * not times: the runs are deterministic, so the figures repeat exactly.
 */
export function benchCrdtGossip(options: { updates: number }): BenchRow[] {
  const runs = (["state", "op", "delta"] as const).map((mode) => runGossip(mode, options.updates));
  const [state, op, delta] = runs as [GossipRun, GossipRun, GossipRun];
  if (op.value !== state.value || delta.value !== state.value)
    throw new Error("bench: the modes reached different sets");
  const how = (run: GossipRun): string =>
    `${run.mode}: ${compact(run.bytes)} B in ${compact(run.messages)} messages, ${compact(run.events)} events`;
  const note = `1 run each (byte and event counts are deterministic); OR-Set, 6 replicas, ${options.updates} adds/removes 5 ms apart, 10% loss, gossip 20 ms, fanout 2; ${runs.map(how).join("; ")}`;
  return [delta, op].map((run) => ({
    name: `crdt gossip bytes, ${run.mode} vs state`,
    ours: `${compact(run.bytes)} B, ${compact(run.events)} ev`,
    ceiling: `${compact(state.bytes)} B, ${compact(state.events)} ev`,
    ratio: run.bytes / state.bytes,
    target: run.mode === "delta" ? "ours/ceiling <= 1 (deltas cost no more than states)" : "none set (reported)",
    ok: run.mode === "delta" ? run.bytes <= state.bytes : null,
    note,
  }));
}
