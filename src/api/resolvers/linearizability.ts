import { GraphQLError } from "graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import type { ApiContext } from "../context";
import { assertRunReadable } from "../readable-run";
import { mapServiceErrors, userError } from "../errors";
import {
  CheckerBusy,
  runCheck,
  DEFAULT_TIMEOUT_MS,
  MalformedHistory,
  MAX_TIMEOUT_MS,
  type LinearizabilityResultRecord,
} from "../linearizability";
import type { LinearizabilityRecord, RunRecord } from "../../runs/types";
import { LinearizabilityResult } from "../types/linearizability";
import { Run } from "../types/run";
import { optionalInt } from "../../runs/validate";

@UseMiddleware(mapServiceErrors)
@Resolver(() => Run)
export class LinearizabilityResolver {
  @Query(() => LinearizabilityResult, {
    description:
      "Checks a history of client operations for linearizability. The history is JSON: { model: register | " +
      "cas-register | kv, initial, operations: [{ client, op, key (kv), args, result (absent: unknown), " +
      "invokeIndex, returnIndex (null: no reply), failed }] } (README, Linearizability).",
  })
  async checkLinearizability(
    @Arg("history", () => GraphQLJSON) history: unknown,
    @Arg("timeoutMs", () => Int, {
      nullable: true,
      description: `The search's time budget, 1 to ${MAX_TIMEOUT_MS} ms (default ${DEFAULT_TIMEOUT_MS}); past it the verdict is UNKNOWN.`,
    })
    timeoutMs?: number | null,
  ): Promise<LinearizabilityResultRecord> {
    const budget = optionalInt("timeoutMs", timeoutMs, { min: 1, max: MAX_TIMEOUT_MS }) ?? DEFAULT_TIMEOUT_MS;
    return check({ history, timeoutMs: budget });
  }

  @FieldResolver(() => LinearizabilityResult, {
    nullable: true,
    description:
      "The run's client operations (CLIENT_INVOKE / CLIENT_RETURN of put, get, cas, append) judged for " +
      "linearizability as a kv history; prefix and failedOp index those operations in order of invocation, and " +
      "positions are event seqs. Computed once, when the run completes, and stored with it. Null for a run " +
      "without such operations.",
  })
  async linearizability(@Ctx() ctx: ApiContext, @Root() run: RunRecord): Promise<LinearizabilityRecord | null> {
    assertRunReadable(ctx, run.id);
    return (await ctx.services.runs.verdicts(run.id)).linearizability;
  }
}

async function check(job: Parameters<typeof runCheck>[0]): Promise<LinearizabilityResultRecord> {
  try {
    return await runCheck(job);
  } catch (error) {
    if (error instanceof MalformedHistory) {
      throw new GraphQLError(`The history is malformed: ${error.message}`, {
        extensions: { code: "BAD_USER_INPUT", argumentName: "history", field: error.path, operation: error.operation },
      });
    }
    if (error instanceof CheckerBusy) throw userError("INTERNAL", error.message);
    throw error;
  }
}
