import type Redis from "ioredis";
import { runSizes } from "./run-sizes";
import type { DocumentNode, GraphQLError, GraphQLSchema, ParseOptions, ValidationRule } from "graphql";
import type { ApiServices } from "../context";
import { ClientRateLimiter } from "./clients";
import type { Limits } from "./config";
import { costRefusal } from "./cost";
import { shapeRules } from "./query-shape";
import { RunSlots, SubscriptionSlots } from "./slots";

export { clientKey } from "./clients";
export { DEFAULT_LIMITS, LIMIT_SPECS, limitsFromEnv, type Limits } from "./config";
export { AllowedOrigins, DEFAULT_HOST } from "./origins";
export { LIMIT_CODE, RATE_LIMITED_CODE, limitRefusal } from "./refusal";

/**
 * Everything that stands between a client and the services, built once per server:
 * the operation's shape rules and price (the same over HTTP and WebSocket), the
 * per-client rate, run and subscription limits. See the README's Limits section.
 */
export class ApiGuard {
  readonly rules: readonly ValidationRule[];
  readonly rate: ClientRateLimiter;
  readonly runSlots: RunSlots;
  readonly subscriptions: SubscriptionSlots;
  /** For graphql-js's parse: it stops reading a document at the token limit. */
  readonly parseOptions: ParseOptions;

  constructor(
    readonly limits: Limits,
    private readonly schema: GraphQLSchema,
    private readonly services: ApiServices,
    /** Where the rate limit counts (REDIS_URL): shared by every API instance; absent, this process's memory. */
    rateStore?: Redis,
  ) {
    this.rules = shapeRules(limits);
    this.rate = new ClientRateLimiter(limits, rateStore, services.topology.deployment);
    this.runSlots = new RunSlots(limits, async (runId) => (await services.runs.getRun(runId))?.status === "RUNNING");
    this.subscriptions = new SubscriptionSlots(limits);
    this.parseOptions = { maxTokens: limits.maxTokens };
  }

  /**
   * A refusal if the operation costs more than FAULTLINE_MAX_COST; call it after
   * validation. The runs the operation names (Query.run(id:)) are looked up first, so
   * their fields are priced by their stored length (a walk that only records the ids).
   */
  async costRefusal(
    document: DocumentNode,
    variables: Readonly<Record<string, unknown>> | undefined,
    operationName: string | null | undefined,
  ): Promise<GraphQLError | undefined> {
    const named = new Set<string>();
    const record = (runId: string): number => {
      named.add(runId);
      return 0;
    };
    try {
      runSizes(this.schema, document, variables, operationName, record, 0);
    } catch {
      // Variables that do not fit the operation: costRefusal lets execution refuse them.
    }
    const lengths = new Map<string, number>();
    await Promise.all(
      [...named].map(async (runId) => {
        const run = await this.services.runs.getRun(runId).catch(() => undefined);
        if (run !== undefined) lengths.set(runId, run.eventCount);
      }),
    );
    return costRefusal(
      { schema: this.schema, document, variables, operationName, eventCountOf: (runId) => lengths.get(runId) },
      this.limits,
    );
  }
}
