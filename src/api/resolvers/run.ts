import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import type { Scenario as ScenarioRecord } from "../../scenarios/types";
import type { Ordering as OrderingName } from "../../sim/causality";
import type { EventKind as EventKindName, Violation as ViolationRecord } from "../../sim/types";
import { frameNode, type FrameNode } from "../../explore/timeline";
import type { ApiContext } from "../context";
import { mapServiceErrors } from "../errors";
import { assertRunReadable, readableRun, readableRunsFilter } from "../readable-run";
import { ARGUMENT_RANGES, MAX_EVENTS_PAGE, MAX_PACE_MS, MAX_RUNS_PAGE } from "../../runs";
import type { EventPage as EventPageRecord, RunPage, RunRecord } from "../../runs";
import { EventKind, Ordering } from "../types/enums";
import { EventPage, NodeState, Violation } from "../types/event";
import { Run, RunConnection } from "../types/run";
import { Scenario } from "../types/scenario";

// Class-level, not global: a global middleware would wrap every plain field of every event too.
@UseMiddleware(mapServiceErrors)
@Resolver(() => Run)
export class RunResolver {
  @Query(() => Run, { nullable: true, description: "One run by id; null when there is none." })
  run(@Ctx() ctx: ApiContext, @Arg("id", () => ID) id: string): Promise<RunRecord | undefined> {
    return readableRun(ctx, id);
  }

  @Query(() => RunConnection, {
    description:
      "Runs, of every scenario or of one, a page at a time; a student's runs are listed only to them and instructors.",
  })
  async runs(
    @Ctx() ctx: ApiContext,
    @Arg("scenarioId", () => ID, { nullable: true }) scenarioId?: string | null,
    @Arg("first", () => Int, { nullable: true, description: `Page size, 1 to ${MAX_RUNS_PAGE}.` })
    first?: number | null,
    @Arg("after", () => String, { nullable: true, description: "A pageInfo.endCursor from the previous page." })
    after?: string | null,
  ): Promise<{
    nodes: readonly RunRecord[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    totalCount: number;
  }> {
    const page: RunPage = await ctx.services.runs.listRuns({
      scenarioId,
      first,
      after,
      owner: readableRunsFilter(ctx),
    });
    return {
      nodes: page.runs,
      pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
      totalCount: page.totalCount,
    };
  }

  @Mutation(() => Run, {
    description:
      "Runs a scenario. Without pace it runs to the end and returns the COMPLETED run; with pace it returns at once " +
      "with RUNNING and events reach runEvents subscribers as they happen.",
  })
  startRun(
    @Ctx() { services }: ApiContext,
    @Arg("scenarioId", () => ID) scenarioId: string,
    @Arg("seed", () => Int, {
      nullable: true,
      description: `Overrides the scenario's own seed, ${ARGUMENT_RANGES.seed.min} to ${ARGUMENT_RANGES.seed.max}.`,
    })
    seed?: number | null,
    @Arg("pace", () => Int, {
      nullable: true,
      description: `Milliseconds of wall time per event, 1 to ${MAX_PACE_MS}; leave it out to run to the end at once.`,
    })
    pace?: number | null,
  ): Promise<RunRecord> {
    return services.runs.startRun({ scenarioId, seed, pace });
  }

  @Mutation(() => Run, {
    description:
      'Stops a RUNNING run. It ends FAILED with the error "cancelled by request after N stored events", and the ' +
      "events stored until then are kept (they can still be read and replayed). A run that is not RUNNING is refused.",
  })
  async cancelRun(@Ctx() ctx: ApiContext, @Arg("runId", () => ID) runId: string): Promise<RunRecord> {
    await readableRun(ctx, runId);
    return ctx.services.runs.cancelRun(runId);
  }

  @FieldResolver(() => Scenario)
  scenario(@Ctx() { services }: ApiContext, @Root() run: RunRecord): ScenarioRecord | Promise<ScenarioRecord> {
    // The catalogue's, or the run's own stored source (an ad-hoc scenario, or one whose file has changed).
    return services.scenarios.get(run.scenarioId) ?? services.runs.scenarioOfRun(run.id);
  }

  @FieldResolver(() => EventPage, { description: "The run's events in seq order, a page at a time." })
  async events(
    @Ctx() ctx: ApiContext,
    @Root() run: RunRecord,
    @Arg("after", () => Int, {
      nullable: true,
      description: "Only events with a greater seq (a nextCursor); -1 or absent: from the first event.",
    })
    after?: number | null,
    @Arg("first", () => Int, { nullable: true, description: `Page size, 1 to ${MAX_EVENTS_PAGE}.` })
    first?: number | null,
    @Arg("node", () => String, { nullable: true, description: "Only this node's events." }) node?: string | null,
    @Arg("kinds", () => [EventKind], { nullable: true, description: "Only events of these kinds." })
    kinds?: EventKindName[] | null,
  ): Promise<EventPageRecord> {
    await assertRunReadable(ctx, run.id);
    const page = await ctx.services.runs.events(run.id, { after, first, node, kinds });
    return { ...page, events: ctx.services.explore.typedEvents(run.id, page.events) };
  }

  @FieldResolver(() => [Violation], { description: "Safety properties the run broke, in the order detected." })
  async violations(@Ctx() ctx: ApiContext, @Root() run: RunRecord): Promise<readonly ViolationRecord[]> {
    await assertRunReadable(ctx, run.id);
    return ctx.services.runs.violations(run.id);
  }

  @FieldResolver(() => [NodeState], {
    description: "Every node's state right after the event atSeq (at the end of the run when atSeq is absent).",
  })
  async nodes(
    @Ctx() ctx: ApiContext,
    @Root() run: RunRecord,
    @Arg("atSeq", () => Int, { nullable: true }) atSeq?: number | null,
  ): Promise<readonly FrameNode[]> {
    await assertRunReadable(ctx, run.id);
    return (await ctx.services.runs.nodesAt(run.id, atSeq)).map(frameNode);
  }

  @FieldResolver(() => Ordering, {
    description:
      "How event a relates to event b by happened-before (Lamport 1978), decided from their vector clocks: " +
      "BEFORE means a chain of steps and messages leads from a to b.",
  })
  async happensBefore(
    @Ctx() ctx: ApiContext,
    @Root() run: RunRecord,
    @Arg("a", () => Int, { description: "The seq of the first event." }) a: number,
    @Arg("b", () => Int, { description: "The seq of the second event." }) b: number,
  ): Promise<OrderingName> {
    await assertRunReadable(ctx, run.id);
    return ctx.services.runs.happensBefore(run.id, a, b);
  }

  @FieldResolver(() => [Int], {
    description: "The seqs of every event concurrent with this one: neither happened before the other.",
  })
  async concurrentWith(
    @Ctx() ctx: ApiContext,
    @Root() run: RunRecord,
    @Arg("seq", () => Int) seq: number,
  ): Promise<readonly number[]> {
    await assertRunReadable(ctx, run.id);
    return ctx.services.runs.concurrentWith(run.id, seq);
  }
}
