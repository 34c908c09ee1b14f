import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { GraphQLFormattedError } from "graphql";
import { createServer, type RunningServer } from "../../src/api/server";
import { useServer } from "./server-fixture";
import { collect, post, query, wsClient } from "./client";
import { readmeApiSection } from "./readme";

// A real server on an ephemeral port, a temporary database file, the real scenarios
// directory; real HTTP (fetch) and the real graphql-ws client over a real WebSocket.

const CRASH = "2pc-coordinator-crash";

interface RunFields {
  id: string;
  seed: number;
  status: "RUNNING" | "COMPLETED" | "FAILED";
  eventCount: number;
  traceHash: string | null;
  stopReason: string | null;
  error: string | null;
  pace: number | null;
  createdAt: string;
}
interface EventFields {
  seq: number;
  time: number;
  node: string;
  kind: string;
  summary: string;
  lamport: number;
  vclock: Record<string, number>;
  data: Record<string, unknown> | null;
}
interface NodeFields {
  node: string;
  up: boolean;
  state: { transactions?: Record<string, { status?: string }> } | null;
}

const RUN = "id seed status eventCount traceHash stopReason error pace createdAt";
const EVENT = "seq time node kind summary lamport vclock data";

const api = useServer("faultline-api-");

async function startRun(scenarioId: string, args: { seed?: number; pace?: number } = {}): Promise<RunFields> {
  const data = await query<{ startRun: RunFields }>(
    api.server.url,
    `mutation Start($scenarioId: ID!, $seed: Int, $pace: Int) {
       startRun(scenarioId: $scenarioId, seed: $seed, pace: $pace) { ${RUN} }
     }`,
    { scenarioId, ...args },
  );
  return data.startRun;
}

async function eventPage(runId: string, args: Record<string, unknown>) {
  const data = await query<{
    run: { events: { events: EventFields[]; nextCursor: number | null; hasMore: boolean } };
  }>(
    api.server.url,
    `query Page($id: ID!, $after: Int, $first: Int, $node: String, $kinds: [EventKind!]) {
       run(id: $id) { events(after: $after, first: $first, node: $node, kinds: $kinds) { events { ${EVENT} } nextCursor hasMore } }
     }`,
    { id: runId, ...args },
  );
  return data.run.events;
}

function codes(errors: readonly GraphQLFormattedError[] | undefined): unknown[] {
  return (errors ?? []).map((error) => error.extensions?.["code"]);
}

function assertNoStackTraces(errors: readonly GraphQLFormattedError[] | undefined): void {
  for (const error of errors ?? []) {
    assert.equal(error.extensions?.["stacktrace"], undefined, `a stack trace reached the client: ${error.message}`);
    assert.doesNotMatch(JSON.stringify(error), /\n\s+at /, "a stack trace reached the client");
  }
}

describe("scenarios", () => {
  test("lists the loaded scenarios, filters by topic, and finds one by id", async () => {
    const all = await query<{ scenarios: Array<{ id: string; topic: string; protocol: string }> }>(
      api.server.url,
      "{ scenarios { id topic protocol } }",
    );
    const ids = all.scenarios.map((scenario) => scenario.id);
    for (const id of [
      "2pc-happy-path",
      "2pc-participant-votes-no",
      CRASH,
      "2pc-coordinator-crash-after-partial-decision",
    ]) {
      assert.ok(ids.includes(id), `scenario ${id} is not served; got ${ids.join(", ")}`);
    }
    assert.equal(new Set(ids).size, ids.length, "a scenario id is served twice");

    const transactions = await query<{ scenarios: Array<{ id: string; topic: string }> }>(
      api.server.url,
      `{ scenarios(topic: "transactions") { id topic } }`,
    );
    assert.ok(transactions.scenarios.length > 0);
    assert.ok(transactions.scenarios.every((scenario) => scenario.topic === "transactions"));
    assert.deepEqual(
      transactions.scenarios.map((scenario) => scenario.id).sort(),
      all.scenarios
        .filter((scenario) => scenario.topic === "transactions")
        .map((scenario) => scenario.id)
        .sort(),
    );

    const one = await query<{
      scenario: {
        id: string;
        title: string;
        protocol: string;
        nodes: string[];
        seed: number;
        source: string;
        objectives: string[];
      };
      missing: null;
    }>(
      api.server.url,
      `query One($id: ID!) {
         scenario(id: $id) { id title protocol nodes seed source objectives }
         missing: scenario(id: "no-such-scenario") { id }
       }`,
      { id: CRASH },
    );
    assert.equal(one.scenario.id, CRASH);
    assert.equal(one.scenario.protocol, "two-phase-commit");
    assert.deepEqual(one.scenario.nodes, ["coord", "p1", "p2", "p3"]);
    assert.match(one.scenario.source, new RegExp(`^id: ${CRASH}$`, "m"));
    assert.ok(one.scenario.objectives.length > 0);
    assert.equal(one.missing, null);
  });
});

describe("an unpaced run of 2pc-coordinator-crash", () => {
  let run: RunFields;

  before(async () => {
    run = await startRun(CRASH);
  });

  test("returns the COMPLETED run with its trace hash", () => {
    assert.equal(run.status, "COMPLETED");
    assert.match(run.traceHash ?? "", /^[0-9a-f]{64}$/);
    assert.ok(run.eventCount > 0);
    assert.equal(run.stopReason, "quiescent");
    assert.equal(run.error, null);
    assert.equal(run.pace, null);
    assert.equal(run.seed, 7, "without a seed the run uses the scenario's own");
    assert.ok(!Number.isNaN(Date.parse(run.createdAt)), `createdAt is not a date: ${run.createdAt}`);
  });

  test("pages through every event in seq order", async () => {
    const seen: EventFields[] = [];
    let after: number | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const result = await eventPage(run.id, { first: 7, after });
      assert.ok(result.events.length <= 7);
      seen.push(...result.events);
      if (!result.hasMore) break;
      assert.equal(result.nextCursor, result.events.at(-1)?.seq);
      after = result.nextCursor ?? undefined;
    }
    assert.deepEqual(
      seen.map((event) => event.seq),
      Array.from({ length: run.eventCount }, (_, seq) => seq),
    );
    for (const event of seen) {
      assert.ok(event.summary.length > 0, `event ${event.seq} has no explanation`);
      assert.ok(event.vclock !== null && typeof event.vclock === "object");
      assert.ok(Number.isInteger(event.lamport) && event.lamport >= 0);
    }
    assert.ok(seen.some((event) => event.kind === "CRASH" && event.node === "coord"));
  });

  test("filters events by node and kind", async () => {
    const crashes = await eventPage(run.id, { node: "coord", kinds: ["CRASH", "RECOVER"] });
    assert.deepEqual(
      crashes.events.map((event) => event.kind),
      ["CRASH", "RECOVER"],
    );
    assert.ok(crashes.events.every((event) => event.node === "coord"));
  });

  test("shows the participants PREPARED and the coordinator down after the crash", async () => {
    const crashes = await eventPage(run.id, { node: "coord", kinds: ["CRASH"] });
    const crashSeq = crashes.events[0]?.seq;
    assert.ok(crashSeq !== undefined, "the coordinator never crashed");
    const data = await query<{ run: { atCrash: NodeFields[]; later: NodeFields[]; end: NodeFields[] } }>(
      api.server.url,
      `query Nodes($id: ID!, $crash: Int!, $later: Int!) {
         run(id: $id) {
           atCrash: nodes(atSeq: $crash) { node up state }
           later: nodes(atSeq: $later) { node up state }
           end: nodes { node up state }
         }
       }`,
      { id: run.id, crash: crashSeq, later: crashSeq + 5 },
    );
    for (const nodes of [data.run.atCrash, data.run.later]) {
      const byName = new Map(nodes.map((node) => [node.node, node]));
      assert.equal(byName.get("coord")?.up, false, "the coordinator is down after its crash");
      assert.equal(byName.get("coord")?.state, null, "a crashed node shows no state");
      for (const participant of ["p1", "p2", "p3"]) {
        assert.equal(byName.get(participant)?.up, true);
        assert.equal(
          byName.get(participant)?.state?.transactions?.["t1"]?.status,
          "PREPARED",
          `${participant} is blocked`,
        );
      }
    }
    // After recovery the coordinator presumes abort (the scenario's own expectation).
    const end = new Map(data.run.end.map((node) => [node.node, node]));
    assert.equal(end.get("coord")?.up, true);
    for (const participant of ["p1", "p2", "p3"]) {
      assert.equal(end.get(participant)?.state?.transactions?.["t1"]?.status, "ABORTED");
    }
  });

  test("has no violations, and the run and runs queries find it", async () => {
    const data = await query<{
      run: { id: string; traceHash: string; violations: unknown[]; scenario: { id: string } };
      runs: { nodes: Array<{ id: string }>; totalCount: number };
    }>(
      api.server.url,
      `query Find($id: ID!, $scenarioId: ID!) {
         run(id: $id) { id traceHash violations { invariant seq message } scenario { id } }
         runs(scenarioId: $scenarioId, first: 100) { nodes { id } totalCount }
       }`,
      { id: run.id, scenarioId: CRASH },
    );
    assert.equal(data.run.id, run.id);
    assert.equal(data.run.traceHash, run.traceHash);
    assert.deepEqual(data.run.violations, []);
    assert.equal(data.run.scenario.id, CRASH);
    assert.ok(data.runs.nodes.some((node) => node.id === run.id));
    assert.ok(data.runs.totalCount >= 1);
  });

  test("the same seed gives the same trace hash; a run id is new every time", async () => {
    const first = await startRun(CRASH, { seed: 42 });
    const second = await startRun(CRASH, { seed: 42 });
    assert.equal(first.status, "COMPLETED");
    assert.equal(first.seed, 42);
    assert.equal(second.traceHash, first.traceHash);
    assert.equal(second.eventCount, first.eventCount);
    assert.notEqual(second.id, first.id);
    const other = await startRun("2pc-happy-path", { seed: 42 });
    assert.notEqual(other.traceHash, first.traceHash, "two different scenarios gave the same trace");
  });
});

describe("runs pagination", () => {
  test("pages through runs with first/after and pageInfo", async () => {
    const created = [
      await startRun("2pc-happy-path"),
      await startRun("2pc-happy-path"),
      await startRun("2pc-happy-path"),
    ];
    const seen: string[] = [];
    let after: string | null = null;
    let totalCount = -1;
    for (let page = 0; page < 100; page += 1) {
      const data: {
        runs: {
          nodes: Array<{ id: string }>;
          pageInfo: { endCursor: string | null; hasNextPage: boolean };
          totalCount: number;
        };
      } = await query(
        api.server.url,
        `query Runs($after: String) {
           runs(scenarioId: "2pc-happy-path", first: 2, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } totalCount }
         }`,
        { after },
      );
      assert.ok(data.runs.nodes.length <= 2);
      seen.push(...data.runs.nodes.map((node) => node.id));
      totalCount = data.runs.totalCount;
      if (!data.runs.pageInfo.hasNextPage) break;
      after = data.runs.pageInfo.endCursor;
      assert.notEqual(after, null, "a page with a next page has an end cursor");
    }
    assert.equal(new Set(seen).size, seen.length, "a run appeared on two pages");
    assert.equal(seen.length, totalCount);
    for (const run of created) assert.ok(seen.includes(run.id), `run ${run.id} is on no page`);
    const order = created.map((run) => seen.indexOf(run.id));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => b - a),
      "runs are listed newest first",
    );
  });
});

describe("errors", () => {
  test("an unknown scenario is NOT_FOUND; an unknown run is null", async () => {
    const response = await post<{ startRun: null }>(
      api.server.url,
      `mutation { startRun(scenarioId: "no-such-scenario") { id } }`,
    );
    assert.deepEqual(codes(response.errors), ["NOT_FOUND"]);
    assert.match(response.errors?.[0]?.message ?? "", /no-such-scenario/);
    assert.equal(response.data, null);
    assertNoStackTraces(response.errors);

    const missing = await post<{ run: null }>(api.server.url, `{ run(id: "no-such-run") { id } }`);
    assert.equal(missing.errors, undefined);
    assert.deepEqual(missing.data, { run: null });
  });

  test("bad arguments are BAD_USER_INPUT and name the argument", async () => {
    const run = await startRun("2pc-happy-path");
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ["first", "query { runs(first: -1) { totalCount } }", {}],
      ["first", "query { runs(first: 100000) { totalCount } }", {}],
      ["pace", `mutation { startRun(scenarioId: "${CRASH}", pace: -5) { id } }`, {}],
      ["pace", `mutation { startRun(scenarioId: "${CRASH}", pace: 0) { id } }`, {}],
      ["pace", `mutation { startRun(scenarioId: "${CRASH}", pace: 10001) { id } }`, {}],
      ["seed", `mutation { startRun(scenarioId: "${CRASH}", seed: -1) { id } }`, {}],
      ["first", "query ($id: ID!) { run(id: $id) { events(first: 0) { hasMore } } }", { id: run.id }],
      ["after", "query ($id: ID!) { run(id: $id) { events(after: -3) { hasMore } } }", { id: run.id }],
      ["atSeq", "query ($id: ID!) { run(id: $id) { nodes(atSeq: -1) { node } } }", { id: run.id }],
    ];
    for (const [argument, text, variables] of cases) {
      const response = await post(api.server.url, text, variables);
      assert.deepEqual(codes(response.errors), ["BAD_USER_INPUT"], `${text}: ${JSON.stringify(response.errors)}`);
      assert.match(response.errors?.[0]?.message ?? "", new RegExp(`"${argument}"`), text);
      assert.equal(response.errors?.[0]?.extensions?.["argumentName"], argument);
      assertNoStackTraces(response.errors);
    }
  });

  test("a service's own refusal keeps its code: a cursor this server never gave out", async () => {
    const response = await post(api.server.url, `{ runs(after: "not-a-cursor") { totalCount } }`);
    assert.deepEqual(codes(response.errors), ["BAD_USER_INPUT"], JSON.stringify(response.errors));
    assert.match(response.errors?.[0]?.message ?? "", /"after"/);
    assertNoStackTraces(response.errors);
  });

  test("an invalid operation is a validation error with its code", async () => {
    const response = await post(api.server.url, "{ scenarios { id noSuchField } }");
    assert.deepEqual(codes(response.errors), ["GRAPHQL_VALIDATION_FAILED"]);
    assertNoStackTraces(response.errors);
    const badVariable = await post(api.server.url, "query ($id: ID!) { run(id: $id) { id } }", {});
    assert.deepEqual(codes(badVariable.errors), ["BAD_USER_INPUT"]);
  });

  test("subscribing to an unknown run is NOT_FOUND over the WebSocket", async () => {
    const client = wsClient(api.server.wsUrl);
    try {
      const results = await collect(client, `subscription { runEvents(runId: "no-such-run") { seq } }`, {});
      const errors = results.flatMap((result) => result.errors ?? []);
      assert.deepEqual(codes(errors), ["NOT_FOUND"]);
      assert.ok(results.every((result) => result.data === undefined || result.data === null));
      assertNoStackTraces(errors);
      const invalid = await collect(client, `subscription { runEvents(runId: "x") { noSuchField } }`, {});
      assert.deepEqual(codes(invalid.flatMap((result) => result.errors ?? [])), ["GRAPHQL_VALIDATION_FAILED"]);
      const negative = await collect(client, `subscription { runEvents(runId: "x", fromSeq: -1) { seq } }`, {});
      assert.deepEqual(codes(negative.flatMap((result) => result.errors ?? [])), ["BAD_USER_INPUT"]);
    } finally {
      await client.dispose();
    }
  });
});

describe("a paced run followed over graphql-ws", () => {
  test("every event arrives in seq order, live, and the subscription completes with the run", async () => {
    const unpaced = await startRun(CRASH, { seed: 11 });
    const paced = await startRun(CRASH, { seed: 11, pace: 10 });
    assert.equal(paced.status, "RUNNING", "a paced run returns at once");
    assert.equal(paced.pace, 10);

    const client = wsClient(api.server.wsUrl);
    let statusAtFirstEvent: Promise<string> | undefined;
    try {
      // fromSeq 0 replays what is stored, so no event is missed however fast the run starts.
      const results = await collect<{ runEvents: EventFields }>(
        client,
        `subscription Follow($runId: ID!) { runEvents(runId: $runId, fromSeq: 0) { ${EVENT} } }`,
        { runId: paced.id },
        () => {
          statusAtFirstEvent ??= query<{ run: { status: string } }>(
            api.server.url,
            `{ run(id: "${paced.id}") { status } }`,
          ).then((data) => data.run.status);
        },
      );
      assert.deepEqual(
        results.flatMap((result) => result.errors ?? []),
        [],
      );
      const events = results.map((result) => result.data?.runEvents);
      assert.deepEqual(
        events.map((event) => event?.seq),
        Array.from({ length: unpaced.eventCount }, (_, seq) => seq),
        "every event, once, in seq order",
      );
      assert.equal(await statusAtFirstEvent, "RUNNING", "events arrived while the run was still running");

      // The subscription completed because the run ended; pace changes timing, not the trace.
      const done = await query<{ run: RunFields }>(api.server.url, `{ run(id: "${paced.id}") { ${RUN} } }`);
      assert.equal(done.run.status, "COMPLETED");
      assert.equal(done.run.eventCount, unpaced.eventCount);
      assert.equal(done.run.traceHash, unpaced.traceHash);
      const stored = await eventPage(unpaced.id, { first: 1000 });
      assert.deepEqual(events, stored.events, "the live events are the stored events");

      // A late subscriber from the middle gets the rest and completes at once.
      const tail = await collect<{ runEvents: { seq: number } }>(
        client,
        `subscription Tail($runId: ID!, $fromSeq: Int) { runEvents(runId: $runId, fromSeq: $fromSeq) { seq } }`,
        { runId: paced.id, fromSeq: 5 },
      );
      assert.deepEqual(
        tail.map((result) => result.data?.runEvents.seq),
        Array.from({ length: unpaced.eventCount - 5 }, (_, index) => index + 5),
      );
    } finally {
      await client.dispose();
    }
  });
});

describe("the README", () => {
  test("its curl example works as pasted", async () => {
    const section = readmeApiSection();
    const body = /-d '([^']+)'/.exec(section)?.[1];
    assert.ok(body !== undefined, "the README's api section has no curl example");
    const response = await fetch(api.server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const result = (await response.json()) as { data?: { startRun: RunFields } };
    assert.equal(result.data?.startRun.status, "COMPLETED");
    assert.match(result.data?.startRun.traceHash ?? "", /^[0-9a-f]{64}$/);
  });
});

describe("a server with its own scenarios directory", () => {
  // A test-only scenario: the coordinator crashes and never returns, and the blocked
  // participants ask for the decision every 5 ms until the run hits maxEvents.
  const LARGE = "2pc-coordinator-never-returns";
  const MAX_EVENTS = 100_000;
  const yaml = [
    `id: ${LARGE}`,
    "title: The coordinator crashes for good (a large run for the API tests)",
    "topic: transactions",
    "protocol: two-phase-commit",
    "summary: Participants stay blocked and keep asking a coordinator that never comes back.",
    "objectives: [Answer queries while a long run executes.]",
    "nodes: [coord, p1, p2, p3]",
    "seed: 7",
    "network: { delay: { min: 2, max: 10 } }",
    "config: { coordinator: coord, decisionRequestMs: 5 }",
    "workload:",
    "  - { at: 0, node: coord, op: begin, args: { tx: t1, participants: [p1, p2, p3], keys: [x] } }",
    "faults:",
    "  - { when: { event: { kind: DELIVER, to: coord, message: VOTE_YES, count: 3 } }, do: crash, node: coord }",
    `limits: { maxTime: 100000000, maxEvents: ${MAX_EVENTS} }`,
    "",
  ].join("\n");

  let large: RunningServer;
  let largeDir: string;

  before(async () => {
    largeDir = mkdtempSync(join(tmpdir(), "faultline-large-"));
    mkdirSync(join(largeDir, "scenarios", "transactions"), { recursive: true });
    writeFileSync(join(largeDir, "scenarios", "transactions", `${LARGE}.yaml`), yaml);
    // A course author's mistake: a fault that names a node the scenario does not have.
    const broken = yaml.replace(`id: ${LARGE}`, "id: broken").replace("node: coord }", "node: coordinator }");
    writeFileSync(join(largeDir, "scenarios", "transactions", "broken.yaml"), broken);
    large = await createServer({
      port: 0,
      dbPath: join(largeDir, "faultline.db"),
      scenariosDir: join(largeDir, "scenarios"),
    });
  });

  after(async () => {
    await large?.close();
    rmSync(largeDir, { recursive: true, force: true });
  });

  test("a bad scenario file is reported with file, line, column and path, and the good one is served", async () => {
    const data = await query<{
      scenarios: Array<{ id: string }>;
      scenarioProblems: Array<{ file: string; line: number; column: number; path: string; message: string }>;
    }>(large.url, "{ scenarios { id } scenarioProblems { file line column path message } }");
    assert.deepEqual(
      data.scenarios.map((scenario) => scenario.id),
      [LARGE],
    );
    assert.equal(data.scenarioProblems.length, 1, JSON.stringify(data.scenarioProblems));
    const [problem] = data.scenarioProblems;
    assert.equal(problem?.file, join("transactions", "broken.yaml"));
    assert.equal(problem?.path, "faults[0].node");
    const faultLine = yaml.split("\n").findIndex((line) => line.includes("do: crash")) + 1;
    assert.equal(problem?.line, faultLine);
    assert.ok((problem?.column ?? 0) > 1);
    assert.match(problem?.message ?? "", /coordinator/);
  });

  test("queries are answered promptly while a large run executes", async (context) => {
    const started = query<{ startRun: RunFields }>(
      large.url,
      `mutation { startRun(scenarioId: "${LARGE}") { ${RUN} } }`,
    );
    const status = async (): Promise<string | undefined> => {
      const data = await query<{ runs: { nodes: Array<{ status: string }> } }>(
        large.url,
        `{ runs(scenarioId: "${LARGE}") { nodes { status } } }`,
      );
      return data.runs.nodes[0]?.status;
    };
    const waitStart = Date.now();
    for (let seen = await status(); seen !== "RUNNING"; seen = await status()) {
      assert.ok(seen === undefined, `the large run was ${seen} before any query could overlap it`);
      assert.ok(Date.now() - waitStart < 10_000, "the large run never showed up as RUNNING");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const latencies: number[] = [];
    for (let index = 0; index < 10; index += 1) {
      const sent = performance.now();
      const data = await query<{ scenarios: Array<{ id: string }> }>(large.url, "{ scenarios { id title } }");
      latencies.push(performance.now() - sent);
      assert.equal(data.scenarios[0]?.id, LARGE);
    }
    assert.equal(
      await status(),
      "RUNNING",
      "the run finished before the queries did, so this test proved nothing: make the run larger",
    );
    const slowest = Math.max(...latencies);
    context.diagnostic(`slowest of 10 queries during the run: ${slowest.toFixed(1)} ms`);
    assert.ok(slowest < 500, `a query took ${slowest.toFixed(0)} ms while the run executed`);

    const run = (await started).startRun;
    assert.equal(run.status, "COMPLETED");
    assert.equal(run.stopReason, "maxEvents");
    // The core stops at the end of the step that reached the limit.
    assert.ok(run.eventCount >= MAX_EVENTS && run.eventCount < MAX_EVENTS + 100, `eventCount ${run.eventCount}`);
  });
});
