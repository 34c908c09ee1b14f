import { Arg, Ctx, ID, Int, Resolver, Root, type SubscribeResolverData, Subscription } from "type-graphql";
import type { TraceEvent as TraceEventRecord } from "../../sim/types";
import type { ApiContext } from "../context";
import { toGraphQLError } from "../errors";
import { assertRunReadable } from "../readable-run";
import { TraceEvent } from "../types/event";

interface RunEventsArgs {
  readonly runId: string;
  readonly fromSeq?: number | null;
}

/**
 * The source stream of runEvents: the service's follow() iterator, which replays
 * stored events from fromSeq, then yields live ones in seq order and ends with
 * the run. Unknown runs and bad arguments fail here, before any event is sent.
 */
async function followRun({ args, context }: SubscribeResolverData<unknown, RunEventsArgs, ApiContext>) {
  await assertRunReadable(context, args.runId);
  try {
    return await context.services.runs.follow(args.runId, args.fromSeq);
  } catch (error) {
    throw toGraphQLError(error);
  }
}

@Resolver()
export class RunEventsResolver {
  @Subscription(() => TraceEvent, {
    subscribe: followRun,
    description:
      "A run's events in seq order: the stored ones from fromSeq (default 0), then live ones as they happen; " +
      "completes when the run ends.",
  })
  runEvents(
    @Ctx() { services }: ApiContext,
    @Root() event: TraceEventRecord,
    @Arg("runId", () => ID) runId: string,
    @Arg("fromSeq", () => Int, { nullable: true }) _fromSeq?: number | null,
  ): TraceEventRecord {
    return services.explore.typedEvents(runId, [event])[0] as TraceEventRecord;
  }
}
