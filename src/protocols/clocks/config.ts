import type { ConfigProblem, ConfigResult } from "../../sim/types";
import type { ClocksConfig } from "./types";

export const DEFAULTS = {
  noteConcurrency: true,
  persistHlc: true,
  historyLimit: 100,
} as const;

/** Upper bounds that keep every run small (TigerBeetle's TIGER_STYLE: put a limit on everything). */
const MAX_CHATTER_MESSAGES = 10_000;
const MAX_HISTORY = 10_000;

const KNOWN_FIELDS = ["chatter", "noteConcurrency", "persistHlc", "historyLimit"];

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Validates a scenario's `config:` block for the clocks protocol. Every field is
 * optional; every problem names its path inside `config`.
 *
 *     config:
 *       chatter: { messages: 10, intervalMs: { min: 20, max: 60 } }   # per node
 *       noteConcurrency: false
 *       persistHlc: true
 *       historyLimit: 100
 */
export function parseClocksConfig(raw: unknown): ConfigResult<ClocksConfig> {
  if (raw === undefined || raw === null) {
    return { ok: true, config: { chatter: null, ...DEFAULTS } };
  }
  if (!isMapping(raw)) return { ok: false, problems: [{ path: [], message: "expected a mapping of clocks settings" }] };
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.includes(key)) {
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN_FIELDS.join(", ")}` });
    }
  }
  const flag = (key: "noteConcurrency" | "persistHlc"): boolean => {
    const value = raw[key];
    if (value === undefined) return DEFAULTS[key];
    if (typeof value !== "boolean") {
      problems.push({ path: [key], message: `expected true or false, got ${JSON.stringify(value)}` });
      return DEFAULTS[key];
    }
    return value;
  };
  const noteConcurrency = flag("noteConcurrency");
  const persistHlc = flag("persistHlc");

  let historyLimit: number = DEFAULTS.historyLimit;
  if (raw["historyLimit"] !== undefined) {
    if (integerIn(raw["historyLimit"], 1, MAX_HISTORY)) historyLimit = raw["historyLimit"];
    else {
      problems.push({
        path: ["historyLimit"],
        message: `expected an integer from 1 to ${MAX_HISTORY}, got ${JSON.stringify(raw["historyLimit"])}`,
      });
    }
  }

  let chatter: ClocksConfig["chatter"] = null;
  const rawChatter = raw["chatter"];
  if (rawChatter !== undefined && rawChatter !== null) {
    if (!isMapping(rawChatter)) {
      problems.push({ path: ["chatter"], message: "expected a mapping { messages, intervalMs: { min, max } }" });
    } else {
      for (const key of Object.keys(rawChatter)) {
        if (key !== "messages" && key !== "intervalMs") {
          problems.push({ path: ["chatter", key], message: "unknown field; expected messages or intervalMs" });
        }
      }
      const messages = rawChatter["messages"];
      if (!integerIn(messages, 0, MAX_CHATTER_MESSAGES)) {
        problems.push({
          path: ["chatter", "messages"],
          message: `expected an integer from 0 to ${MAX_CHATTER_MESSAGES} (messages each node sends), got ${JSON.stringify(messages)}`,
        });
      }
      const interval = rawChatter["intervalMs"];
      let min = 0;
      let max = 0;
      if (!isMapping(interval)) {
        problems.push({ path: ["chatter", "intervalMs"], message: "expected a mapping { min, max } in ms" });
      } else {
        if (!integerIn(interval["min"], 1, 1_000_000)) {
          problems.push({ path: ["chatter", "intervalMs", "min"], message: "expected an integer of at least 1 (ms)" });
        } else min = interval["min"];
        if (!integerIn(interval["max"], 1, 1_000_000)) {
          problems.push({ path: ["chatter", "intervalMs", "max"], message: "expected an integer of at least 1 (ms)" });
        } else max = interval["max"];
        if (min > 0 && max > 0 && max < min) {
          problems.push({ path: ["chatter", "intervalMs", "max"], message: `expected at least min (${min})` });
        }
      }
      if (integerIn(messages, 0, MAX_CHATTER_MESSAGES) && min > 0 && max >= min) {
        chatter = { messages, intervalMs: { min, max } };
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { chatter, noteConcurrency, persistHlc, historyLimit } };
}
