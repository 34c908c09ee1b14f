import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ApolloServer } from "@apollo/server";
import {
  execute,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  parse,
  type ExecutionResult,
} from "graphql";
import type { ApiContext } from "../src/api/context";
import { buildApiSchema } from "../src/api/schema";
import { BENCH_LIMITS } from "./server-limits";
import { createApolloServer, createServer, type RunningServer } from "../src/api/server";
import { EVENT_KINDS, type TraceEvent } from "../src/sim/types";
import { collectGarbage, type BenchRow } from "./measure";

const SCENARIO_ID = "bench-page";
export const PAGE_SIZE = 1000;

/** The query both sides answer: one page of a run's events with every field. */
export const PAGE_QUERY = `query Page($id: ID!, $first: Int!) {
  run(id: $id) {
    events(first: $first) {
      events { seq time node kind summary lamport vclock data }
      nextCursor
      hasMore
    }
  }
}`;

/** A 2PC scenario with enough transactions for more than `events` events. */
function benchScenarioYaml(events: number): string {
  const transactions = Math.ceil(events / 30) + 1;
  const workload = Array.from(
    { length: transactions },
    (_, i) => `  - { at: ${i * 2}, node: coord, op: begin, args: { tx: t${i + 1} } }`,
  );
  return [
    `id: ${SCENARIO_ID}`,
    "title: Many transactions, for the GraphQL page benchmark",
    "topic: transactions",
    "protocol: two-phase-commit",
    "summary: Two-phase commit of many independent transactions, to fill a page of events.",
    "objectives: [Measure how fast a page of events is served.]",
    "nodes: [coord, p1, p2, p3]",
    "seed: 1",
    "workload:",
    ...workload,
    "",
  ].join("\n");
}

/**
 * The ceiling's schema, written by hand with graphql-js: the same shape as the
 * API's (Query.run -> Run.events -> EventPage -> TraceEvent), resolving from an
 * array in memory, with an identity JSON scalar.
 */
export function minimalSchema(events: readonly TraceEvent[]): GraphQLSchema {
  const json = new GraphQLScalarType({ name: "JSON", serialize: (value) => value });
  const kind = new GraphQLEnumType({
    name: "EventKind",
    values: Object.fromEntries(EVENT_KINDS.map((name) => [name, { value: name }])),
  });
  const traceEvent = new GraphQLObjectType<TraceEvent>({
    name: "TraceEvent",
    fields: {
      seq: { type: new GraphQLNonNull(GraphQLInt) },
      time: { type: new GraphQLNonNull(GraphQLInt) },
      node: { type: new GraphQLNonNull(GraphQLString) },
      kind: { type: new GraphQLNonNull(kind) },
      summary: { type: new GraphQLNonNull(GraphQLString) },
      lamport: { type: new GraphQLNonNull(GraphQLInt) },
      vclock: { type: new GraphQLNonNull(json) },
      data: { type: json },
    },
  });
  interface Page {
    events: readonly TraceEvent[];
    nextCursor: number | null;
    hasMore: boolean;
  }
  const eventPage = new GraphQLObjectType<Page>({
    name: "EventPage",
    fields: {
      events: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(traceEvent))) },
      nextCursor: { type: GraphQLInt },
      hasMore: { type: new GraphQLNonNull(GraphQLBoolean) },
    },
  });
  const run = new GraphQLObjectType<{ id: string }>({
    name: "Run",
    fields: {
      events: {
        type: new GraphQLNonNull(eventPage),
        args: { after: { type: GraphQLInt }, first: { type: GraphQLInt } },
        resolve: (_run, args: { after?: number | null; first?: number | null }): Page => {
          const after = args.after ?? -1;
          const start = events.findIndex((event) => event.seq > after);
          const from = start === -1 ? events.length : start;
          const page = events.slice(from, from + (args.first ?? 100));
          return {
            events: page,
            nextCursor: page.length === 0 ? null : (page[page.length - 1] as TraceEvent).seq,
            hasMore: from + page.length < events.length,
          };
        },
      },
    },
  });
  const query = new GraphQLObjectType({
    name: "Query",
    fields: {
      run: {
        type: run,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: (_root, args: { id: string }) => ({ id: args.id }),
      },
    },
  });
  return new GraphQLSchema({ query });
}

interface PageData {
  run: { events: { events: unknown[]; hasMore: boolean } } | null;
}

function pageLength(result: ExecutionResult | { data?: unknown; errors?: unknown }): number {
  if (result.errors !== undefined) throw new Error(`bench: the page query failed: ${JSON.stringify(result.errors)}`);
  const data = result.data as PageData | undefined;
  return data?.run?.events.events.length ?? -1;
}

function ms(timed: { medianMs: number }): string {
  return `${timed.medianMs.toFixed(2)} ms`;
}

/** The median of `count` timed calls (after `warmups` untimed ones), in milliseconds; also the best. */
async function medianOf(
  count: number,
  warmups: number,
  call: () => Promise<number>,
): Promise<{ medianMs: number; bestMs: number }> {
  for (let i = 0; i < warmups; i++) await call();
  collectGarbage();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const length = await call();
    times.push(performance.now() - start);
    if (length !== PAGE_SIZE) throw new Error(`bench: a page had ${length} events, not ${PAGE_SIZE}`);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor((times.length - 1) / 2)] as number, bestMs: times[0] as number };
}

/**
 * (c) Milliseconds to serve a 1,000-event page: through a real server (Apollo,
 * type-graphql, the run service, SQLite) over HTTP on port 0, and through Apollo's
 * executeOperation in-process on the same services, against graphql-js `execute` of
 * the same query over the same events in an array with a minimal hand-written schema.
 */
export async function benchGraphqlPage(options: { calls: number; warmups: number }): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-"));
  let server: RunningServer | undefined;
  let apollo: ApolloServer<ApiContext> | undefined;
  try {
    const scenariosDir = join(dir, "scenarios");
    mkdirSync(join(scenariosDir, "transactions"), { recursive: true });
    writeFileSync(join(scenariosDir, "transactions", `${SCENARIO_ID}.yaml`), benchScenarioYaml(PAGE_SIZE + 50));
    server = await createServer({ port: 0, dbPath: join(dir, "bench.db"), scenariosDir, limits: BENCH_LIMITS });
    const run = await server.services.runs.startRun({ scenarioId: SCENARIO_ID });
    if (run.status !== "COMPLETED" || run.eventCount <= PAGE_SIZE) {
      throw new Error(`bench: the page run is ${run.status} with ${run.eventCount} events (${run.error ?? ""})`);
    }
    const variables = { id: run.id, first: PAGE_SIZE };
    const events = (await server.services.runs.events(run.id, { first: PAGE_SIZE })).events;

    const url = server.url;
    const body = JSON.stringify({ query: PAGE_QUERY, variables });
    const http = await medianOf(options.calls, options.warmups, async () => {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      return pageLength((await response.json()) as { data?: unknown; errors?: unknown });
    });
    // Fetched now, while the keep-alive socket is warm: after the seconds of in-process
    // measuring below (which block this process's event loop, the server's too), the
    // server has closed the idle socket without the client noticing, and a reuse is reset.
    const responseText = await (
      await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
    ).text();

    apollo = createApolloServer(await buildApiSchema());
    await apollo.start();
    const services = server.services;
    const inProcess = await medianOf(options.calls, options.warmups, async () => {
      const response = await apollo!.executeOperation(
        { query: PAGE_QUERY, variables },
        { contextValue: { services, identity: { role: "anonymous" }, client: "bench" } },
      );
      if (response.body.kind !== "single") throw new Error("bench: expected a single result");
      return pageLength(response.body.singleResult);
    });

    const schema = minimalSchema(events);
    const document = parse(PAGE_QUERY);
    const ceiling = await medianOf(options.calls, options.warmups, async () =>
      pageLength(await execute({ schema, document, variableValues: variables })),
    );

    // Parts of our figures, measured apart so that the notes say where the time goes.
    const read = await medianOf(options.calls, options.warmups, async () => {
      const page = await services.runs.events(run.id, { first: PAGE_SIZE });
      return page.events.length;
    });
    const apiSchema = await buildApiSchema();
    const apiExecute = await medianOf(options.calls, options.warmups, async () =>
      pageLength(
        await execute({
          schema: apiSchema,
          document,
          variableValues: variables,
          contextValue: { services, identity: { role: "anonymous" }, client: "bench" },
        }),
      ),
    );
    const clientParse = await medianOf(options.calls, options.warmups, async () =>
      pageLength(JSON.parse(responseText) as { data?: unknown; errors?: unknown }),
    );

    const row = (name: string, ours: { medianMs: number }, how: string): BenchRow => {
      const ratio = ours.medianMs / ceiling.medianMs;
      return {
        name,
        ours: ms(ours),
        ceiling: ms(ceiling),
        ratio,
        target: "ours/ceiling <= 1.5",
        ok: ratio <= 1.5,
        note:
          `${how}; ceiling: graphql-js execute, hand-written schema, the same ${PAGE_SIZE} events in an array ` +
          `(query parsed once); median of ${options.calls} calls each after ${options.warmups} warm-up${options.warmups === 1 ? "" : "s"}, ` +
          `NODE_ENV=${process.env["NODE_ENV"] ?? "(unset)"}`,
      };
    };
    return [
      row(
        "graphql 1000-event page, HTTP",
        http,
        "POST to a real server on port 0 (express, Apollo, type-graphql resolvers, run service, SQLite), response parsed; " +
          `the client's JSON.parse of the ${Math.round(responseText.length / 1024)} KB response alone ` +
          `takes ${ms(clientParse)}`,
      ),
      row(
        "graphql 1000-event page, in-process",
        inProcess,
        "Apollo executeOperation on the API's schema and the same services (type-graphql, run service, SQLite), " +
          `no HTTP; measured apart: the run service's page read (SQLite rows, JSON.parse of vclock and data) ` +
          `${ms(read)}, graphql-js execute of the API's schema with that read ${ms(apiExecute)}`,
      ),
    ];
  } finally {
    await apollo?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
