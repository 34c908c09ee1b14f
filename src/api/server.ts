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
import type { GraphQLSchema, ParseOptions, ValidationRule } from "graphql";
import type { ApiContext, ApiServices } from "./context";
import { formatError } from "./errors";
import { AllowedOrigins, ApiGuard, clientKey, DEFAULT_HOST, type Limits, limitsFromEnv } from "./limits";
import { openRateStore } from "./limits/clients";
import { guardPlugin } from "./limits/apollo-plugin";
import { guardFields } from "./limits/field-guards";
import { bodyErrorHandler, rateLimitMiddleware } from "./limits/http";
import { diagramRoute } from "./routes/diagram";
import { packageDir, projectRoot } from "./paths";
import { mountGradebookCsv } from "./routes/gradebook";
import { buildApiSchema } from "./schema";
import { serveWebSocket } from "./websocket";
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
  /** The interface to listen on (default 127.0.0.1: loopback only). */
  readonly host?: string;
  /** Limits on what clients control; the environment's (README, Limits) for those left out. */
  readonly limits?: Partial<Limits>;
  /** Browser origins allowed besides the server's own, comma-separated (default CORS_ORIGINS, else local dev origins). */
  readonly corsOrigins?: string;
}

/** How the API is served, beside the services: where, and within which limits. */
export type ServeOptions = Pick<ServerOptions, "host" | "limits" | "corsOrigins">;

export interface RunningServer {
  /** http://<host>:<port>/graphql (localhost when listening on every interface) */
  readonly url: string;
  /** ws://<host>:<port>/graphql */
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
    return await serveServices(services, options.port, options);
  } catch (error) {
    await services.close();
    throw error;
  }
}

/** Serves already-created services on a port; close() closes them too. */
export async function serveServices(
  services: ApiServices,
  port: number,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const limits: Limits = { ...limitsFromEnv(process.env), ...options.limits };
  const origins = new AllowedOrigins(options.corsOrigins ?? process.env["CORS_ORIGINS"]);
  const schema = await buildApiSchema();
  const rateStore = await openRateStore(process.env["REDIS_URL"]);
  const guard = new ApiGuard(limits, schema, services, rateStore);
  guardFields(schema, guard.runSlots);
  const app = express();
  const httpServer = createHttpServer(app);
  const context = async (authorization: unknown, client: string): Promise<ApiContext> => ({
    services,
    identity: await services.identify(typeof authorization === "string" ? authorization : undefined),
    client,
  });

  let wsUrl = "";
  const websocket = serveWebSocket({ httpServer, path: GRAPHQL_PATH, schema, guard, origins, context });
  const apollo = createApolloServer(
    schema,
    [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await websocket.dispose();
            },
          };
        },
      },
      guardPlugin(guard, () => wsUrl),
    ],
    { validationRules: guard.rules, parseOptions: guard.parseOptions },
  );
  await apollo.start();

  mountIde(app);
  // The GET routes that read runs and grades take from the same per-client budget as /graphql.
  app.use(["/runs", "/assignments"], rateLimitMiddleware(guard));
  mountGradebookCsv(app, services);
  app.use(diagramRoute(services));
  app.use(
    GRAPHQL_PATH,
    origins.httpMiddleware(),
    rateLimitMiddleware(guard),
    express.json({ limit: limits.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        context(req.headers.authorization, clientKey(req.headers.authorization, req.socket.remoteAddress)),
    }),
  );
  app.use(bodyErrorHandler(guard));
  app.use(answerHttpError);

  const actualPort = await listen(httpServer, port, host).catch((error: unknown) => {
    rateStore?.disconnect();
    throw error;
  });
  origins.setOwn(host, actualPort);
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  wsUrl = `ws://${shownHost}:${actualPort}${GRAPHQL_PATH}`;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${actualPort}${GRAPHQL_PATH}`,
    wsUrl,
    port: actualPort,
    services,
    close() {
      closing ??= (async () => {
        try {
          await apollo.stop();
        } finally {
          rateStore?.disconnect();
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
  guard: { readonly validationRules?: readonly ValidationRule[]; readonly parseOptions?: ParseOptions } = {},
): ApolloServer<ApiContext> {
  return new ApolloServer<ApiContext>({
    schema,
    validationRules: [...(guard.validationRules ?? [])],
    parseOptions: guard.parseOptions ?? {},
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

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
