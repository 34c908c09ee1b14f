import { FaultlineError, type RunRecord } from "../runs";
import type { ApiContext } from "./context";

/**
 * The one door to a run by id for the exploration fields and routes (timeline,
 * diagram, export, importRun's answer, GET /runs/:id/diagram.svg): a run that does not
 * exist is NOT_FOUND. An owner check for student runs belongs here, so every door gets it.
 */
export function loadRun(context: ApiContext, id: string): RunRecord {
  const run = context.services.runs.getRun(id);
  if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${id}".`);
  return run;
}
