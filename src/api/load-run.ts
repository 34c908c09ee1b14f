import { FaultlineError, type RunRecord } from "../runs";
import type { ApiContext } from "./context";
import { readableRun } from "./readable-run";

/**
 * The one door to a run by id for the exploration and interactive fields, mutations and
 * routes (timeline, diagram, export, GET /runs/:id/diagram.svg, pause, step, inject,
 * fork, divergesAt): a run that does not exist is NOT_FOUND, and a student's run is
 * refused to anyone but them and instructors (issue 9's owner check, readableRun).
 */
export async function loadRun(context: ApiContext, id: string): Promise<RunRecord> {
  const run = await readableRun(context, id);
  if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${id}".`);
  return run;
}
