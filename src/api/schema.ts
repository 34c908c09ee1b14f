import "reflect-metadata";
import { createPubSub } from "@graphql-yoga/subscription";
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { DiskResolver } from "./resolvers/disk";
import { ExploreResolver, RunExploreResolver, TopicResolver } from "./resolvers/explore";
import { InteractiveResolver } from "./resolvers/interactive";
import { LinearizabilityResolver } from "./resolvers/linearizability";
import {
  AssignmentItemResolver,
  FeedbackResolver,
  GradingResolver,
  ScenarioGradingResolver,
} from "./resolvers/grading";
import { RunEventsResolver } from "./resolvers/run-events";
import { RunResolver } from "./resolvers/run";
import { ScenarioResolver } from "./resolvers/scenario";
import { RunSerializabilityResolver, SerializabilityResolver } from "./resolvers/serializability";

/** The committed SDL file, relative to the project root. */
export const SCHEMA_FILE = "schema/schema.graphql";

/**
 * Builds the executable schema from the type-graphql classes: the one function
 * the server, the schema emitter and the tests use. Services reach resolvers
 * through the context, so one schema serves any number of servers.
 */
export function buildApiSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      ScenarioResolver,
      RunResolver,
      RunEventsResolver,
      SerializabilityResolver,
      RunSerializabilityResolver,
      LinearizabilityResolver,
      GradingResolver,
      AssignmentItemResolver,
      FeedbackResolver,
      ScenarioGradingResolver,
      ExploreResolver,
      InteractiveResolver,
      RunExploreResolver,
      TopicResolver,
      DiskResolver,
    ],
    // type-graphql 2.0.0-rc.4 insists on a pubSub whenever the schema has a
    // subscription, even one with its own `subscribe` (runEvents follows the run
    // service's iterator); this one is never published to.
    pubSub: createPubSub(),
    validate: false,
  });
}

/** The SDL as committed in schema/schema.graphql: sorted, so the file only changes when the API does. */
export function printApiSchema(schema: GraphQLSchema): string {
  return (
    "# The faultline GraphQL API, emitted from the type-graphql classes in src/api.\n" +
    "# Do not edit: change the code and run `npm run schema`.\n\n" +
    printSchema(lexicographicSortSchema(schema)) +
    "\n"
  );
}
