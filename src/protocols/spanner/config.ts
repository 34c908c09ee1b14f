import type { ConfigProblem, ConfigResult } from "../../sim/types";
import type { SpannerConfig } from "./types";

export const SPANNER_DEFAULTS: SpannerConfig = { epsilonMs: 7, commitWait: true };
/** A bound on epsilon, so that a commit wait (about 2 epsilon) stays within a run's limits. */
export const MAX_EPSILON_MS = 10_000;
const KNOWN = ["epsilonMs", "commitWait"];

/**
 * Validates `config:` for the spanner protocol; both fields are optional.
 *
 *     config: { epsilonMs: 7, commitWait: true }
 */
export function parseSpannerConfig(raw: unknown): ConfigResult<SpannerConfig> {
  if (raw === undefined || raw === null) return { ok: true, config: SPANNER_DEFAULTS };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: [], message: "expected a mapping of spanner settings" }] };
  }
  const fields = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(fields)) {
    if (!KNOWN.includes(key))
      problems.push({ path: [key], message: `unknown field; expected one of ${KNOWN.join(", ")}` });
  }
  let epsilonMs = SPANNER_DEFAULTS.epsilonMs;
  const epsilon = fields["epsilonMs"];
  if (epsilon !== undefined) {
    if (typeof epsilon === "number" && Number.isInteger(epsilon) && epsilon >= 0 && epsilon <= MAX_EPSILON_MS) {
      epsilonMs = epsilon;
    } else {
      problems.push({
        path: ["epsilonMs"],
        message: `expected an integer from 0 to ${MAX_EPSILON_MS}, got ${JSON.stringify(epsilon)}`,
      });
    }
  }
  let commitWait = SPANNER_DEFAULTS.commitWait;
  const wait = fields["commitWait"];
  if (wait !== undefined) {
    if (typeof wait === "boolean") commitWait = wait;
    else problems.push({ path: ["commitWait"], message: `expected true or false, got ${JSON.stringify(wait)}` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: { epsilonMs, commitWait } };
}
