import { Arg, Ctx, ID, Mutation, Resolver, UseMiddleware } from "type-graphql";
import type { ApiContext } from "../context";
import { mapServiceErrors } from "../errors";

/** Deleting runs (issue 13): a thin resolver over the disk service (src/runs/disk.ts). */
@Resolver()
export class DiskResolver {
  @Mutation(() => Boolean, {
    description:
      "Deletes a finished run with its events and violations (true when deleted). The run's owner or an instructor " +
      "only (a run started without a token: instructors only). Refused: a RUNNING run (cancelRun it first) and a run " +
      "a submission links to.",
  })
  @UseMiddleware(mapServiceErrors)
  deleteRun(@Ctx() ctx: ApiContext, @Arg("runId", () => ID) runId: string): Promise<boolean> {
    return ctx.services.disk.deleteRun(ctx.identity, runId);
  }
}
