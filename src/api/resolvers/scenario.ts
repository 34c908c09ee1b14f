import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import type { Scenario as ScenarioRecord } from "../../scenarios/types";
import type { ApiContext } from "../context";
import { mapServiceErrors } from "../errors";
import type { CourseTopic } from "../../explore/topics";
import { Topic } from "../types/explore";
import { Scenario, ScenarioProblem } from "../types/scenario";

// Class-level, not global: a global middleware would wrap every plain field of every event too.
@UseMiddleware(mapServiceErrors)
@Resolver(() => Scenario)
export class ScenarioResolver {
  @Query(() => [Scenario], { description: "Every loaded scenario, or those of one topic." })
  scenarios(
    @Ctx() { services }: ApiContext,
    @Arg("topic", () => String, {
      nullable: true,
      description: "consensus, transactions, clocks, crdt or replication.",
    })
    topic?: string | null,
  ): readonly ScenarioRecord[] {
    return services.scenarios.list(topic ?? undefined);
  }

  @Query(() => Scenario, { nullable: true, description: "One scenario by id; null when there is none." })
  scenario(@Ctx() { services }: ApiContext, @Arg("id", () => ID) id: string): ScenarioRecord | undefined {
    return services.scenarios.get(id);
  }

  @Query(() => [ScenarioProblem], {
    description: "Scenario files that could not be loaded, with file, line, column, field path and what was expected.",
  })
  scenarioProblems(@Ctx() { services }: ApiContext): readonly ScenarioProblem[] {
    return services.scenarios.problems();
  }

  @FieldResolver(() => [String])
  nodes(@Root() scenario: ScenarioRecord): readonly string[] {
    return scenario.spec.nodes;
  }

  @FieldResolver(() => Int)
  seed(@Root() scenario: ScenarioRecord): number {
    return scenario.spec.seed;
  }

  @FieldResolver(() => Topic, {
    nullable: true,
    description:
      "The scenario's topic as a typed object (title, prerequisites, objectives, its place in the course: Query.topics); " +
      "null for a scenario the course (scenarios/topics.yaml) does not list. `topic` stays its id.",
  })
  topicInfo(@Ctx() { services }: ApiContext, @Root() scenario: ScenarioRecord): CourseTopic | undefined {
    return services.scenarios.topics().find((topic) => topic.id === scenario.topic);
  }
}
