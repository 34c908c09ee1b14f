import assert from "node:assert/strict";
import { test } from "node:test";
import { getIntrospectionQuery } from "graphql";
import { collect, post, query, wsClient, type GraphQLResponse } from "./client";
import { LARGE, largeScenarios, SMALL } from "./large-scenario";
import { useServer } from "./server-fixture";

// Issue 13's holes, as a hostile client would try them: 300 aliases of concurrentWith
// on a long run, 1,000 aliases of events(first: 1000). Each is refused before any
// resolver runs (no data at all), with a code, the limit and the variable that sets it.

const LARGE_EVENTS = 20_000;
const scenarios = largeScenarios(LARGE_EVENTS);
/** Default limits: the shape rules refuse the holes first. */
const api = useServer("faultline-limits-", scenarios);
/** Shape limits opened wide, so that the same holes reach the price and are refused by it. */
const open = useServer("faultline-limits-open-", scenarios, {
  limits: { maxAliases: 100_000, maxTokens: 1_000_000, maxDepth: 100 },
});

interface Refusal {
  readonly code: string;
  readonly limit: number;
  readonly limitName: string;
}

function refusalOf(response: GraphQLResponse<unknown>): Refusal {
  assert.equal(response.data, undefined, `a refused operation has no data: ${JSON.stringify(response.data)}`);
  assert.equal(response.errors?.length, 1, JSON.stringify(response.errors));
  const extensions = response.errors?.[0]?.extensions ?? {};
  return { code: extensions["code"], limit: extensions["limit"], limitName: extensions["limitName"] } as Refusal;
}

async function wsRefusal(wsUrl: string, text: string): Promise<Refusal> {
  const client = wsClient(wsUrl);
  try {
    const results = await collect(client, text, {});
    assert.equal(results.length, 1, JSON.stringify(results));
    return refusalOf(results[0] as GraphQLResponse<unknown>);
  } finally {
    await client.dispose();
  }
}

const runIds = new Map<string, string>();
async function runOf(url: string, scenarioId: string): Promise<{ id: string; eventCount: number }> {
  const started = await query<{ startRun: { id: string; eventCount: number; status: string } }>(
    url,
    `mutation { startRun(scenarioId: "${scenarioId}") { id eventCount status } }`,
  );
  assert.equal(started.startRun.status, "COMPLETED");
  runIds.set(`${url} ${scenarioId}`, started.startRun.id);
  return started.startRun;
}

const aliases = (count: number, field: string): string =>
  Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(" ");

test("300 aliases of concurrentWith on a long run: refused by the token limit; 21 aliases by the alias limit", async () => {
  const run = await runOf(api.server.url, LARGE);
  assert.ok(run.eventCount >= LARGE_EVENTS, `a long run: ${run.eventCount} events`);
  const hole = `{ run(id: "${run.id}") { ${aliases(300, "concurrentWith(seq: 5)")} } }`;
  const tokens = { code: "LIMIT_EXCEEDED", limit: 2000, limitName: "FAULTLINE_MAX_TOKENS" };
  assert.deepEqual(refusalOf(await post(api.server.url, hole)), tokens);
  assert.deepEqual(await wsRefusal(api.server.wsUrl, hole), tokens);
  const fewer = `{ run(id: "${run.id}") { ${aliases(21, "concurrentWith(seq: 5)")} } }`;
  const aliasLimit = { code: "LIMIT_EXCEEDED", limit: 20, limitName: "FAULTLINE_MAX_ALIASES" };
  assert.deepEqual(refusalOf(await post(api.server.url, fewer)), aliasLimit);
  assert.deepEqual(await wsRefusal(api.server.wsUrl, fewer), aliasLimit);
});

test("1,000 aliases of events(first: 1000): refused by the token limit, the first limit they meet", async () => {
  const run = await runOf(api.server.url, SMALL);
  const text = `{ run(id: "${run.id}") { ${aliases(1000, "events(first: 1000) { events { seq data } }")} } }`;
  const expected = { code: "LIMIT_EXCEEDED", limit: 2000, limitName: "FAULTLINE_MAX_TOKENS" };
  assert.deepEqual(refusalOf(await post(api.server.url, text)), expected);
  assert.deepEqual(await wsRefusal(api.server.wsUrl, text), expected);
});

test("with the shape limits opened, the same holes are refused by their price (FAULTLINE_MAX_COST)", async () => {
  const long = await runOf(open.server.url, LARGE);
  const expected = { code: "LIMIT_EXCEEDED", limit: 20_000, limitName: "FAULTLINE_MAX_COST" };
  const scans = `{ run(id: "${long.id}") { ${aliases(300, "concurrentWith(seq: 5)")} } }`;
  assert.deepEqual(refusalOf(await post(open.server.url, scans)), expected);
  assert.deepEqual(await wsRefusal(open.server.wsUrl, scans), expected);
  const pages = `{ run(id: "${long.id}") { ${aliases(1000, "events(first: 1000) { events { seq } }")} } }`;
  assert.deepEqual(refusalOf(await post(open.server.url, pages)), expected);
  assert.deepEqual(await wsRefusal(open.server.wsUrl, pages), expected);
  const refused = await post(open.server.url, scans);
  assert.match(refused.errors?.[0]?.message ?? "", /cost \d+ points/);
});

test("concurrentWith is priced by the run's length: 15 scans of a short run run, of a long run are refused", async () => {
  const short = await runOf(api.server.url, SMALL);
  const long = await runOf(api.server.url, LARGE);
  const scans = (id: string) => `{ run(id: "${id}") { ${aliases(15, "concurrentWith(seq: 5)")} } }`;
  const answered = await query<{ run: Record<string, number[]> }>(api.server.url, scans(short.id));
  assert.equal(Object.keys(answered.run).length, 15);
  const byVariable = await post(api.server.url, `query ($id: ID!) ${scans("$id").replace('"$id"', "$id")}`, {
    id: long.id,
  });
  assert.deepEqual(refusalOf(byVariable), { code: "LIMIT_EXCEEDED", limit: 20_000, limitName: "FAULTLINE_MAX_COST" });
  // A run reached through a list is priced as a run of 10,000 events (1,001 points a scan): 20 scans are too many.
  const listed = await post(
    api.server.url,
    `{ runs(first: 1) { nodes { ${aliases(20, "concurrentWith(seq: 0)")} } } }`,
  );
  assert.equal(refusalOf(listed).limitName, "FAULTLINE_MAX_COST");
});

test("depth, directives and tokens each have their limit, named in the refusal", async () => {
  let deep = "name";
  for (let level = 0; level < 12; level++) deep = `ofType { ${deep} }`;
  const tooDeep = await post(api.server.url, `{ __type(name: "Run") { fields { type { ${deep} } } } }`);
  assert.deepEqual(refusalOf(tooDeep), { code: "LIMIT_EXCEEDED", limit: 10, limitName: "FAULTLINE_MAX_DEPTH" });
  const directives = Array.from({ length: 21 }, () => "__typename @include(if: true)").join(" ");
  const tooManyDirectives = await post(api.server.url, `{ ${directives} }`);
  assert.deepEqual(refusalOf(tooManyDirectives), {
    code: "LIMIT_EXCEEDED",
    limit: 20,
    limitName: "FAULTLINE_MAX_DIRECTIVES",
  });
  // graphql-js's own token limit stops the parser; its message is how the refusal is recognised.
  const tokens = await post(api.server.url, `{ ${"__typename ".repeat(2001)} }`);
  assert.deepEqual(refusalOf(tokens), { code: "LIMIT_EXCEEDED", limit: 2000, limitName: "FAULTLINE_MAX_TOKENS" });
});

test("what the IDE and a course frontend send still passes: introspection, a page of 1,000 events", async () => {
  const schema = await post<{ __schema: { types: unknown[] } }>(api.server.url, getIntrospectionQuery());
  assert.equal(schema.errors, undefined, JSON.stringify(schema.errors));
  assert.ok((schema.data?.__schema.types.length ?? 0) > 10);
  const long = runIds.get(`${api.server.url} ${LARGE}`) ?? (await runOf(api.server.url, LARGE)).id;
  const page = await query<{ run: { events: { events: unknown[] } } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { events(first: 1000) { events { seq time node kind summary lamport vclock data } } } }`,
    { id: long },
  );
  assert.equal(page.run.events.events.length, 1000);
  const one = await query<{ run: { concurrentWith: number[] } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { concurrentWith(seq: 5) } }`,
    { id: long },
  );
  assert.ok(Array.isArray(one.run.concurrentWith));
});
