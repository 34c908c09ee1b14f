import "reflect-metadata";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, validate } from "graphql";
import { projectRoot } from "../../src/api/paths";
import { buildApiSchema } from "../../src/api/schema";
import { post, query } from "./client";
import { useServer } from "./server-fixture";
import * as H from "../checkers/serializability-histories";

/** Query.checkSerializability over real HTTP, against a real server on port 0. */

const api = useServer("faultline-ser-api-");

const CHECK = `query Check($history: JSON!, $timeoutMs: Int) {
  checkSerializability(history: $history, timeoutMs: $timeoutMs) {
    verdict transactions elapsedMs reason
    anomalies { type cycle explanation edges { from to kind key explanation } }
    edgeCounts { ww wr rw realtime process }
  }
}`;

interface CheckData {
  checkSerializability: {
    verdict: string;
    transactions: number;
    elapsedMs: number;
    reason: string | null;
    anomalies: {
      type: string;
      cycle: number[];
      explanation: string;
      edges: { from: number; kind: string; key: unknown }[];
    }[];
    edgeCounts: Record<string, number>;
  };
}

test("a serializable history checks SERIALIZABLE over HTTP, with its counts and time", async () => {
  const { checkSerializability: result } = await query<CheckData>(api.server.url, CHECK, { history: H.SERIALIZABLE });
  assert.equal(result.verdict, "SERIALIZABLE");
  assert.equal(result.transactions, 3);
  assert.deepEqual(result.anomalies, []);
  assert.deepEqual(result.edgeCounts, { ww: 1, wr: 2, rw: 0, realtime: 0, process: 0 });
  assert.ok(result.elapsedMs >= 0);
});

test("write skew comes back as G2_ITEM with its two transactions and rw edges", async () => {
  const { checkSerializability: result } = await query<CheckData>(api.server.url, CHECK, { history: H.G2_ITEM });
  assert.equal(result.verdict, "NOT_SERIALIZABLE");
  const [anomaly] = result.anomalies;
  assert.equal(anomaly?.type, "G2_ITEM");
  assert.deepEqual([...anomaly.cycle].sort(), [0, 1]);
  assert.deepEqual(
    anomaly.edges.map((edge) => edge.kind),
    ["RW", "RW"],
  );
});

test("a stale read with realtime: true is G_SINGLE through a REALTIME edge", async () => {
  const { checkSerializability: result } = await query<CheckData>(api.server.url, CHECK, { history: H.STALE_READ });
  assert.equal(result.anomalies[0]?.type, "G_SINGLE");
  assert.deepEqual(result.anomalies[0]?.edges.map((edge) => edge.kind).sort(), ["REALTIME", "RW"]);
});

test("a malformed history is BAD_USER_INPUT naming the transaction, op index and field", async () => {
  const history = { kind: "list-append", txns: [{ process: 0, type: "ok", ops: [["append", "x"]] }] };
  const response = await post<CheckData>(api.server.url, CHECK, { history });
  const error = response.errors?.[0];
  assert.equal(error?.extensions?.["code"], "BAD_USER_INPUT");
  assert.equal(error?.extensions?.["argumentName"], "history");
  assert.equal(error?.extensions?.["historyPath"], "txns[0].ops[0]");
  assert.match(error?.message ?? "", /txns\[0\]\.ops\[0\]/);
});

test("timeoutMs out of range is refused by name", async () => {
  const response = await post<CheckData>(api.server.url, CHECK, { history: H.SERIALIZABLE, timeoutMs: 0 });
  assert.equal(response.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.equal(response.errors?.[0]?.extensions?.["argumentName"], "timeoutMs");
});

test("Run.serializability is null for a run without read/write transactions (2PC)", async () => {
  const started = await query<{ startRun: { id: string; serializability: unknown } }>(
    api.server.url,
    `mutation { startRun(scenarioId: "2pc-happy-path") { id serializability { verdict } } }`,
  );
  assert.equal(started.startRun.serializability, null);
});

test("the README's serializability example is valid and answers what the README says", async () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const section = /<!-- section:serializability -->([\s\S]*?)<!-- \/section:serializability -->/.exec(readme)?.[1];
  assert.ok(section !== undefined, "README.md has a serializability section");
  const example = /```graphql\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example !== undefined, "the section has a GraphQL example");
  assert.deepEqual(
    validate(await buildApiSchema(), parse(example)).map((error) => error.message),
    [],
  );
  const data = await query<{
    checkSerializability: { verdict: string; anomalies: { type: string; cycle: number[] }[] };
  }>(api.server.url, example);
  assert.equal(data.checkSerializability.verdict, "NOT_SERIALIZABLE");
  assert.deepEqual(
    data.checkSerializability.anomalies.map((anomaly) => [anomaly.type, [...anomaly.cycle].sort()]),
    [["G2_ITEM", [0, 1]]],
  );
  assert.match(section, /G2_ITEM` anomaly, `cycle: \[0, 1\]`/);
});
