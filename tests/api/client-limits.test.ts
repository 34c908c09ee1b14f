import assert from "node:assert/strict";
import { test } from "node:test";
import type { GraphQLFormattedError } from "graphql";
import WebSocket from "ws";
import { post, query, wsClient } from "./client";
import { useServer } from "./server-fixture";
import { projectRoot } from "../../src/api/paths";
import { join } from "node:path";

// Per-client limits: the rate of operations, runs in progress and live subscriptions,
// and the size of a request (HTTP body and WebSocket message alike). A client is its
// bearer token, or its address when it sends none.

const RATE = 40;
const api = useServer("faultline-client-limits-", join(projectRoot, "scenarios"), {
  limits: { rateLimit: RATE, rateWindowSeconds: 60, runsPerClient: 2, subscriptionsPerClient: 2, maxBodyBytes: 4096 },
});
const limited = useServer("faultline-client-rate-", join(projectRoot, "scenarios"), {
  limits: { rateLimit: 3, rateWindowSeconds: 60 },
});

const START = `mutation ($scenarioId: ID!, $pace: Int) { startRun(scenarioId: $scenarioId, pace: $pace) { id status } }`;
const CANCEL = `mutation ($id: ID!) { cancelRun(runId: $id) { id status } }`;

test("the rate limit: the 4th operation in the window is 429 RATE_LIMITED with the limit, a retry time and Retry-After", async () => {
  for (let index = 0; index < 3; index++) await query(limited.server.url, "{ __typename }");
  const response = await fetch(limited.server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  assert.equal(response.status, 429);
  assert.ok(Number(response.headers.get("retry-after")) >= 1);
  const body = (await response.json()) as { errors: GraphQLFormattedError[] };
  const extensions = body.errors[0]?.extensions ?? {};
  assert.equal(extensions["code"], "RATE_LIMITED");
  assert.equal(extensions["limit"], 3);
  assert.equal(extensions["limitName"], "FAULTLINE_RATE_LIMIT");
  assert.ok((extensions["retryAfterMs"] as number) > 0);
  // Another client (another bearer token) has its own budget.
  const other = await post(limited.server.url, "{ __typename }", {}, { authorization: "Bearer someone-else" });
  assert.equal(other.errors, undefined, JSON.stringify(other.errors));
  // Over WebSocket the same client is refused too: an error for that operation only.
  const client = wsClient(limited.server.wsUrl);
  try {
    const errors = await new Promise<readonly GraphQLFormattedError[]>((resolve, reject) => {
      client.subscribe(
        { query: "{ __typename }" },
        {
          next: () => reject(new Error("a rate-limited operation was answered")),
          error: (error) => resolve(error as GraphQLFormattedError[]),
          complete: () => reject(new Error("completed without an error")),
        },
      );
    });
    assert.equal(errors[0]?.extensions?.["code"], "RATE_LIMITED");
  } finally {
    await client.dispose();
  }
});

test("runs per client: a third paced run is refused while two are RUNNING; cancelling one frees its slot", async () => {
  const url = api.server.url;
  const start = () =>
    post<{ startRun: { id: string; status: string } }>(url, START, { scenarioId: "2pc-happy-path", pace: 5000 });
  const first = await start();
  const second = await start();
  assert.equal(first.data?.startRun.status, "RUNNING");
  assert.equal(second.data?.startRun.status, "RUNNING");
  const third = await start();
  const extensions = third.errors?.[0]?.extensions ?? {};
  assert.deepEqual(
    { code: extensions["code"], limit: extensions["limit"], limitName: extensions["limitName"] },
    { code: "LIMIT_EXCEEDED", limit: 2, limitName: "FAULTLINE_RUNS_PER_CLIENT" },
  );
  await query(url, CANCEL, { id: first.data?.startRun.id });
  const fourth = await start();
  assert.equal(fourth.data?.startRun.status, "RUNNING", JSON.stringify(fourth.errors));
  await query(url, CANCEL, { id: second.data?.startRun.id });
  await query(url, CANCEL, { id: fourth.data?.startRun.id });
});

test("runs per client, concurrently: of 6 unpaced runs sent at once at most 2 are simulated together", async () => {
  const answers = await Promise.all(
    Array.from({ length: 6 }, () =>
      post<{ startRun: { id: string; status: string } }>(api.server.url, START, { scenarioId: "raft-stale-read" }),
    ),
  );
  let completed = 0;
  for (const answer of answers) {
    if (answer.data?.startRun !== undefined) {
      assert.equal(answer.data.startRun.status, "COMPLETED");
      completed++;
    } else assert.equal(answer.errors?.[0]?.extensions?.["limitName"], "FAULTLINE_RUNS_PER_CLIENT");
  }
  assert.ok(completed >= 2, `at least the first two run: ${completed}`);
  assert.ok(completed < 6, "some were refused: all six arrived while the first two were simulated");
  // Once they are done, the client may start runs again.
  const again = await post<{ startRun: { status: string } }>(api.server.url, START, { scenarioId: "2pc-happy-path" });
  assert.equal(again.data?.startRun.status, "COMPLETED", JSON.stringify(again.errors));
});

test("subscriptions per client: a third live one is refused, the first two go on; completing one frees a slot", async () => {
  const url = api.server.url;
  const run = (await query<{ startRun: { id: string } }>(url, START, { scenarioId: "2pc-happy-path", pace: 200 }))
    .startRun;
  const client = wsClient(api.server.wsUrl);
  const text = `subscription ($id: ID!) { runEvents(runId: $id) { seq } }`;
  try {
    const live = (): Promise<() => void> =>
      new Promise((resolve, reject) => {
        const stop = client.subscribe<{ runEvents: { seq: number } }>(
          { query: text, variables: { id: run.id } },
          { next: () => resolve(stop), error: reject, complete: () => undefined },
        );
      });
    const stopFirst = await live();
    await live();
    const refused = await live().then(
      () => undefined,
      (errors: GraphQLFormattedError[]) => errors,
    );
    assert.equal(refused?.[0]?.extensions?.["limitName"], "FAULTLINE_SUBSCRIPTIONS_PER_CLIENT");
    assert.equal(refused?.[0]?.extensions?.["limit"], 2);
    stopFirst();
    // The server frees the slot when it has processed the complete message; ask until it has.
    let again: (() => void) | undefined;
    for (let attempt = 0; again === undefined && attempt < 50; attempt++) {
      again = await live().catch(() => undefined);
    }
    assert.ok(again !== undefined, "a slot was freed by completing a subscription");
  } finally {
    await client.dispose();
    await query(url, CANCEL, { id: run.id });
  }
});

test("request size: a body over FAULTLINE_MAX_BODY_BYTES is 413 with the limit; a WebSocket message over it closes 1009", async () => {
  const big = `{ __typename } # ${"x".repeat(5000)}`;
  const response = await fetch(api.server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: big }),
  });
  assert.equal(response.status, 413);
  const body = (await response.json()) as { errors: GraphQLFormattedError[] };
  assert.deepEqual(body.errors[0]?.extensions, {
    code: "LIMIT_EXCEEDED",
    limit: 4096,
    limitName: "FAULTLINE_MAX_BODY_BYTES",
  });
  const socket = new WebSocket(api.server.wsUrl, "graphql-transport-ws");
  await new Promise<void>((resolve) => socket.once("open", () => resolve()));
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.send(JSON.stringify({ type: "connection_init", payload: { padding: "x".repeat(5000) } }));
  assert.equal(await closed, 1009);
});
