import { plural } from "../../sim/english";
import type { ConfigProblem, ConfigResult } from "../../sim/types";
import { CRDT_TYPES, DATA_TYPES, type CrdtTypeName, type GossipMode } from "./datatypes";

export interface CrdtConfig {
  /** Which replicated data type every node holds. */
  readonly type: CrdtTypeName;
  /**
   * state: gossip whole payloads and merge them; op: broadcast operations with reliable
   * causal delivery; delta: gossip delta-intervals (Almeida, Shoker & Baquero 2018).
   */
  readonly mode: GossipMode;
  /** How often a replica with unacknowledged state gossips, in ms. */
  readonly gossipIntervalMs: number;
  /** How many peers (chosen at random among those not known to be in sync) each gossip round contacts. */
  readonly fanout: number;
  /** Anti-entropy stops at this time even if some peer never acknowledged (null: never forced to stop). */
  readonly gossipUntilMs: number | null;
  /** Where last-writer-wins timestamps come from: the node's physical clock (ctx.physicalClock()) or a Lamport counter. */
  readonly timestamps: "physical" | "lamport";
  /**
   * Collect metadata once causally stable (Baquero, Almeida & Shoker 2014): op mode, the
   * op log; state and delta modes, the OR-Set's tombstones (stability.ts).
   */
  readonly gc: boolean;
}

export const CRDT_DEFAULTS = {
  mode: "state",
  gossipIntervalMs: 50,
  fanout: 1,
  gossipUntilMs: null,
  timestamps: "physical",
  gc: false,
} as const;

const FIELDS = ["type", "mode", "gossipIntervalMs", "fanout", "gossipUntilMs", "timestamps", "gc"];

/** Validates a scenario's `config:` block for the crdt protocol; every problem names its path inside `config`. */
export function parseCrdtConfig(raw: unknown, nodes: readonly string[]): ConfigResult<CrdtConfig> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [{ path: [], message: `expected a mapping with at least type: ${CRDT_TYPES.join(" | ")}` }],
    };
  }
  const input = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(input)) {
    if (!FIELDS.includes(key))
      problems.push({ path: [key], message: `unknown field; expected one of ${FIELDS.join(", ")}` });
  }
  const typeValue = input["type"];
  let type: CrdtTypeName = "g-counter";
  if (typeof typeValue !== "string" || !(CRDT_TYPES as readonly string[]).includes(typeValue)) {
    problems.push({
      path: ["type"],
      message: `expected one of ${CRDT_TYPES.join(", ")}, got ${JSON.stringify(typeValue)}`,
    });
  } else {
    type = typeValue as CrdtTypeName;
  }
  let mode: GossipMode = CRDT_DEFAULTS.mode;
  if (input["mode"] !== undefined) {
    if (input["mode"] !== "state" && input["mode"] !== "op" && input["mode"] !== "delta") {
      problems.push({ path: ["mode"], message: `expected state, op or delta, got ${JSON.stringify(input["mode"])}` });
    } else {
      mode = input["mode"];
      if (mode === "op" && !DATA_TYPES[type].opBased) {
        problems.push({ path: ["mode"], message: `${type} has no op-based specification; use mode: state` });
      }
      if (mode === "delta" && DATA_TYPES[type].delta === undefined) {
        problems.push({ path: ["mode"], message: `${type} has no delta-mutators; use mode: state or op` });
      }
    }
  }
  let gc: boolean = CRDT_DEFAULTS.gc;
  if (input["gc"] !== undefined) {
    if (typeof input["gc"] !== "boolean") {
      problems.push({ path: ["gc"], message: `expected true or false, got ${JSON.stringify(input["gc"])}` });
    } else {
      gc = input["gc"];
      if (gc && mode !== "op" && DATA_TYPES[type].tombstoneGc === undefined) {
        problems.push({
          path: ["gc"],
          message: `garbage collection by causal stability in ${mode} mode collects tombstones named by unique tags, which a ${type} does not have (or-set does); use mode: op, or gc: false`,
        });
      }
    }
  }
  const integer = (field: string, fallback: number, minimum: number): number => {
    const value = input[field];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
      problems.push({ path: [field], message: `expected an integer >= ${minimum}, got ${JSON.stringify(value)}` });
      return fallback;
    }
    return value;
  };
  const gossipIntervalMs = integer("gossipIntervalMs", CRDT_DEFAULTS.gossipIntervalMs, 1);
  const fanout = integer("fanout", CRDT_DEFAULTS.fanout, 1);
  if (fanout > Math.max(1, nodes.length - 1)) {
    problems.push({
      path: ["fanout"],
      message: `fanout ${fanout} is more than the ${plural(nodes.length - 1, "peer")} a node has`,
    });
  }
  const gossipUntilMs =
    input["gossipUntilMs"] === undefined || input["gossipUntilMs"] === null ? null : integer("gossipUntilMs", 0, 0);
  let timestamps: "physical" | "lamport" = CRDT_DEFAULTS.timestamps;
  if (input["timestamps"] !== undefined) {
    if (input["timestamps"] !== "physical" && input["timestamps"] !== "lamport") {
      problems.push({
        path: ["timestamps"],
        message: `expected physical or lamport, got ${JSON.stringify(input["timestamps"])}`,
      });
    } else {
      timestamps = input["timestamps"];
    }
  }
  if (nodes.length < 2) problems.push({ path: [], message: "a replicated data type needs at least two nodes" });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { type, mode, gossipIntervalMs, fanout, gossipUntilMs, timestamps, gc } };
}
