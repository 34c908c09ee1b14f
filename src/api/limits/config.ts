/**
 * Every limit on what a client controls, with its environment variable and default.
 * The variable's name is also the refusal's extensions.limitName, so a client that is
 * refused can find the limit in the README's Limits section under the same name.
 */
export interface Limits {
  /** Nesting depth of an operation's selections (graphql-armor max-depth). */
  readonly maxDepth: number;
  /** Aliased fields in one operation (graphql-armor max-aliases). */
  readonly maxAliases: number;
  /** Lexical tokens of a document (graphql-js parse's maxTokens). */
  readonly maxTokens: number;
  /** Directives in one operation (graphql-armor max-directives). */
  readonly maxDirectives: number;
  /** Estimated cost of one operation (graphql-query-complexity, prices in ./cost.ts). */
  readonly maxCost: number;
  /** Bytes of an HTTP request body and of one WebSocket message. */
  readonly maxBodyBytes: number;
  /** Requests (HTTP operations and WebSocket subscribe messages) per client per window. */
  readonly rateLimit: number;
  readonly rateWindowSeconds: number;
  /** Runs of one client that may be in progress at once (paced RUNNING runs and unpaced runs being simulated). */
  readonly runsPerClient: number;
  /** Live subscriptions of one client, over all its sockets. */
  readonly subscriptionsPerClient: number;
}

interface LimitSpec {
  readonly variable: string;
  readonly fallback: number;
  readonly min: number;
}

/** The environment variable, default and least value of each limit. */
export const LIMIT_SPECS: { readonly [Name in keyof Limits]: LimitSpec } = {
  maxDepth: { variable: "FAULTLINE_MAX_DEPTH", fallback: 10, min: 1 },
  maxAliases: { variable: "FAULTLINE_MAX_ALIASES", fallback: 20, min: 0 },
  maxTokens: { variable: "FAULTLINE_MAX_TOKENS", fallback: 2000, min: 1 },
  maxDirectives: { variable: "FAULTLINE_MAX_DIRECTIVES", fallback: 20, min: 0 },
  maxCost: { variable: "FAULTLINE_MAX_COST", fallback: 20_000, min: 1 },
  maxBodyBytes: { variable: "FAULTLINE_MAX_BODY_BYTES", fallback: 1_048_576, min: 1024 },
  rateLimit: { variable: "FAULTLINE_RATE_LIMIT", fallback: 300, min: 1 },
  rateWindowSeconds: { variable: "FAULTLINE_RATE_WINDOW_SECONDS", fallback: 10, min: 1 },
  runsPerClient: { variable: "FAULTLINE_RUNS_PER_CLIENT", fallback: 4, min: 1 },
  subscriptionsPerClient: { variable: "FAULTLINE_SUBSCRIPTIONS_PER_CLIENT", fallback: 100, min: 1 },
};

export const DEFAULT_LIMITS: Limits = Object.fromEntries(
  Object.entries(LIMIT_SPECS).map(([name, spec]) => [name, spec.fallback]),
) as unknown as Limits;

/** The limits the environment sets, the defaults for the rest; a bad value names its variable. */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Limits {
  const limits: Record<string, number> = {};
  for (const [name, spec] of Object.entries(LIMIT_SPECS)) {
    const text = env[spec.variable];
    if (text === undefined || text.trim() === "") {
      limits[name] = spec.fallback;
      continue;
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < spec.min) {
      throw new Error(`${spec.variable} must be an integer of at least ${spec.min}; got "${text}"`);
    }
    limits[name] = value;
  }
  return limits as unknown as Limits;
}
