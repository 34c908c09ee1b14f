import type { Server } from "node:http";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { Context } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { type WebSocket, WebSocketServer } from "ws";
import type { Extra } from "graphql-ws/use/ws";
import type { ApiContext } from "./context";
import { formatWebSocketError, logInternalError } from "./errors";
import { type AllowedOrigins, type ApiGuard, clientKey } from "./limits";

export interface WebSocketOptions {
  readonly httpServer: Server;
  readonly path: string;
  readonly schema: GraphQLSchema;
  readonly guard: ApiGuard;
  readonly origins: AllowedOrigins;
  readonly context: (authorization: unknown, client: string) => Promise<ApiContext>;
}

type SocketContext = Context<Record<string, unknown> | undefined, Extra>;

/**
 * Subscriptions (and any operation) over graphql-ws, held to what HTTP is held to:
 * the handshake's Origin checked against the allowed origins, one message at most
 * FAULTLINE_MAX_BODY_BYTES (ws's maxPayload: a bigger one closes the socket with
 * 1009), and each subscribe message rate-limited, parsed with the token limit,
 * validated with the shape rules and priced, before anything runs. A refusal or a
 * bad document is an `error` message for that subscription only; the socket and its
 * other subscriptions go on. Live subscriptions per client are counted here.
 */
export function serveWebSocket(options: WebSocketOptions): { dispose(): void | Promise<void> } {
  const { guard, schema } = options;
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: guard.limits.maxBodyBytes,
    verifyClient: (info, done) => options.origins.verifyWebSocket(info, done),
  });
  const rules = [...specifiedRules, ...guard.rules];

  const onSubscribe = async (
    ctx: SocketContext,
    id: string,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ) => {
    const client = clientKey(ctx.connectionParams?.["authorization"], ctx.extra.request.socket.remoteAddress);
    const limited = await guard.rate.take(client);
    if (limited !== undefined) return [limited];
    let document: DocumentNode;
    try {
      document = parse(payload.query, guard.parseOptions);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return [new GraphQLError(message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return invalid;
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (operation === null || operation === undefined) {
      return [new GraphQLError("Unable to identify the operation to run: name one with operationName.")];
    }
    const variables = payload.variables ?? undefined;
    const tooCostly = await guard.costRefusal(document, variables, payload.operationName);
    if (tooCostly !== undefined) return [tooCostly];
    if (operation.operation === "subscription") {
      const refused = guard.subscriptions.reserve(ctx, client, id);
      if (refused !== undefined) return [refused];
    }
    return {
      schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: variables ?? null,
      contextValue: await options.context(ctx.connectionParams?.["authorization"], client),
    };
  };

  const cleanup = useServer(
    {
      schema,
      // A socket closed on an internal error gives no reason that could reveal internals.
      isProd: true,
      onSubscribe,
      onComplete: (ctx, id) => guard.subscriptions.release(ctx, id),
      onClose: (ctx) => guard.subscriptions.releaseSocket(ctx),
      // The same error format as over HTTP: codes, no stack traces, no internals.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors === undefined
          ? undefined
          : { ...result, errors: result.errors.map((error) => formatWebSocketError(error, "BAD_USER_INPUT")) },
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => formatWebSocketError(error, "GRAPHQL_VALIDATION_FAILED")),
    },
    wsServer,
  );
  wsServer.on("connection", answerSocketErrors);
  return cleanup;
}

/**
 * A message over maxPayload is the client's doing: ws closes the socket with 1009
 * itself. graphql-ws would log it as an internal error with a stack; only other socket
 * errors are logged here, under an id.
 */
function answerSocketErrors(socket: WebSocket): void {
  socket.removeAllListeners("error");
  socket.on("error", (error: Error & { code?: string }) => {
    if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return;
    const errorId = logInternalError("a WebSocket failed", error);
    socket.close(1011, `Internal server error (id ${errorId})`);
  });
}
