import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from "graphql";
import type { ApiContext } from "../context";
import { publicRunError } from "../run-error";
import type { RunSlots } from "./slots";

/** The mutations that start a run (those of other issues wrapped when the schema has them). */
const RUN_STARTING_MUTATIONS = ["startRun", "runScenario", "forkRun"] as const;

type Resolver = GraphQLFieldResolver<unknown, ApiContext>;

/**
 * Wraps, in the built schema, the resolvers that a limit or a rule of hygiene must
 * stand in front of, so that the resolvers themselves stay thin: every mutation that
 * starts a run takes one of the client's run slots, and Run.error shows an internal
 * error only as its id. A wrapped resolver calls the original one unchanged.
 */
export function guardFields(schema: GraphQLSchema, runSlots: RunSlots): void {
  const mutation = schema.getMutationType();
  const mutations = mutation?.getFields() ?? {};
  for (const name of RUN_STARTING_MUTATIONS) {
    const field = mutations[name];
    if (field === undefined) continue;
    const original: Resolver = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) =>
      runSlots.hold(context.client, async () => (await original(source, args, context, info)) as unknown, runIdOf);
  }
  const run = schema.getType("Run");
  const errorField = isObjectType(run) ? run.getFields()["error"] : undefined;
  if (errorField !== undefined) {
    const original: Resolver = errorField.resolve ?? defaultFieldResolver;
    errorField.resolve = async (source, args, context, info) => {
      const error = (await original(source, args, context, info)) as unknown;
      return typeof error === "string" ? publicRunError(runIdOf(source) ?? "?", error) : error;
    };
  }
}

function runIdOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined;
  return typeof value.id === "string" ? value.id : undefined;
}
