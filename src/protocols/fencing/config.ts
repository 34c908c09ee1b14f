import type { ConfigProblem, ConfigResult } from "../../sim/types";
import type { FencingConfig } from "./types";

const KNOWN = ["lockService", "storage", "leaseMs", "fencing", "thinkMs"];
const MAX_MS = 1_000_000;

/**
 * Validates `config:` for the fencing protocol.
 *
 *     config: { lockService: lock, storage: storage, leaseMs: 100, fencing: true, thinkMs: 5 }
 */
export function parseFencingConfig(raw: unknown, nodes: readonly string[]): ConfigResult<FencingConfig> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping with lockService and storage" }] };
  }
  const fields = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(fields)) {
    if (!KNOWN.includes(key))
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN.join(", ")}` });
  }
  const node = (key: string): string => {
    const value = fields[key];
    if (typeof value === "string" && nodes.includes(value)) return value;
    problems.push({
      path: [key],
      message: `expected one of the scenario's nodes (${nodes.join(", ")}), got ${JSON.stringify(value)}`,
    });
    return "";
  };
  const ms = (key: string, fallback: number, min: number): number => {
    const value = fields[key];
    if (value === undefined) return fallback;
    if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= MAX_MS) return value;
    problems.push({
      path: [key],
      message: `expected an integer from ${min} to ${MAX_MS}, got ${JSON.stringify(value)}`,
    });
    return fallback;
  };
  const lockService = node("lockService");
  const storage = node("storage");
  if (lockService !== "" && lockService === storage) {
    problems.push({ path: ["storage"], message: "must be another node than lockService" });
  }
  const leaseMs = ms("leaseMs", 100, 1);
  const thinkMs = ms("thinkMs", 5, 0);
  let fencing = true;
  if (fields["fencing"] !== undefined) {
    if (typeof fields["fencing"] === "boolean") fencing = fields["fencing"];
    else
      problems.push({ path: ["fencing"], message: `expected true or false, got ${JSON.stringify(fields["fencing"])}` });
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, config: { lockService, storage, leaseMs, fencing, thinkMs } };
}
