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
  ) {
    this.rules = shapeRules(limits);
    this.rate = new ClientRateLimiter(limits);
    this.runSlots = new RunSlots(limits, (runId) => services.runs.getRun(runId)?.status === "RUNNING");
    this.subscriptions = new SubscriptionSlots(limits);
    this.parseOptions = { maxTokens: limits.maxTokens };
  }

  /** A refusal if the operation costs more than FAULTLINE_MAX_COST; call it after validation. */
  costRefusal(
    document: DocumentNode,
    variables: Readonly<Record<string, unknown>> | undefined,
    operationName: string | null | undefined,
  ): GraphQLError | undefined {
    return costRefusal(
      {
        schema: this.schema,
        document,
        variables,
        operationName,
        eventCountOf: (runId) => this.services.runs.getRun(runId)?.eventCount,
      },
      this.limits,
    );
  }
}
