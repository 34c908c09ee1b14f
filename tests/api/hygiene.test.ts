import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import type { GraphQLFormattedError } from "graphql";
import { formatError } from "../../src/api/errors";
import { post, query, wsClient } from "./client";
import { useServer } from "./server-fixture";

// Issue 12 and 13's hygiene: a subscription over HTTP, a bad subscription document
// over graphql-ws, and internal errors (of an operation, or of a run) that reach the
// client as an id only.

const api = useServer("faultline-hygiene-");

/** Runs body and returns what it wrote with console.error (the server runs in this process). */
async function loggedDuring(body: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => {
    lines.push(parts.map((part) => (part instanceof Error ? (part.stack ?? part.message) : String(part))).join(" "));
  };
  try {
    await body();
  } finally {
    console.error = original;
  }
  return lines.join("\n");
}

test("a subscription sent over HTTP is a BAD_REQUEST (400) that points at graphql-ws, and logs nothing", async () => {
  const logged = await loggedDuring(async () => {
    const response = await fetch(api.server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: 'subscription { runEvents(runId: "x") { seq } }' }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { errors: GraphQLFormattedError[] };
    assert.equal(body.errors[0]?.extensions?.["code"], "BAD_REQUEST");
    assert.match(body.errors[0]?.message ?? "", /graphql-ws/);
    assert.ok(body.errors[0]?.message.includes(api.server.wsUrl));
  });
  assert.equal(logged, "");
});

test("a subscription with a syntax error is an error for it alone: two live subscriptions on the socket go on", async () => {
  const run = (
    await query<{ startRun: { id: string } }>(
      api.server.url,
      'mutation { startRun(scenarioId: "2pc-happy-path", pace: 20) { id eventCount } }',
    )
  ).startRun;
  const total = (await waitCompleted(run.id)).eventCount;
  const live = await query<{ startRun: { id: string } }>(
    api.server.url,
    'mutation { startRun(scenarioId: "2pc-happy-path", pace: 30) { id } }',
  );
  const client = wsClient(api.server.wsUrl);
  try {
    const text = `subscription ($id: ID!) { runEvents(runId: $id) { seq } }`;
    const follow = () =>
      new Promise<number[]>((resolve, reject) => {
        const seqs: number[] = [];
        client.subscribe<{ runEvents: { seq: number } }>(
          { query: text, variables: { id: live.startRun.id } },
          {
            next: (result) => seqs.push(result.data?.runEvents.seq ?? -1),
            error: reject,
            complete: () => resolve(seqs),
          },
        );
      });
    const first = follow();
    const second = follow();
    const broken = await new Promise<readonly GraphQLFormattedError[]>((resolve, reject) => {
      client.subscribe(
        { query: "subscription { runEvents(runId: " },
        {
          next: () => reject(new Error("answered")),
          error: (errors) => resolve(errors as GraphQLFormattedError[]),
          complete: () => reject(new Error("completed")),
        },
      );
    });
    assert.equal(broken[0]?.extensions?.["code"], "GRAPHQL_PARSE_FAILED");
    assert.match(broken[0]?.message ?? "", /Syntax Error/);
    const everything = Array.from({ length: total }, (_, seq) => seq);
    assert.deepEqual(await first, everything);
    assert.deepEqual(await second, everything);
  } finally {
    await client.dispose();
  }
});

async function waitCompleted(runId: string): Promise<{ eventCount: number }> {
  for (;;) {
    const { run } = await query<{ run: { status: string; eventCount: number } }>(
      api.server.url,
      `query ($id: ID!) { run(id: $id) { status eventCount } }`,
      { id: runId },
    );
    if (run.status !== "RUNNING") return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("an unexpected error reaches the client as an id only; the log has the id and the error", async () => {
  let formatted: GraphQLFormattedError | undefined;
  const logged = await loggedDuring(async () => {
    formatted = formatError(
      { message: "ENOENT: /srv/secret/path/faultline.db", path: ["run"] },
      new Error("ENOENT: /srv/secret/path/faultline.db"),
    );
  });
  const errorId = formatted?.extensions?.["errorId"];
  assert.equal(typeof errorId, "string");
  assert.equal(formatted?.extensions?.["code"], "INTERNAL_SERVER_ERROR");
  assert.doesNotMatch(formatted?.message ?? "", /secret/);
  assert.ok(formatted?.message.includes(errorId as string));
  assert.ok(logged.includes(errorId as string) && logged.includes("/srv/secret/path"), logged);
});

test("Run.error: a raw internal error is shown as an id (and the seed); a user-facing reason as it is", async () => {
  const started = (text: string) => query<{ startRun: { id: string } }>(api.server.url, text);
  const broken = (await started('mutation { startRun(scenarioId: "2pc-happy-path", seed: 3) { id } }')).startRun.id;
  const paced = (await started('mutation { startRun(scenarioId: "2pc-happy-path", pace: 5000) { id } }')).startRun.id;
  await query(api.server.url, `mutation ($id: ID!) { cancelRun(runId: $id) { id } }`, { id: paced });
  // What a crashed worker leaves behind, written into the real database file.
  const raw = "TypeError: Cannot read properties of undefined (reading 'log') at /srv/faultline/dist/raft.js:120";
  const db = new Database(join(api.dir, "faultline.db"));
  try {
    db.prepare("UPDATE runs SET status = 'FAILED', error = ? WHERE id = ?").run(
      `${raw} (reproduce with seed=3)`,
      broken,
    );
  } finally {
    db.close();
  }
  const read = async (id: string) =>
    (await query<{ run: { error: string } }>(api.server.url, `query ($id: ID!) { run(id: $id) { error } }`, { id })).run
      .error;
  let shown = "";
  const logged = await loggedDuring(async () => {
    shown = await read(broken);
    assert.equal(await read(broken), shown, "the same id on every read");
  });
  assert.doesNotMatch(shown, /TypeError|\/srv/);
  assert.match(shown, /internal error \(id [0-9a-f]{12}/);
  assert.match(shown, /\(reproduce with seed=3\)$/);
  const errorId = /id ([0-9a-f]{12})/.exec(shown)?.[1] ?? "?";
  assert.ok(logged.includes(errorId) && logged.includes(raw), logged);
  assert.equal(logged.split("\n").length, 1, "logged once");
  assert.match(await read(paced), /^cancelled by request after \d+ stored events/);
  const listed = await post<{ runs: { nodes: Array<{ id: string; error: string | null }> } }>(
    api.server.url,
    "{ runs { nodes { id error } } }",
  );
  assert.equal(listed.data?.runs.nodes.find((run) => run.id === broken)?.error, shown);
});
