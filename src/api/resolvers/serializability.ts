import { performance } from "node:perf_hooks";
import { GraphQLError } from "graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import type { ApiContext } from "../context";
import type { RunRecord, SerializabilityRecord } from "../../runs/types";
import { mapServiceErrors } from "../errors";
import { checkSerializability, HistoryError } from "../../checkers/serializability";
import { Run } from "../types/run";
import { SerializabilityResult } from "../types/serializability";
import { optionalInt } from "../../runs/validate";

/** The time budget of a check when the client gives none, and the most it may ask for. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
export const MAX_CHECK_TIMEOUT_MS = 60_000;

@UseMiddleware(mapServiceErrors)
@Resolver()
export class SerializabilityResolver {
  @Query(() => SerializabilityResult, {
    description:
      "Checks a user's transactional history (Elle's list-append or rw-register shape) for serializability: " +
      "the dependency graph's cycles, classified as Elle does, with the transactions of each.",
  })
  checkSerializability(
    @Arg("history", () => GraphQLJSON, {
      description:
        '{ "kind": "list-append" | "rw-register", "txns": [{ "process", "type": "ok"|"fail"|"info", "ops" }], ' +
        '"realtime"?, "processOrder"? } (see the README).',
    })
    history: unknown,
    @Arg("timeoutMs", () => Int, {
      nullable: true,
      description: `Time budget, 1 to ${MAX_CHECK_TIMEOUT_MS} (default ${DEFAULT_CHECK_TIMEOUT_MS}); past it the verdict is UNKNOWN.`,
    })
    timeoutMs?: number | null,
  ): SerializabilityResult {
    const budgetMs =
      optionalInt("timeoutMs", timeoutMs, { min: 1, max: MAX_CHECK_TIMEOUT_MS }) ?? DEFAULT_CHECK_TIMEOUT_MS;
    const started = performance.now();
    try {
      const result = checkSerializability(history, { pastDeadline: () => performance.now() - started > budgetMs });
      return toResult({ ...result, elapsedMs: performance.now() - started });
    } catch (error) {
      if (error instanceof HistoryError) {
        throw new GraphQLError(`Argument "history": ${error.message}`, {
          extensions: { code: "BAD_USER_INPUT", argumentName: "history", historyPath: error.path },
        });
      }
      throw error;
    }
  }
}

/** Run.serializability: the verdict the run engine stored when the run completed (src/runs/verdicts.ts). */
@UseMiddleware(mapServiceErrors)
@Resolver(() => Run)
export class RunSerializabilityResolver {
  @FieldResolver(() => SerializabilityResult, {
    nullable: true,
    description:
      "The run's transactions (every commit and abort of the isolation store, as an rw-register history) checked " +
      "for serializability; cycle indexes count the run's transactions in the order they ended, after the setup " +
      "transaction T0 that wrote the initial values. Computed once, when the run completes, and stored with it. " +
      "Null for a run without such transactions.",
  })
  async serializability(
    @Ctx() { services }: ApiContext,
    @Root() run: RunRecord,
  ): Promise<SerializabilityResult | null> {
    const stored = (await services.runs.verdicts(run.id)).serializability;
    return stored === null ? null : toResult(stored);
  }
}

/** The checker's answer in the API's shape (edge counts by lowercase name). */
function toResult(result: SerializabilityRecord): SerializabilityResult {
  const counts = result.edgeCounts;
  return {
    ...result,
    anomalies: result.anomalies.map((anomaly) => ({
      ...anomaly,
      cycle: [...anomaly.cycle],
      edges: [...anomaly.edges],
    })),
    edgeCounts: { ww: counts.WW, wr: counts.WR, rw: counts.RW, realtime: counts.REALTIME, process: counts.PROCESS },
  };
}
