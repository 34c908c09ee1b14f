import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphQLError, ValidationContext, ValidationRule } from "graphql";
import type { Limits } from "./config";
import { limitRefusal } from "./refusal";

/**
 * The shape limits of an operation, from graphql-armor: depth, aliases and directives
 * as validation rules (the same rules over HTTP and WebSocket). graphql-armor's own
 * error has no code and no number; each rejection is reported instead as a refusal
 * naming its limit. Tokens are limited by graphql-js's parser (parseOptions.maxTokens),
 * which stops reading at the limit; see tokenRefusal.
 *
 * graphql-armor's cost limit is off (graphql-query-complexity prices fields, ./cost.ts),
 * and so is its blocking of field suggestions: introspection is open (the IDE needs
 * it), so "Did you mean" reveals nothing a learner cannot already see, and it helps them.
 */
export function shapeRules(limits: Limits): ValidationRule[] {
  const refuse =
    (name: "maxDepth" | "maxAliases" | "maxDirectives", what: string) =>
    (context: ValidationContext | null, error: GraphQLError): void => {
      const found = /found (\d+)/.exec(error.message)?.[1];
      const detail = found === undefined ? "" : `: it has ${found}`;
      context?.reportError(limitRefusal(name, limits[name], `The operation exceeds the ${what}${detail}`));
    };
  const armor = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: {
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: [refuse("maxDepth", `maximum depth of ${limits.maxDepth}`)],
    },
    maxAliases: {
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [refuse("maxAliases", `maximum of ${limits.maxAliases} aliases`)],
    },
    maxDirectives: {
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [refuse("maxDirectives", `maximum of ${limits.maxDirectives} directives`)],
    },
  });
  return armor.protect().validationRules;
}

/**
 * graphql-js's parse error when a document has more tokens than parseOptions.maxTokens
 * allows (16.x words it "more that N tokens"; a test pins it). It names the limit.
 */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/;

/** The refusal for a parse error that is graphql-js's token limit; undefined for any other error. */
export function tokenRefusal(message: string): GraphQLError | undefined {
  const limit = TOKEN_LIMIT_MESSAGE.exec(message)?.[1];
  if (limit === undefined) return undefined;
  return limitRefusal("maxTokens", Number(limit), `The document has more than ${limit} tokens`);
}
