import { randomUUID } from "node:crypto";
import type { Scenario } from "../scenarios/types";
import type { FaultlineStore } from "../store/contract";
import { toEventRow } from "../store";
import type { SimulationResult } from "../sim/world";

/**
 * Stores a run that grading already made in-process (a student's variant, or the
 * run their schedule made), owned by that student, as a COMPLETED run that the API
 * serves like any other, in one transaction.
 */
export async function recordFinishedRun(
  store: FaultlineStore,
  scenario: Scenario,
  seed: number,
  result: SimulationResult,
  ownerStudentId: string | null,
): Promise<string> {
  const id = `run-${randomUUID()}`;
  const now = new Date().toISOString();
  await store.insertCompletedRun(
    {
      id,
      scenarioId: scenario.id,
      seed,
      pace: null,
      scenarioSource: scenario.source,
      scenarioFile: scenario.file,
      createdAt: now,
    },
    ownerStudentId,
    result.events.map(toEventRow),
    result.violations,
    {
      eventCount: result.eventCount,
      traceHash: result.traceHash,
      stopReason: result.stopReason,
      finalNodes: JSON.stringify(result.nodes),
      finishedAt: now,
    },
  );
  return id;
}
