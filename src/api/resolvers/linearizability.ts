import { GraphQLError } from "graphql";
import { GraphQLJSON } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import { historyFromTrace } from "../../checkers/linearizability";
import type { TraceEvent } from "../../sim/types";
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
import type { RunRecord, RunService } from "../../runs/types";
import { LinearizabilityResult } from "../types/linearizability";
import { Run } from "../types/run";
import { optionalInt } from "../../runs/validate";

/** Client events read from the store per page while a run's history is gathered. */
const EVENTS_PAGE = 1000;
/** Verdicts of completed runs kept per run service (a run's trace never changes once completed). */
const MAX_CACHED_VERDICTS = 500;

/**
 * Verdicts of completed runs, computed on first request. Held in memory for now:
 * once the run engine stores them (a column of the run), this cache goes.
 */
const verdicts = new WeakMap<RunService, Map<string, LinearizabilityResultRecord | null>>();

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
      "positions are event seqs. Null for a run without such operations.",
  })
  async linearizability(@Ctx() ctx: ApiContext, @Root() run: RunRecord): Promise<LinearizabilityResultRecord | null> {
    assertRunReadable(ctx, run.id);
    const { services } = ctx;
    let cache = verdicts.get(services.runs);
    if (cache === undefined) {
      cache = new Map();
      verdicts.set(services.runs, cache);
    }
    const cached = cache.get(run.id);
    if (cached !== undefined) return cached;
    const extracted = historyFromTrace(clientEvents(services.runs, run.id));
    const result =
      extracted === null
        ? null
        : await check({
            history: extracted.history,
            timeoutMs: DEFAULT_TIMEOUT_MS,
            positionName: "seq",
            clientNames: extracted.clientNames,
          });
    // A running run's history is still growing; an UNKNOWN might be decided by a later try.
    if (run.status !== "RUNNING" && result?.verdict !== "UNKNOWN") {
      if (cache.size >= MAX_CACHED_VERDICTS) cache.delete(cache.keys().next().value as string);
      cache.set(run.id, result);
    }
    return result;
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

/** The run's CLIENT_INVOKE and CLIENT_RETURN events, read from the store a page at a time. */
function* clientEvents(runs: RunService, runId: string): Generator<TraceEvent> {
  let after: number | undefined;
  for (;;) {
    const page = runs.events(runId, { after, first: EVENTS_PAGE, kinds: ["CLIENT_INVOKE", "CLIENT_RETURN"] });
    yield* page.events;
    if (!page.hasMore || page.nextCursor === null) return;
    after = page.nextCursor;
  }
}
