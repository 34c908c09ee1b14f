import { Arg, Query, Resolver } from "type-graphql";
import { validateScenarioSource } from "../../explore/validate";
import { ScenarioProblem } from "../types/scenario";

/** Thin resolvers over src/explore (issue 12). */
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
}
