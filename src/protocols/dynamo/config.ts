import type { ConfigProblem, ConfigResult } from "../../sim/types";
import { RESOLUTIONS, type DynamoConfig, type Resolution } from "./types";

const KNOWN_FIELDS = ["n", "r", "w", "timeoutMs", "sloppyQuorum", "readRepair", "resolution", "handoffIntervalMs"];

/** The longest key and the largest value (as JSON text) a client may send; longer ones are refused by name. */
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_CHARS = 10_000;

/**
 * Validates a scenario's `config:` block for the Dynamo store. Defaults: N = 3 (or
 * every node, if fewer), R = W = 2 (the paper's common (3, 2, 2), §6), a 100 ms
 * timeout, sloppy quorum and read repair on, vector clocks.
 */
export function parseDynamoConfig(raw: unknown, nodes: readonly string[]): ConfigResult<DynamoConfig> {
  const problems: ConfigProblem[] = [];
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping of Dynamo settings (n, r, w, ...)" }] };
  }
  const input = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.includes(key)) {
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN_FIELDS.join(", ")}` });
    }
  }
  const integer = (field: string, fallback: number, min: number, max: number): number => {
    const value = input[field];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      problems.push({
        path: [field],
        message: `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      });
      return fallback;
    }
    return value;
  };
  const flag = (field: string, fallback: boolean): boolean => {
    const value = input[field];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      problems.push({ path: [field], message: `expected true or false, got ${JSON.stringify(value)}` });
      return fallback;
    }
    return value;
  };
  const n = integer("n", Math.min(3, Math.max(1, nodes.length)), 1, Math.max(1, nodes.length));
  const r = integer("r", Math.min(2, n), 1, n);
  const w = integer("w", Math.min(2, n), 1, n);
  const timeoutMs = integer("timeoutMs", 100, 1, 60_000);
  const handoffIntervalMs = integer("handoffIntervalMs", 100, 1, 60_000);
  const sloppyQuorum = flag("sloppyQuorum", true);
  const readRepair = flag("readRepair", true);
  let resolution: Resolution = "vector-clock";
  const rawResolution = input["resolution"];
  if (rawResolution !== undefined) {
    if (typeof rawResolution === "string" && (RESOLUTIONS as readonly string[]).includes(rawResolution)) {
      resolution = rawResolution as Resolution;
    } else {
      problems.push({
        path: ["resolution"],
        message: `expected one of ${RESOLUTIONS.join(", ")}, got ${JSON.stringify(rawResolution)}`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { n, r, w, timeoutMs, sloppyQuorum, readRepair, resolution, handoffIntervalMs } };
}
