import "reflect-metadata";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type NextFunction, type Request, type Response } from "express";
import type { GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { ApiContext, ApiServices } from "./context";
import { formatError, formatWebSocketError } from "./errors";
import { diagramRoute } from "./routes/diagram";
import { packageDir, projectRoot } from "./paths";
import { mountGradebookCsv } from "./routes/gradebook";
import { buildApiSchema } from "./schema";
import { createServices } from "../runs";

/** Where the API is served: HTTP POST for queries and mutations, WebSocket (graphql-ws) for subscriptions. */
export const GRAPHQL_PATH = "/graphql";
/** Where the offline IDE's own files and its vendored browser builds are served. */
export const IDE_PATH = "/ide";

export interface ServerOptions {
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly dbPath: string;
  readonly scenariosDir: string;
}

export interface RunningServer {
  /** http://localhost:<port>/graphql */
  readonly url: string;
  /** ws://localhost:<port>/graphql */
  readonly wsUrl: string;
  readonly port: number;
  readonly services: ApiServices;
  /** Stops accepting connections, ends subscriptions, waits for requests in flight, closes the services. */
  close(): Promise<void>;
}

/** Creates the services (database, scenarios) and serves them. The one way the API starts, in main and in tests. */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const services = await createServices({ dbPath: options.dbPath, scenariosDir: options.scenariosDir });
  try {
    return await serveServices(services, options.port);
  } catch (error) {
    await services.close();
    throw error;
  }
}

/** Serves already-created services on a port; close() closes them too. */
export async function serveServices(services: ApiServices, port: number): Promise<RunningServer> {
  const schema = await buildApiSchema();
  const app = express();
  const httpServer = createHttpServer(app);
  const context = (authorization: unknown): ApiContext => ({
    services,
    identity: services.identify(typeof authorization === "string" ? authorization : undefined),
  });

  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const wsCleanup = useServer(
    {
      schema,
      context: (ctx) => context(ctx.connectionParams?.["authorization"]),
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

  const apollo = createApolloServer(schema, [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    {
      async serverWillStart() {
        return {
          async drainServer() {
            await wsCleanup.dispose();
          },
        };
      },
    },
  ]);
  await apollo.start();

  mountIde(app);
  mountGradebookCsv(app, services);
  app.use(diagramRoute(services));
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, { context: async ({ req }) => context(req.headers.authorization) }),
  );
  app.use(answerHttpError);

  const actualPort = await listen(httpServer, port);
  let closing: Promise<void> | undefined;
  return {
    url: `http://localhost:${actualPort}${GRAPHQL_PATH}`,
    wsUrl: `ws://localhost:${actualPort}${GRAPHQL_PATH}`,
    port: actualPort,
    services,
    close() {
      closing ??= (async () => {
        try {
          await apollo.stop();
        } finally {
          await services.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * The API's Apollo server as it is configured in production: errors in the one
 * format, no stack traces, and no per-field plugin. The cache-control plugin (on by
 * default) would give every field of every event a willResolveField hook, which makes
 * Apollo wrap every resolver of the schema; we send no cache hints, so it is off, as
 * is the landing page (the offline IDE replaces it). `plugins` adds the server's own
 * (draining). The benchmark's in-process figure uses this too, so it measures what
 * the server runs.
 */
export function createApolloServer(
  schema: GraphQLSchema,
  plugins: readonly ApolloServerPlugin<ApiContext>[] = [],
): ApolloServer<ApiContext> {
  return new ApolloServer<ApiContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGINT/SIGTERM: it closes the services after Apollo, which Apollo's own handlers would not wait for.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [...plugins, ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
}

/** The browser builds the IDE page loads, by URL path under IDE_PATH: all served from node_modules, nothing from the internet. */
export function ideAssets(): ReadonlyArray<{ readonly urlPath: string; readonly dir: string }> {
  return [
    { urlPath: `${IDE_PATH}/vendor/graphiql`, dir: join(packageDir("graphiql"), "dist") },
    { urlPath: `${IDE_PATH}/vendor/react`, dir: join(packageDir("react"), "umd") },
    { urlPath: `${IDE_PATH}/vendor/react-dom`, dir: join(packageDir("react-dom"), "umd") },
    { urlPath: IDE_PATH, dir: join(projectRoot, "public") },
  ];
}

/** GET /graphql from a browser answers with the GraphiQL page; every other request goes on to Apollo. */
function mountIde(app: express.Express): void {
  const page = join(projectRoot, "public", "graphiql.html");
  app.get(GRAPHQL_PATH, (request: Request, response, next) => {
    if (wantsHtml(request)) response.sendFile(page);
    else next();
  });
  app.get("/", (_request, response) => response.redirect(GRAPHQL_PATH));
  app.get("/favicon.ico", (_request, response) => response.sendFile(join(projectRoot, "public", "favicon.ico")));
  for (const asset of ideAssets()) {
    app.use(asset.urlPath, express.static(asset.dir, { index: false, fallthrough: false }));
  }
}

/** A browser navigating to the URL, not a GraphQL client sending a GET query. */
function wantsHtml(request: Request): boolean {
  return request.query["query"] === undefined && request.accepts(["application/json", "text/html"]) === "text/html";
}

/** Express's own errors (a missing IDE file, a body that is not JSON): a short plain answer, no stack trace. */
function answerHttpError(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) {
    next(error);
    return;
  }
  const status = httpStatusOf(error);
  if (status >= 500) console.error("faultline: HTTP request failed:", error);
  const message = status === 404 ? "Not found" : status < 500 && exposedMessage(error) ? exposedMessage(error) : "";
  response
    .status(status)
    .type("text/plain")
    .send(message || `HTTP ${status}`);
}

function httpStatusOf(error: unknown): number {
  if (typeof error === "object" && error !== null && "status" in error && typeof error.status === "number") {
    return error.status;
  }
  return 500;
}

/** The message of an HTTP error its creator marked safe to show (body-parser's "not JSON", for example). */
function exposedMessage(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "expose" in error && error.expose === true) {
    return error instanceof Error ? error.message : undefined;
  }
  return undefined;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
