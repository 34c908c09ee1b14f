import { Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({
  simpleResolvers: true,
  description: "A scenario a learner can run: a protocol, a set of nodes, a workload and a fault timeline.",
})
export class Scenario {
  @Field(() => ID, { description: "The scenario's id, e.g. 2pc-coordinator-crash (also its file name)." })
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { description: "consensus, transactions, clocks, crdt or replication." })
  topic!: string;

  @Field(() => String, { description: "The registered protocol the scenario runs, e.g. two-phase-commit." })
  protocol!: string;

  @Field(() => String, { description: "Markdown shown to learners." })
  summary!: string;

  @Field(() => [String], { description: "What the learner should take away." })
  objectives!: string[];

  @Field(() => [String], { description: "The names of the scenario's nodes, in scenario order." })
  nodes!: string[];

  @Field(() => Int, { description: "The seed a run uses when startRun is given none." })
  seed!: number;

  @Field(() => String, {
    description:
      "The YAML text of the scenario file; for anyone but an instructor, every question's answer query, " +
      "example schedule and goal query are removed.",
  })
  source!: string;
}

@ObjectType({
  simpleResolvers: true,
  description: "A scenario file that could not be loaded; every other scenario is still served.",
})
export class ScenarioProblem {
  @Field(() => String, { description: "The file, relative to the scenarios directory." })
  file!: string;

  @Field(() => Int, { description: "1-based line of the problem in the file." })
  line!: number;

  @Field(() => Int, { description: "1-based column of the problem in the file." })
  column!: number;

  @Field(() => String, { description: 'The field path, e.g. "faults[0].node" (empty for the whole file).' })
  path!: string;

  @Field(() => String, { description: "What was expected." })
  message!: string;
}
