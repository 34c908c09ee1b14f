import { randomUUID } from "node:crypto";
import type { Scenario } from "../scenarios/types";
import type { Store } from "../store";
import { toEventRow } from "../store";
import type { SimulationResult } from "../sim/world";

/**
 * Stores a run that grading already made in-process (a student's variant, or the
 * run their schedule made), owned by that student, as a COMPLETED run that the API
 * serves like any other, in one transaction.
 */
export function recordFinishedRun(
  store: Store,
  scenario: Scenario,
  seed: number,
  result: SimulationResult,
  ownerStudentId: string | null,
): string {
  const id = `run-${randomUUID()}`;
  const now = new Date().toISOString();
  store.db.transaction(() => {
    store.runs.insert({
      id,
      scenarioId: scenario.id,
      seed,
      pace: null,
      scenarioSource: scenario.source,
      scenarioFile: scenario.file,
      createdAt: now,
    });
    if (ownerStudentId !== null) store.grading.setRunOwner(id, ownerStudentId);
    store.completeRun(id, 0, result.events.map(toEventRow), result.violations, {
      eventCount: result.eventCount,
      traceHash: result.traceHash,
      stopReason: result.stopReason,
      finalNodes: JSON.stringify(result.nodes),
      finishedAt: now,
    });
  })();
  return id;
}
