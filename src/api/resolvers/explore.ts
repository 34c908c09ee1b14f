import { GraphQLError } from "graphql";
import {
  Arg,
  Ctx,
  FieldResolver,
  Int,
  type MiddlewareFn,
  Mutation,
  Query,
  Resolver,
  Root,
  UseMiddleware,
} from "type-graphql";
import { MAX_DIAGRAM_EVENTS } from "../../explore/diagram";
import type { ExportFormat as ExportFormatName } from "../../explore/export";
import type { CourseTopic } from "../../explore/topics";
import { MAX_TIMELINE_FRAMES } from "../../explore/timeline";
import { validateScenarioSource } from "../../explore/validate";
import { LimitExceeded, MAX_IMPORT_CHARS, type RunRecord } from "../../runs";
import type { Scenario as ScenarioRecord } from "../../scenarios/types";
import type { ApiContext } from "../context";
import { toGraphQLError } from "../errors";
import { loadRun } from "../load-run";
import { ExportFormat, Timeline, Topic } from "../types/explore";
import { Run } from "../types/run";
import { Scenario, ScenarioProblem } from "../types/scenario";

/** Service errors with their codes; a limit's refusal carries the limit's value (extensions.limit) and name (limitName). */
export const mapExploreErrors: MiddlewareFn<ApiContext> = async (_data, next) => {
  try {
    return await next();
  } catch (error) {
    if (error instanceof LimitExceeded) {
      throw new GraphQLError(error.message, {
        extensions: {
          code: error.code,
          // The contract of issue 13: extensions.limit is the number; the limit's name beside it.
          limit: error.maximum,
          limitName: error.limit,
          ...(error.argumentName === undefined ? {} : { argumentName: error.argumentName }),
        },
      });
    }
    throw toGraphQLError(error);
  }
};

/** Thin resolvers over src/explore and the run explorer (issue 12). */
@UseMiddleware(mapExploreErrors)
@Resolver()
export class ExploreResolver {
  @Query(() => [ScenarioProblem], {
    description:
      "The problems the loader finds in a scenario's YAML (line, column, field path, message); empty when it would load. " +
      "At most 256 KiB (the limit maxFileBytes).",
  })
  validateScenario(@Arg("yaml", () => String) yaml: string): readonly ScenarioProblem[] {
    return validateScenarioSource(yaml);
  }

  @Query(() => [Topic], { description: "The course: its topics in teaching order, each with its scenarios in order." })
  topics(@Ctx() { services }: ApiContext): readonly CourseTopic[] {
    return services.scenarios.topics();
  }

  @Mutation(() => Run, {
    description:
      "Stores a run from a JSON export (Run.export(format: JSON)) as a new COMPLETED run, after re-running its " +
      "scenario source with its seed gives the trace hash it declares. Its scenario must be one this server serves; " +
      `at most ${MAX_IMPORT_CHARS} characters (MAX_IMPORT_BYTES).`,
  })
  async importRun(@Ctx() context: ApiContext, @Arg("data", () => String) data: string): Promise<RunRecord> {
    return loadRun(context, await context.services.explore.importRun(data));
  }
}

@UseMiddleware(mapExploreErrors)
@Resolver(() => Run)
export class RunExploreResolver {
  @FieldResolver(() => Timeline, {
    description:
      "What a frontend draws at each chosen seq (nodes, network, timers), from one replay of the run. " +
      `At most ${MAX_TIMELINE_FRAMES} frames (MAX_TIMELINE_FRAMES); toSeq defaults to as far as that allows.`,
  })
  async timeline(
    @Ctx() context: ApiContext,
    @Root() root: RunRecord,
    @Arg("fromSeq", () => Int, { nullable: true, description: "The first frame's seq (default 0)." })
    fromSeq?: number | null,
    @Arg("toSeq", () => Int, { nullable: true, description: "The last frame's seq (always a frame)." })
    toSeq?: number | null,
    @Arg("every", () => Int, { nullable: true, description: "A frame every this many seqs (default 1)." })
    every?: number | null,
  ): Promise<Timeline> {
    const run = await loadRun(context, root.id);
    const frames = await context.services.explore.timeline(run.id, { fromSeq, toSeq, every });
    return {
      frames: frames.map((frame) => ({
        ...frame,
        nodes: frame.nodes.map((node) => ({ ...node })),
        network: {
          partitions: frame.network.partitions.map((group) => [...group]),
          cut: [...frame.network.cut],
          paused: [...frame.network.paused],
        },
        timers: [...frame.timers],
      })),
    };
  }

  @FieldResolver(() => String, {
    description:
      "A space-time diagram of the run as SVG: a lane per node, arrows for messages, crosses for drops, bars for " +
      `crashes, shading for partitions, each event's sentence as its tooltip. At most ${MAX_DIAGRAM_EVENTS} seqs ` +
      "(MAX_DIAGRAM_EVENTS); also GET /runs/:id/diagram.svg?fromSeq=&toSeq=.",
  })
  async diagram(
    @Ctx() context: ApiContext,
    @Root() root: RunRecord,
    @Arg("fromSeq", () => Int, { nullable: true }) fromSeq?: number | null,
    @Arg("toSeq", () => Int, { nullable: true }) toSeq?: number | null,
  ): Promise<string> {
    const run = await loadRun(context, root.id);
    return context.services.explore.diagram(run.id, { fromSeq, toSeq });
  }

  @FieldResolver(() => String, {
    description: "The COMPLETED run as JSON (for importRun), a ShiViz log or an EDN history.",
  })
  async export(
    @Ctx() context: ApiContext,
    @Root() root: RunRecord,
    @Arg("format", () => ExportFormat) format: ExportFormatName,
  ): Promise<string> {
    const run = await loadRun(context, root.id);
    return context.services.explore.export(run.id, format);
  }
}

@Resolver(() => Topic)
export class TopicResolver {
  @FieldResolver(() => [Scenario], { description: "The topic's scenarios, in teaching order." })
  scenarios(@Ctx() { services }: ApiContext, @Root() topic: CourseTopic): ScenarioRecord[] {
    return topic.scenarios.flatMap((id) => services.scenarios.get(id) ?? []);
  }
}
