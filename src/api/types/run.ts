import { Field, ID, Int, ObjectType } from "type-graphql";
import type { RunStatus as RunStatusName } from "../../runs";
import { RunStatus } from "./enums";

@ObjectType({
  simpleResolvers: true,
  description: "One run of a scenario with a seed: its status, trace and violations.",
})
export class Run {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "The seed of the run's random choices: same scenario and seed, same trace." })
  seed!: number;

  @Field(() => RunStatus)
  status!: RunStatusName;

  @Field(() => Int, { description: "How many events are stored so far." })
  eventCount!: number;

  @Field(() => String, { nullable: true, description: "sha256 of the canonical event log; null until completed." })
  traceHash!: string | null;

  @Field(() => String, { nullable: true, description: "quiescent, maxTime or maxEvents, once the run has ended." })
  stopReason!: string | null;

  @Field(() => String, { nullable: true, description: "Why a FAILED run failed." })
  error!: string | null;

  @Field(() => Int, { nullable: true, description: "Milliseconds of wall time per event; null for an unpaced run." })
  pace!: number | null;

  @Field(() => String, { description: "When the run was started (ISO 8601, server wall clock)." })
  createdAt!: string;

  @Field(() => Boolean, {
    description: "True while a live paced run is paused (pauseRun): it releases events only when stepped (stepRun).",
  })
  paused!: boolean;

  @Field(() => Int, {
    nullable: true,
    description: "For a fork: how many of its parent's first events it shares by construction; null if it is no fork.",
  })
  forkedAt!: number | null;
}

@ObjectType({ simpleResolvers: true, description: "Where a page of runs ends." })
export class PageInfo {
  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}

@ObjectType({ simpleResolvers: true, description: "A page of runs, newest first." })
export class RunConnection {
  @Field(() => [Run])
  nodes!: Run[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "How many runs match, over all pages." })
  totalCount!: number;
}
