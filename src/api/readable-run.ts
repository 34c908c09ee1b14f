import type { RunRecord } from "../runs";
import type { ApiContext } from "./context";
import { toGraphQLError } from "./errors";

/**
 * The owner check of every door that takes a run id (issue 9): a run that belongs
 * to a student (their variant run, or a run one of their schedules made) is read
 * only by that student and instructors. Anyone else is refused with FORBIDDEN, or
 * UNAUTHENTICATED without a valid token, and gets none of the run's data. A new
 * resolver that takes a run id (or a Run) calls readableRun or assertRunReadable
 * before it reads anything.
 */

/** The run, or undefined when there is none; throws when the asker may not read it. */
export async function readableRun(ctx: ApiContext, runId: string): Promise<RunRecord | undefined> {
  const run = await ctx.services.runs.getRun(runId);
  if (run !== undefined) await assertRunReadable(ctx, runId);
  return run;
}

/** Throws the refusal (a GraphQL error with extensions.code) when the asker may not read the run. */
export async function assertRunReadable(ctx: ApiContext, runId: string): Promise<void> {
  try {
    await ctx.services.grading.assertCanReadRun(ctx.identity, runId);
  } catch (error) {
    throw toGraphQLError(error);
  }
}

/** Which runs Query.runs lists for the asker (instructors: all; others: no other student's). */
export function readableRunsFilter(ctx: ApiContext): { readonly student: string | null } | undefined {
  return ctx.services.grading.runOwnerFilter(ctx.identity);
}
