import type { ConfigProblem, ConfigResult } from "../../sim/types";
import { ISOLATIONS, type Isolation, type IsolationConfig, type Value } from "./types";

/** Validates `config:` for the isolation store: `isolation` and `initial`. */
export function parseIsolationConfig(raw: unknown): ConfigResult<IsolationConfig> {
  const problems: ConfigProblem[] = [];
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping with isolation and initial" }] };
  }
  const input: Record<string, unknown> = raw === undefined || raw === null ? {} : (raw as Record<string, unknown>);
  for (const key of Object.keys(input)) {
    if (key !== "isolation" && key !== "initial") {
      problems.push({ path: [key], message: "unknown field; expected one of isolation, initial" });
    }
  }
  let isolation: Isolation = "serializable";
  if (input["isolation"] !== undefined) {
    const found = ISOLATIONS.find((name) => name === input["isolation"]);
    if (found === undefined) {
      problems.push({
        path: ["isolation"],
        message: `expected ${ISOLATIONS.join(", ")}; got ${JSON.stringify(input["isolation"])}`,
      });
    } else isolation = found;
  }
  const initial: Record<string, Value> = {};
  const given = input["initial"];
  if (given !== undefined) {
    if (typeof given !== "object" || given === null || Array.isArray(given)) {
      problems.push({ path: ["initial"], message: "expected a mapping from key to value, e.g. { x: 10 }" });
    } else {
      for (const [key, value] of Object.entries(given as Record<string, unknown>)) {
        if (typeof value === "number" || typeof value === "string") initial[key] = value;
        else
          problems.push({ path: ["initial", key], message: `expected a number or text, got ${JSON.stringify(value)}` });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { isolation, initial } };
}
