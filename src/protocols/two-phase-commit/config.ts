import type { ConfigProblem, ConfigResult } from "../../sim/types";
import { VARIANTS, type TwoPhaseCommitConfig, type Variant, type Vote } from "./types";

export const DEFAULTS = {
  voteTimeoutMs: 300,
  prepareTimeoutMs: 200,
  retryDecisionMs: 100,
  decisionRequestMs: 100,
  workMs: 0,
} as const;

const KNOWN_FIELDS = [
  "coordinator",
  "participants",
  "votes",
  "voteTimeoutMs",
  "prepareTimeoutMs",
  "decisionTimeoutMs",
  "retryDecisionMs",
  "decisionRequestMs",
  "workMs",
  "cooperativeTermination",
  "variant",
];

/**
 * Validates a scenario's `config:` block for two-phase commit. Every problem names
 * its path inside `config`, so a learner editing a YAML file sees exactly what is wrong.
 * `decisionTimeoutMs` is accepted as another name for `prepareTimeoutMs` (the
 * coordinator's wait for votes before it decides ABORT).
 */
export function parseTwoPhaseCommitConfig(raw: unknown, nodes: readonly string[]): ConfigResult<TwoPhaseCommitConfig> {
  const problems: ConfigProblem[] = [];
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping of two-phase commit settings" }] };
  }
  const input: Record<string, unknown> = raw === undefined || raw === null ? {} : (raw as Record<string, unknown>);
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.includes(key)) {
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN_FIELDS.join(", ")}` });
    }
  }

  let coordinator = nodes[0] ?? "";
  if (input["coordinator"] !== undefined) {
    const value = input["coordinator"];
    if (typeof value !== "string" || !nodes.includes(value)) {
      problems.push({
        path: ["coordinator"],
        message: `expected one of the scenario's nodes (${nodes.join(", ")}), got ${JSON.stringify(value)}`,
      });
    } else {
      coordinator = value;
    }
  }

  let participants = nodes.filter((node) => node !== coordinator);
  if (input["participants"] !== undefined) {
    const value = input["participants"];
    if (!Array.isArray(value) || value.length === 0) {
      problems.push({ path: ["participants"], message: "expected a non-empty list of node names" });
    } else {
      const seen = new Set<string>();
      value.forEach((item: unknown, index) => {
        if (typeof item !== "string" || !nodes.includes(item)) {
          problems.push({
            path: ["participants", index],
            message: `expected one of the scenario's nodes (${nodes.join(", ")}), got ${JSON.stringify(item)}`,
          });
        } else if (item === coordinator) {
          problems.push({
            path: ["participants", index],
            message: `${item} is the coordinator; a participant must be another node`,
          });
        } else if (seen.has(item)) {
          problems.push({ path: ["participants", index], message: `${item} is listed twice` });
        } else {
          seen.add(item);
        }
      });
      participants = value.filter((item): item is string => typeof item === "string");
    }
  }
  if (participants.length === 0 && problems.length === 0) {
    problems.push({ path: ["participants"], message: "two-phase commit needs at least one participant" });
  }

  const votes: Record<string, Vote> = {};
  if (input["votes"] !== undefined) {
    const value = input["votes"];
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push({ path: ["votes"], message: "expected a mapping from participant to yes or no, e.g. { p2: no }" });
    } else {
      for (const [node, vote] of Object.entries(value as Record<string, unknown>)) {
        if (!participants.includes(node)) {
          problems.push({
            path: ["votes", node],
            message: `${node} is not a participant (participants: ${participants.join(", ")})`,
          });
          continue;
        }
        const parsed = parseVote(vote);
        if (parsed === undefined) {
          problems.push({ path: ["votes", node], message: `expected yes or no, got ${JSON.stringify(vote)}` });
        } else {
          votes[node] = parsed;
        }
      }
    }
  }

  const integer = (field: string, fallback: number, minimum: number): number => {
    const value = input[field];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
      problems.push({
        path: [field],
        message: `expected an integer number of milliseconds >= ${minimum}, got ${JSON.stringify(value)}`,
      });
      return fallback;
    }
    return value;
  };

  const voteTimeoutMs = integer("voteTimeoutMs", DEFAULTS.voteTimeoutMs, 1);
  let prepareTimeoutMs = integer("prepareTimeoutMs", DEFAULTS.prepareTimeoutMs, 1);
  if (input["decisionTimeoutMs"] !== undefined) {
    const alias = integer("decisionTimeoutMs", DEFAULTS.prepareTimeoutMs, 1);
    if (input["prepareTimeoutMs"] !== undefined && alias !== prepareTimeoutMs) {
      problems.push({
        path: ["decisionTimeoutMs"],
        message: "decisionTimeoutMs is another name for prepareTimeoutMs; give one of them, not two different values",
      });
    }
    prepareTimeoutMs = alias;
  }
  const retryDecisionMs = integer("retryDecisionMs", DEFAULTS.retryDecisionMs, 1);
  const decisionRequestMs = integer("decisionRequestMs", DEFAULTS.decisionRequestMs, 1);
  const workMs = integer("workMs", DEFAULTS.workMs, 0);

  let cooperativeTermination = false;
  if (input["cooperativeTermination"] !== undefined) {
    if (typeof input["cooperativeTermination"] !== "boolean") {
      problems.push({ path: ["cooperativeTermination"], message: "expected true or false" });
    } else {
      cooperativeTermination = input["cooperativeTermination"];
    }
  }

  let variant: Variant = "presumed-abort";
  if (input["variant"] !== undefined) {
    const value = input["variant"];
    const known = VARIANTS.find((name) => name === value);
    if (known === undefined) {
      problems.push({ path: ["variant"], message: `expected ${VARIANTS.join(" or ")}, got ${JSON.stringify(value)}` });
    } else {
      variant = known;
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      coordinator,
      participants,
      votes,
      voteTimeoutMs,
      prepareTimeoutMs,
      retryDecisionMs,
      decisionRequestMs,
      workMs,
      cooperativeTermination,
      variant,
    },
  };
}

function parseVote(value: unknown): Vote | undefined {
  if (value === true) return "YES";
  if (value === false) return "NO";
  if (typeof value !== "string") return undefined;
  const upper = value.toUpperCase();
  return upper === "YES" || upper === "NO" ? upper : undefined;
}
