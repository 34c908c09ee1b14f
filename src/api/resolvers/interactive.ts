import { GraphQLJSON } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root, UseMiddleware } from "type-graphql";
import { ARGUMENT_RANGES, MAX_PACE_MS, type RunRecord } from "../../runs";
import { MAX_FAULTS_BYTES, MAX_STEP_EVENTS } from "../../runs/interactive";
import type { Intervention } from "../../sim/interventions";
import type { ApiContext } from "../context";
import { mapServiceErrors } from "../errors";
import { loadRun } from "../load-run";
import { Run } from "../types/run";

const FAULT_SYNTAX =
  "A fault in the scenario files' syntax (README, Faults), e.g. { do: crash, node: coord } or " +
  `{ do: lose, from: coord, to: p1 }; at most ${MAX_FAULTS_BYTES} bytes of JSON.`;

/** Interactive runs and forks (issue 12): thin resolvers over the run engine (src/runs/interactive.ts). */
@UseMiddleware(mapServiceErrors)
@Resolver(() => Run)
export class InteractiveResolver {
  @Mutation(() => Run, {
    description:
      "Pauses a live paced run before its next event and returns once it is held there; every subscriber sees " +
      "the same stream stop. Refused (RUN_NOT_LIVE) for a run that is not a RUNNING paced run (whichever process runs it).",
  })
  async pauseRun(@Ctx() ctx: ApiContext, @Arg("runId", () => ID) runId: string): Promise<RunRecord> {
    return ctx.services.runs.pauseRun((await loadRun(ctx, runId)).id);
  }

  @Mutation(() => Run, { description: "Resumes a paused run at its pace. Refused (RUN_NOT_LIVE) unless it is paused." })
  async resumeRun(@Ctx() ctx: ApiContext, @Arg("runId", () => ID) runId: string): Promise<RunRecord> {
    return ctx.services.runs.resumeRun((await loadRun(ctx, runId)).id);
  }

  @Mutation(() => Run, {
    description:
      "Releases exactly `events` more events of a paused run, which then stays paused; returns once they are " +
      "stored (or the run has ended). Refused (RUN_NOT_LIVE) unless it is paused.",
  })
  async stepRun(
    @Ctx() ctx: ApiContext,
    @Arg("runId", () => ID) runId: string,
    @Arg("events", () => Int, { description: `How many events, 1 to ${MAX_STEP_EVENTS}.` }) events: number,
  ): Promise<RunRecord> {
    return ctx.services.runs.stepRun((await loadRun(ctx, runId)).id, events);
  }

  @Mutation(() => Run, { description: "Changes a live paced run's pace (paused or not); the trace does not change." })
  async setPace(
    @Ctx() ctx: ApiContext,
    @Arg("runId", () => ID) runId: string,
    @Arg("pace", () => Int, {
      description: `Milliseconds of wall time per event, ${ARGUMENT_RANGES.pace.min} to ${MAX_PACE_MS}.`,
    })
    pace: number,
  ): Promise<RunRecord> {
    return ctx.services.runs.setPace((await loadRun(ctx, runId)).id, pace);
  }

  @Mutation(() => Run, {
    description:
      "Injects a fault into a paused run, without at: or when: (it applies now: at the end of the simulation step " +
      "in progress). It is added to the run's schedule, so the run's scenario, seed and schedule replay the same trace. " +
      "Checked like a scenario file's fault (BAD_USER_INPUT with extensions.problems).",
  })
  async injectFault(
    @Ctx() ctx: ApiContext,
    @Arg("runId", () => ID) runId: string,
    @Arg("fault", () => GraphQLJSON, { description: FAULT_SYNTAX }) fault: unknown,
  ): Promise<RunRecord> {
    return ctx.services.runs.injectFault((await loadRun(ctx, runId)).id, fault);
  }

  @Mutation(() => Run, {
    description:
      "A new run that shares the first atSeq events of this one, then follows `faults` instead of the rest of the " +
      "parent's schedule (a fault without at: or when: applies at the fork point; with none, no more faults come). " +
      "Without faults it follows the parent's own schedule and reproduces the parent event for event.",
  })
  async forkRun(
    @Ctx() ctx: ApiContext,
    @Arg("runId", () => ID) runId: string,
    @Arg("atSeq", () => Int, {
      description: "How many of the parent's first events the fork shares (0 to its eventCount).",
    })
    atSeq: number,
    @Arg("faults", () => GraphQLJSON, {
      nullable: true,
      description: `A list of faults in the scenario files' syntax; at most ${MAX_FAULTS_BYTES} bytes of JSON.`,
    })
    faults?: unknown,
    @Arg("pace", () => Int, { nullable: true, description: "Run the fork paced, like startRun's pace." })
    pace?: number | null,
  ): Promise<RunRecord> {
    return ctx.services.runs.forkRun((await loadRun(ctx, runId)).id, atSeq, faults, pace);
  }

  @Mutation(() => Run, {
    description:
      "Runs a scenario that is not in the catalogue, sent as YAML: checked like a scenario file (BAD_USER_INPUT " +
      "listing each problem's line, column, path and message, also in extensions.problems), at most 256 KiB, " +
      "bounded by its limits like any run, and stored with its source under an id derived from its content.",
  })
  runScenario(
    @Ctx() ctx: ApiContext,
    @Arg("yaml", () => String) yaml: string,
    @Arg("seed", () => Int, { nullable: true }) seed?: number | null,
    @Arg("pace", () => Int, { nullable: true }) pace?: number | null,
  ): Promise<RunRecord> {
    return ctx.services.runs.runScenario(yaml, seed, pace);
  }

  @FieldResolver(() => Run, { nullable: true, description: "The run this one was forked from; null if it is no fork." })
  parent(@Ctx() ctx: ApiContext, @Root() run: RunRecord): Promise<RunRecord | undefined> | undefined {
    return run.parentId === null ? undefined : ctx.services.runs.getRun(run.parentId);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "The first seq at which this run's trace and the other's differ; null when they are the same.",
  })
  async divergesAt(
    @Ctx() ctx: ApiContext,
    @Root() run: RunRecord,
    @Arg("other", () => ID) other: string,
  ): Promise<number | null> {
    return ctx.services.runs.divergesAt(run.id, (await loadRun(ctx, other)).id);
  }

  @FieldResolver(() => GraphQLJSON, {
    description:
      "The run's interventions, in order: faults injected while paused ({ type: apply, afterSeq, action }) and a " +
      "fork's switch to its own faults ({ type: replace, afterSeq, faults }). Scenario + seed + schedule = the trace.",
  })
  schedule(@Ctx() ctx: ApiContext, @Root() run: RunRecord): Promise<readonly Intervention[]> {
    return ctx.services.runs.schedule(run.id);
  }
}
