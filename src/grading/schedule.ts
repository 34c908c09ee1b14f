import { parseDocument } from "yaml";
import { canonicalJson, type Json } from "../sim/json";
import { parseScenario } from "../scenarios/loader";
import type { Scenario } from "../scenarios/types";
import { evaluate, QueryError } from "./query";
import type { Goal, QuestionSpec } from "./questions";
import { subjectOf, type RunSubject } from "./subject";

/** What one schedule may cost, unless the question sets lower limits. */
export const SCHEDULE_LIMITS = { faults: 20, maxEvents: 100_000, maxTime: 600_000 } as const;

export type ScheduleSpec = Extract<QuestionSpec, { type: "SCHEDULE" }>;

export type ScheduleRun =
  | { readonly ok: true; readonly subject: RunSubject; readonly faults: readonly Json[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Runs the scenario with a student's fault schedule in place of its own `faults:`,
 * validated by the scenario loader itself (same rules, same messages), and with
 * the run's limits capped by the question's.
 */
export function runSchedule(scenario: Scenario, seed: number, faults: Json, spec: ScheduleSpec): ScheduleRun {
  const limits = {
    faults: Math.min(spec.limits?.faults ?? SCHEDULE_LIMITS.faults, SCHEDULE_LIMITS.faults),
    maxEvents: Math.min(
      spec.limits?.maxEvents ?? SCHEDULE_LIMITS.maxEvents,
      scenario.spec.limits.maxEvents,
      SCHEDULE_LIMITS.maxEvents,
    ),
    maxTime: Math.min(
      spec.limits?.maxTime ?? SCHEDULE_LIMITS.maxTime,
      scenario.spec.limits.maxTime,
      SCHEDULE_LIMITS.maxTime,
    ),
  };
  if (!Array.isArray(faults))
    return { ok: false, problems: ["expected a list of faults (the scenario file's faults: syntax)"] };
  if (faults.length > limits.faults) {
    return {
      ok: false,
      problems: [`expected at most ${limits.faults} faults (the question's limit faults), found ${faults.length}`],
    };
  }
  const doc = parseDocument(scenario.source);
  doc.set("faults", doc.createNode(faults));
  doc.set("limits", doc.createNode({ maxEvents: limits.maxEvents, maxTime: limits.maxTime }));
  const parsed = parseScenario(doc.toString(), scenario.file);
  if (!parsed.ok) {
    const problems = parsed.problems.filter((problem) => problem.path.startsWith("faults"));
    const shown = problems.length > 0 ? problems : parsed.problems;
    return { ok: false, problems: shown.map((problem) => `${problem.path}: ${problem.message}`) };
  }
  return { ok: true, subject: subjectOf(parsed.scenario, seed), faults };
}

/** Whether a run meets a goal; a goal whose query cannot be answered on this run is not met, and says why. */
export function goalMet(
  goal: Goal,
  subject: RunSubject,
): { met: boolean; justification: readonly number[]; message?: string } {
  try {
    const answer = evaluate(goal.query, subject);
    const value = answer.value;
    let met = true;
    if (goal.equals !== undefined) met &&= canonicalJson(value) === canonicalJson(goal.equals);
    if (goal.atLeast !== undefined) met &&= typeof value === "number" && value >= goal.atLeast;
    if (goal.atMost !== undefined) met &&= typeof value === "number" && value <= goal.atMost;
    return {
      met,
      justification: answer.justification,
      message: met ? undefined : `the run gives ${canonicalJson(value)}`,
    };
  } catch (error) {
    if (error instanceof QueryError) return { met: false, justification: [], message: error.message };
    throw error;
  }
}
