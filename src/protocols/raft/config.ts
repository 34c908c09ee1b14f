import type { ConfigProblem, ConfigResult } from "../../sim/types";
import { READ_MODES, type RaftConfig, type ReadMode, type TimeoutOverride } from "./types";

/** Section 5.2 suggests election timeouts of 150-300 ms; section 5.6 wants heartbeats an order of magnitude more often. */
export const DEFAULTS = {
  electionTimeoutMinMs: 150,
  electionTimeoutMaxMs: 300,
  heartbeatIntervalMs: 50,
  maxEntriesPerAppend: 64,
  reads: "log" as ReadMode,
  leaderNoop: true,
} as const;

const KNOWN_FIELDS = [
  "electionTimeoutMs",
  "heartbeatIntervalMs",
  "maxEntriesPerAppend",
  "reads",
  "readIndexTimeoutMs",
  "leaderNoop",
  "unsafe",
];
const UNSAFE_FIELDS = ["grantVotesRegardlessOfLog", "commitEntriesFromPreviousTerms"];

type Raw = Record<string, unknown>;

function isMapping(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/**
 * Validates a scenario's `config:` block for Raft. Every field is optional:
 *
 *     electionTimeoutMs: { min: 150, max: 300, n1: 100, n2: [150, 400] }
 *     heartbeatIntervalMs: 50
 *     maxEntriesPerAppend: 64
 *     reads: log | readIndex | local
 *     readIndexTimeoutMs: 300
 *     leaderNoop: true
 *     unsafe: { grantVotesRegardlessOfLog: false, commitEntriesFromPreviousTerms: false }
 *
 * A node name inside electionTimeoutMs fixes that node's timeout (a number: always;
 * a list: one value per election timer, then the random range).
 */
export function parseRaftConfig(raw: unknown, nodes: readonly string[]): ConfigResult<RaftConfig> {
  const problems: ConfigProblem[] = [];
  if (raw !== undefined && raw !== null && !isMapping(raw)) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping of Raft settings" }] };
  }
  const input: Raw = isMapping(raw) ? raw : {};
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.includes(key)) {
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN_FIELDS.join(", ")}` });
    }
  }

  let min: number = DEFAULTS.electionTimeoutMinMs;
  let max: number = DEFAULTS.electionTimeoutMaxMs;
  const overrides: Record<string, TimeoutOverride> = {};
  const timeouts = input["electionTimeoutMs"];
  if (timeouts !== undefined) {
    if (!isMapping(timeouts)) {
      problems.push({
        path: ["electionTimeoutMs"],
        message: "expected a mapping such as { min: 150, max: 300 }, optionally with fixed timeouts per node",
      });
    } else {
      for (const [key, value] of Object.entries(timeouts)) {
        if (key === "min" || key === "max") {
          if (!positiveInteger(value)) {
            problems.push({ path: ["electionTimeoutMs", key], message: "expected a positive whole number of ms" });
          } else if (key === "min") min = value;
          else max = value;
        } else if (!nodes.includes(key)) {
          problems.push({
            path: ["electionTimeoutMs", key],
            message: `expected min, max or one of the scenario's nodes (${nodes.join(", ")})`,
          });
        } else if (positiveInteger(value)) {
          overrides[key] = { sequence: [value], thenRandom: false };
        } else if (Array.isArray(value) && value.length > 0 && value.every(positiveInteger)) {
          overrides[key] = { sequence: [...(value as number[])], thenRandom: true };
        } else {
          problems.push({
            path: ["electionTimeoutMs", key],
            message: "expected a positive whole number of ms, or a non-empty list of them",
          });
        }
      }
      if (min > max) {
        problems.push({ path: ["electionTimeoutMs"], message: `min (${min}) must not exceed max (${max})` });
      }
    }
  }

  const integerField = (name: string, fallback: number): number => {
    const value = input[name];
    if (value === undefined) return fallback;
    if (!positiveInteger(value)) {
      problems.push({ path: [name], message: `expected a positive whole number, got ${JSON.stringify(value)}` });
      return fallback;
    }
    return value;
  };
  const heartbeatIntervalMs = integerField("heartbeatIntervalMs", DEFAULTS.heartbeatIntervalMs);
  const maxEntriesPerAppend = integerField("maxEntriesPerAppend", DEFAULTS.maxEntriesPerAppend);
  const readIndexTimeoutMs = integerField("readIndexTimeoutMs", max);
  if (heartbeatIntervalMs >= min && input["heartbeatIntervalMs"] !== undefined) {
    problems.push({
      path: ["heartbeatIntervalMs"],
      message: `must be shorter than the smallest election timeout (${min} ms), or followers start elections while the leader is healthy (section 5.6)`,
    });
  }

  let reads: ReadMode = DEFAULTS.reads;
  if (input["reads"] !== undefined) {
    const value = input["reads"];
    if (typeof value === "string" && (READ_MODES as readonly string[]).includes(value)) reads = value as ReadMode;
    else problems.push({ path: ["reads"], message: `expected one of ${READ_MODES.join(", ")}` });
  }

  const booleanField = (path: string[], value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      problems.push({ path, message: "expected true or false" });
      return fallback;
    }
    return value;
  };
  const leaderNoop = booleanField(["leaderNoop"], input["leaderNoop"], DEFAULTS.leaderNoop);

  let grantVotesRegardlessOfLog = false;
  let commitEntriesFromPreviousTerms = false;
  const unsafe = input["unsafe"];
  if (unsafe !== undefined) {
    if (!isMapping(unsafe)) {
      problems.push({ path: ["unsafe"], message: `expected a mapping with any of ${UNSAFE_FIELDS.join(", ")}` });
    } else {
      for (const key of Object.keys(unsafe)) {
        if (!UNSAFE_FIELDS.includes(key)) {
          problems.push({
            path: ["unsafe", key],
            message: `unknown field; expected one of ${UNSAFE_FIELDS.join(", ")}`,
          });
        }
      }
      grantVotesRegardlessOfLog = booleanField(
        ["unsafe", "grantVotesRegardlessOfLog"],
        unsafe["grantVotesRegardlessOfLog"],
        false,
      );
      commitEntriesFromPreviousTerms = booleanField(
        ["unsafe", "commitEntriesFromPreviousTerms"],
        unsafe["commitEntriesFromPreviousTerms"],
        false,
      );
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      electionTimeoutMs: { min, max, overrides },
      heartbeatIntervalMs,
      maxEntriesPerAppend,
      reads,
      readIndexTimeoutMs,
      leaderNoop,
      unsafe: { grantVotesRegardlessOfLog, commitEntriesFromPreviousTerms },
    },
  };
}

/** The default configuration, for code that builds a Raft run without a scenario file (bench, tests). */
export function defaultRaftConfig(nodes: readonly string[], raw: Raw = {}): RaftConfig {
  const parsed = parseRaftConfig(raw, nodes);
  if (!parsed.ok) {
    throw new Error(
      `invalid Raft config: ${parsed.problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("; ")}`,
    );
  }
  return parsed.config;
}
