import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { ApiContext } from "../context";
import type { ApiGuard } from "./index";

/**
 * The Apollo side of the guard, once an operation is parsed and validated (the shape
 * rules run in validation): its price against FAULTLINE_MAX_COST, and a subscription
 * sent over HTTP, which gets a BAD_REQUEST that says where subscriptions are served.
 * Apollo answers an error thrown here with the error's extensions.http status.
 */
export function guardPlugin(guard: ApiGuard, wsUrl: () => string): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(request) {
          if (request.operation?.operation === "subscription") {
            throw new GraphQLError(
              `Subscriptions are not served over HTTP: open a WebSocket to ${wsUrl()} with the graphql-ws ` +
                "protocol (the graphql-ws client's createClient, or the IDE) and subscribe there.",
              { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
            );
          }
          const refusal = await guard.costRefusal(request.document, request.request.variables, request.operationName);
          if (refusal !== undefined) throw refusal;
        },
      };
    },
  };
}
