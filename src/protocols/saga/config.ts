import type { ConfigProblem, ConfigResult } from "../../sim/types";
import { SAGA_MODES, type SagaConfig, type SagaMode } from "./types";

const KNOWN_FIELDS = [
  "mode",
  "orchestrator",
  "steps",
  "payment",
  "fail",
  "nonIdempotent",
  "retryMs",
  "stepTimeoutMs",
  "balance",
];

/** Validates a scenario's `config:` block for sagas; every problem names its path inside `config`. */
export function parseSagaConfig(raw: unknown, nodes: readonly string[]): ConfigResult<SagaConfig> {
  const problems: ConfigProblem[] = [];
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping of saga settings" }] };
  }
  const input: Record<string, unknown> = raw === undefined || raw === null ? {} : (raw as Record<string, unknown>);
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.includes(key)) {
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN_FIELDS.join(", ")}` });
    }
  }
  const nodeName = (field: string, value: unknown): string | null => {
    if (typeof value === "string" && nodes.includes(value)) return value;
    problems.push({
      path: [field],
      message: `expected one of the scenario's nodes (${nodes.join(", ")}), got ${JSON.stringify(value)}`,
    });
    return null;
  };

  let mode: SagaMode = "orchestrated";
  if (input["mode"] !== undefined) {
    const found = SAGA_MODES.find((name) => name === input["mode"]);
    if (found === undefined) {
      problems.push({
        path: ["mode"],
        message: `expected ${SAGA_MODES.join(" or ")}, got ${JSON.stringify(input["mode"])}`,
      });
    } else mode = found;
  }
  const orchestrator =
    input["orchestrator"] === undefined ? (nodes[0] ?? "") : (nodeName("orchestrator", input["orchestrator"]) ?? "");
  let steps = nodes.filter((node) => node !== orchestrator);
  if (input["steps"] !== undefined) {
    const value = input["steps"];
    if (!Array.isArray(value) || value.length === 0) {
      problems.push({ path: ["steps"], message: "expected a non-empty list of service nodes, in booking order" });
    } else {
      const seen = new Set<string>();
      value.forEach((item: unknown, index) => {
        if (typeof item !== "string" || !nodes.includes(item)) {
          problems.push({
            path: ["steps", index],
            message: `expected one of the scenario's nodes (${nodes.join(", ")}), got ${JSON.stringify(item)}`,
          });
        } else if (item === orchestrator) {
          problems.push({ path: ["steps", index], message: `${item} is the orchestrator; a step runs on a service` });
        } else if (seen.has(item)) {
          problems.push({ path: ["steps", index], message: `${item} is listed twice` });
        } else {
          seen.add(item);
        }
      });
      steps = value.filter((item): item is string => typeof item === "string");
    }
  }
  const step = (field: string, value: unknown): string | null => {
    if (typeof value === "string" && steps.includes(value)) return value;
    problems.push({
      path: [field],
      message: `expected one of the steps (${steps.join(", ")}), got ${JSON.stringify(value)}`,
    });
    return null;
  };
  let payment: string | null = steps.includes("payment") ? "payment" : null;
  if (input["payment"] !== undefined) payment = step("payment", input["payment"]);
  const nonIdempotent = input["nonIdempotent"] === undefined ? null : step("nonIdempotent", input["nonIdempotent"]);

  const fail: Record<string, string> = {};
  if (input["fail"] !== undefined) {
    const value = input["fail"];
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push({
        path: ["fail"],
        message: 'expected a mapping from step to reason, e.g. { payment: "card declined" }',
      });
    } else {
      for (const [node, reason] of Object.entries(value as Record<string, unknown>)) {
        if (!steps.includes(node))
          problems.push({ path: ["fail", node], message: `${node} is not a step (${steps.join(", ")})` });
        else if (typeof reason !== "string" || reason === "") {
          problems.push({ path: ["fail", node], message: `expected a reason as text, got ${JSON.stringify(reason)}` });
        } else fail[node] = reason;
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
  const retryMs = integer("retryMs", 50, 1);
  const stepTimeoutMs = integer("stepTimeoutMs", 500, 1);
  const balance = integer("balance", 1000, 0);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: { mode, orchestrator, steps, payment, fail, nonIdempotent, retryMs, stepTimeoutMs, balance },
  };
}
