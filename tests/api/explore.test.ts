import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildApiSchema } from "../../src/api/schema";
import { useServer } from "./server-fixture";
import { collect, post, query, wsClient } from "./client";

// Issue 12's read side over real HTTP: typed event fields, first-class node fields,
// timelines equal to per-seq replays, diagrams (GraphQL and GET), export and import.

interface TypedEvent {
  seq: number;
  time: number;
  node: string;
  kind: string;
  data: Record<string, unknown> | null;
  message: { id: string; type: string; from: string; to: string; payload: { type?: string } | null } | null;
  cause: number | null;
  changes: { path: string; before: unknown; after: unknown }[] | null;
}

interface NodeFields {
  node: string;
  up: boolean;
  role: string | null;
  term: number | null;
  leader: string | null;
  commitIndex: number | null;
  state: Record<string, unknown> | null;
}

const api = useServer("faultline-explore-");
const NODE_FIELDS = "node up role term leader commitIndex state";

async function startRun(scenarioId: string): Promise<{ id: string; eventCount: number; traceHash: string }> {
  const { startRun: run } = await query<{ startRun: { id: string; eventCount: number; traceHash: string } }>(
    api.server.url,
    `mutation ($s: ID!) { startRun(scenarioId: $s) { id eventCount traceHash } }`,
    { s: scenarioId },
  );
  return run;
}

async function allEvents(runId: string): Promise<TypedEvent[]> {
  const { run } = await query<{ run: { events: { events: TypedEvent[] } } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { events(first: 1000) { events {
      seq time node kind data message { id type from to payload } cause changes { path before after } } } } }`,
    { id: runId },
  );
  return run.events.events;
}

test("events carry message, cause and changes derived from the trace", async () => {
  const run = await startRun("raft-leader-crash");
  const events = await allEvents(run.id);
  const bySeq = new Map(events.map((event) => [event.seq, event]));
  const sends = events.filter((event) => event.kind === "SEND");
  assert.ok(sends.length > 0);
  for (const send of sends) {
    assert.equal(send.message?.id, String(send.data?.["messageId"]));
    assert.equal(send.message?.type, send.message?.payload?.type);
    assert.equal(send.message?.from, send.node);
  }
  const delivers = events.filter((event) => event.kind === "DELIVER");
  for (const deliver of delivers) {
    const send = bySeq.get(deliver.data?.["sendSeq"] as number);
    assert.equal(deliver.message?.id, send?.message?.id, `DELIVER ${deliver.seq} pairs with its SEND by message.id`);
    assert.equal(deliver.message?.to, deliver.node);
  }
  assert.ok(
    events.filter((e) => !["SEND", "DELIVER", "DROP", "DUPLICATE"].includes(e.kind)).every((e) => e.message === null),
  );

  // A term change lists term (and role when it steps down) with before and after.
  const termChange = events.find((e) => e.kind === "STATE_CHANGE" && e.data?.["event"] === "term");
  assert.ok(termChange);
  const term = termChange.changes?.find((change) => change.path === "term");
  assert.deepEqual(term, { path: "term", before: termChange.data?.["previousTerm"], after: termChange.data?.["term"] });
  assert.ok(events.filter((e) => e.kind !== "STATE_CHANGE").every((e) => e.changes === null));

  // Every protocol STATE_CHANGE after start is a step of a handler event at its node and time.
  const stepped = events.filter((e) => e.kind === "STATE_CHANGE" && e.cause !== null);
  assert.ok(stepped.length > 0);
  for (const event of stepped) {
    const cause = bySeq.get(event.cause as number);
    assert.ok(cause && cause.seq < event.seq, `STATE_CHANGE ${event.seq}'s cause precedes it`);
    assert.ok(
      ["DELIVER", "TIMER", "CLIENT_INVOKE", "RECOVER"].includes(cause.kind),
      `cause of ${event.seq}: ${cause.kind}`,
    );
    assert.equal(cause.node, event.node);
    assert.equal(cause.time, event.time);
  }
  // A SEND made while handling a DELIVER names that DELIVER, as the core recorded it.
  const reply = sends.find((send) => send.data?.["cause"] !== undefined);
  assert.equal(reply?.cause, reply?.data?.["cause"]);
});

test("nodes(atSeq) has role, term, leader and commitIndex first-class", async () => {
  const run = await startRun("raft-leader-election");
  const { run: found } = await query<{ run: { nodes: NodeFields[] } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { nodes { ${NODE_FIELDS} } } }`,
    { id: run.id },
  );
  const leader = found.nodes.find((node) => node.role === "leader");
  assert.ok(leader, "someone leads at the end of an election");
  for (const node of found.nodes) {
    assert.equal(node.role, node.state?.["role"]);
    assert.equal(node.term, node.state?.["term"]);
    assert.equal(node.commitIndex, node.state?.["commitIndex"]);
    assert.equal(node.leader, node.state?.["leader"]);
  }
});

test("timeline frames equal per-seq replays (nodes(atSeq)), with network and timers", async () => {
  const run = await startRun("raft-leader-crash");
  const last = run.eventCount - 1;
  const every = Math.ceil(last / 12);
  const { run: found } = await query<{
    run: {
      timeline: {
        frames: {
          seq: number;
          time: number;
          nodes: NodeFields[];
          network: { partitions: string[][]; cut: { from: string; to: string }[]; paused: string[] };
          timers: { node: string; name: string; deadline: number }[];
        }[];
      };
    };
  }>(
    api.server.url,
    `query ($id: ID!, $every: Int) { run(id: $id) { timeline(every: $every) { frames {
      seq time nodes { ${NODE_FIELDS} } network { partitions cut { from to } paused } timers { node name deadline } } } } }`,
    { id: run.id, every },
  );
  const frames = found.timeline.frames;
  assert.equal(frames[0]?.seq, 0);
  assert.equal(frames[frames.length - 1]?.seq, last, "the last seq always gets a frame");
  for (const frame of frames) {
    const { run: replay } = await query<{ run: { nodes: NodeFields[] } }>(
      api.server.url,
      `query ($id: ID!, $at: Int) { run(id: $id) { nodes(atSeq: $at) { ${NODE_FIELDS} } } }`,
      { id: run.id, at: frame.seq },
    );
    assert.deepEqual(frame.nodes, replay.nodes, `frame ${frame.seq} equals nodes(atSeq: ${frame.seq})`);
    assert.ok(frame.timers.every((timer) => timer.deadline >= frame.time));
  }
  // The cut link is in force between its PARTITION and its HEAL.
  const events = await allEvents(run.id);
  const cut = events.find((e) => e.kind === "PARTITION");
  const heal = events.find((e) => e.kind === "HEAL");
  assert.ok(cut && heal);
  const { run: around } = await query<{
    run: { timeline: { frames: { seq: number; network: { cut: unknown[] } }[] } };
  }>(
    api.server.url,
    `query ($id: ID!, $from: Int, $to: Int) { run(id: $id) { timeline(fromSeq: $from, toSeq: $to, every: 1) {
      frames { seq network { cut { from to } } } } } }`,
    { id: run.id, from: cut.seq, to: heal.seq },
  );
  assert.deepEqual(around.timeline.frames[0]?.network.cut, [{ from: "n1", to: "n5" }]);
  assert.deepEqual(around.timeline.frames.at(-1)?.network.cut, []);
});

test("a timeline with bad arguments is refused naming the argument (the frame limit: explore-limits.test.ts)", async () => {
  const run = await startRun("raft-leader-crash");
  const badEvery = await post<unknown>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { timeline(every: 0) { frames { seq } } } }`,
    { id: run.id },
  );
  assert.equal(badEvery.errors?.[0]?.extensions?.["argumentName"], "every");
  const pastEnd = await post<unknown>(
    api.server.url,
    `query ($id: ID!, $to: Int) { run(id: $id) { timeline(toSeq: $to) { frames { seq } } } }`,
    { id: run.id, to: run.eventCount + 5 },
  );
  assert.equal(pastEnd.errors?.[0]?.extensions?.["argumentName"], "toSeq");
});

test("diagram over GraphQL and at GET /runs/:id/diagram.svg, windowed and capped", async () => {
  const run = await startRun("2pc-coordinator-crash");
  const { run: found } = await query<{ run: { diagram: string } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { diagram(fromSeq: 0, toSeq: 20) } }`,
    { id: run.id },
  );
  assert.match(found.diagram, /^<svg /);
  assert.match(found.diagram, /events 0 to 20/);
  const base = api.server.url.replace(/\/graphql$/, "");
  const response = await fetch(`${base}/runs/${run.id}/diagram.svg?fromSeq=0&toSeq=20`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^image\/svg\+xml/);
  assert.equal(await response.text(), found.diagram);
  const wide = await fetch(`${base}/runs/${run.id}/diagram.svg?fromSeq=0&toSeq=999999`);
  assert.equal(wide.status, 400);
  assert.match(await wide.text(), /MAX_DIAGRAM_EVENTS/);
  const missing = await fetch(`${base}/runs/no-such-run/diagram.svg`);
  assert.equal(missing.status, 404);
  const bad = await fetch(`${base}/runs/${run.id}/diagram.svg?fromSeq=abc`);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /fromSeq/);
  const capped = await post<unknown>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { diagram(fromSeq: 0, toSeq: 5000) } }`,
    { id: run.id },
  );
  assert.equal(capped.errors?.[0]?.extensions?.["limitName"], "MAX_DIAGRAM_EVENTS");
  assert.equal(typeof capped.errors?.[0]?.extensions?.["limit"], "number");
});

test("a JSON export imports back to a new run with the same trace hash; other formats and bad data", async () => {
  const run = await startRun("2pc-coordinator-crash");
  const { run: exported } = await query<{ run: { json: string; shiviz: string; history: string } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { json: export(format: JSON) shiviz: export(format: SHIVIZ) history: export(format: HISTORY) } }`,
    { id: run.id },
  );
  assert.match(exported.shiviz, /^\(\?<host>/);
  assert.match(exported.history, /:type :invoke/);
  const { importRun } = await query<{
    importRun: { id: string; status: string; traceHash: string; eventCount: number };
  }>(api.server.url, `mutation ($data: String!) { importRun(data: $data) { id status traceHash eventCount } }`, {
    data: exported.json,
  });
  assert.notEqual(importRun.id, run.id);
  assert.equal(importRun.status, "COMPLETED");
  assert.equal(importRun.traceHash, run.traceHash);
  assert.equal(importRun.eventCount, run.eventCount);
  const original = await allEvents(run.id);
  const copy = await allEvents(importRun.id);
  assert.deepEqual(copy, original);

  const tampered = JSON.parse(exported.json) as { events: { summary: string }[] };
  (tampered.events[0] as { summary: string }).summary = "something else";
  const refused = await post<unknown>(api.server.url, `mutation ($data: String!) { importRun(data: $data) { id } }`, {
    data: JSON.stringify(tampered),
  });
  assert.equal(refused.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.match(refused.errors?.[0]?.message ?? "", /traceHash/);
  const notJson = await post<unknown>(api.server.url, `mutation { importRun(data: "{nope") { id } }`);
  assert.equal(notJson.errors?.[0]?.extensions?.["argumentName"], "data");
  assert.match(notJson.errors?.[0]?.message ?? "", /not JSON/);
});

test("topics in order with their scenarios; an unknown topic is an error naming the known ones", async () => {
  const { topics } = await query<{
    topics: {
      id: string;
      title: string;
      prerequisites: string[];
      scenarios: { id: string; topic: string; topicInfo: { id: string } | null }[];
    }[];
  }>(
    api.server.url,
    `{ topics { id title summary prerequisites objectives scenarios { id topic topicInfo { id } } } }`,
  );
  assert.ok(topics.length >= 5);
  const seen = new Set<string>();
  for (const topic of topics) {
    for (const prerequisite of topic.prerequisites)
      assert.ok(seen.has(prerequisite), `${prerequisite} comes before ${topic.id}`);
    seen.add(topic.id);
    assert.ok(topic.scenarios.length > 0);
    for (const scenario of topic.scenarios) {
      assert.equal(scenario.topic, topic.id);
      assert.equal(scenario.topicInfo?.id, topic.id, "a scenario's topic as a typed object");
    }
  }
  const unknown = await post<unknown>(api.server.url, `{ scenarios(topic: "astrology") { id } }`);
  assert.equal(unknown.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.match(unknown.errors?.[0]?.message ?? "", /astrology/);
  assert.match(unknown.errors?.[0]?.message ?? "", /consensus/);
});

test("network pseudo-events stay out of happened-before answers", async () => {
  const run = await startRun("raft-leader-crash");
  const events = await allEvents(run.id);
  const network = events.filter((event) => event.node === "network");
  const final = events[events.length - 1];
  assert.equal(final?.node, "network");
  const nodeEvent = events.find((event) => event.kind === "SEND");
  assert.ok(nodeEvent);
  const { run: found } = await query<{ run: { concurrentWith: number[] } }>(
    api.server.url,
    `query ($id: ID!, $seq: Int!) { run(id: $id) { concurrentWith(seq: $seq) } }`,
    { id: run.id, seq: nodeEvent.seq },
  );
  for (const event of network)
    assert.ok(!found.concurrentWith.includes(event.seq), `network event ${event.seq} left out`);
  const refused = await post<unknown>(
    api.server.url,
    `query ($id: ID!, $seq: Int!) { run(id: $id) { concurrentWith(seq: $seq) } }`,
    { id: run.id, seq: final?.seq },
  );
  assert.equal(refused.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.match(refused.errors?.[0]?.message ?? "", /network/);
});

test("the schema has issue 12's contract for the read side, by its names", async () => {
  const schema = await buildApiSchema();
  const field = (type: string, name: string): string => {
    const found = schema.getType(type);
    assert.ok(found !== undefined && "getFields" in found, `type ${type} is missing`);
    const fields = found.getFields() as Record<
      string,
      { type: unknown; args?: readonly { name: string; type: unknown }[] }
    >;
    const entry = fields[name];
    assert.ok(entry !== undefined, `${type}.${name} is missing`);
    const args = (entry.args ?? []).map((arg) => `${arg.name}: ${String(arg.type)}`).join(", ");
    return `${String(entry.type)}${args === "" ? "" : ` (${args})`}`;
  };
  assert.equal(field("TraceEvent", "message"), "Message");
  assert.equal(field("TraceEvent", "cause"), "Int");
  assert.equal(field("TraceEvent", "changes"), "[StateChange!]");
  assert.equal(field("Message", "id"), "ID!");
  assert.equal(field("Message", "payload"), "JSON");
  assert.equal(field("StateChange", "path"), "String!");
  assert.equal(field("Run", "timeline"), "Timeline! (fromSeq: Int, toSeq: Int, every: Int)");
  assert.equal(field("Run", "diagram"), "String! (fromSeq: Int, toSeq: Int)");
  assert.equal(field("Run", "export"), "String! (format: ExportFormat!)");
  assert.equal(field("Mutation", "importRun"), "Run! (data: String!)");
  assert.equal(field("Query", "topics"), "[Topic!]!");
  for (const name of ["seq", "nodes", "network", "timers"]) field("TimelineFrame", name);
  for (const name of ["partitions", "cut", "paused"]) field("NetworkState", name);
  for (const name of ["node", "name", "deadline"]) field("TimerState", name);
  for (const name of ["id", "title", "summary", "prerequisites", "objectives", "scenarios"]) field("Topic", name);
  for (const name of ["role", "term", "leader", "commitIndex", "up", "state"]) field("NodeState", name);
});

test("runEvents carries the same typed fields as the stored page", async () => {
  const run = await startRun("raft-leader-election");
  const client = wsClient(api.server.wsUrl);
  try {
    const results = await collect<{ runEvents: TypedEvent }>(
      client,
      `subscription ($id: ID!) { runEvents(runId: $id) {
        seq time node kind data message { id type from to payload } cause changes { path before after } } }`,
      { id: run.id },
    );
    const streamed = results.map((result) => result.data?.runEvents);
    assert.equal(streamed.length, run.eventCount);
    assert.deepEqual(streamed, await allEvents(run.id));
  } finally {
    await client.dispose();
  }
});

test("concurrent timelines and imports each get their own, equal, answers", async () => {
  const run = await startRun("2pc-coordinator-crash");
  const timelineQuery = `query ($id: ID!) { run(id: $id) { timeline { frames { seq nodes { node up role state } } } } }`;
  const { run: exported } = await query<{ run: { export: string } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { export(format: JSON) } }`,
    { id: run.id },
  );
  const answers = await Promise.all([
    ...Array.from({ length: 4 }, () => query<unknown>(api.server.url, timelineQuery, { id: run.id })),
    ...Array.from({ length: 3 }, () =>
      query<{ importRun: { id: string; traceHash: string } }>(
        api.server.url,
        `mutation ($data: String!) { importRun(data: $data) { id traceHash } }`,
        { data: exported.export },
      ),
    ),
  ]);
  for (const answer of answers.slice(1, 4)) assert.deepEqual(answer, answers[0]);
  const imports = answers.slice(4) as { importRun: { id: string; traceHash: string } }[];
  assert.equal(new Set(imports.map((answer) => answer.importRun.id)).size, 3, "three new runs");
  for (const answer of imports) assert.equal(answer.importRun.traceHash, run.traceHash);
});
