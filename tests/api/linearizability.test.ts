import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { breakOneRead, generateHistory } from "../../src/checkers/linearizability/generate";
import { post, query } from "./client";
import { useServer } from "./server-fixture";

// Query.checkLinearizability and Run.linearizability over real HTTP (issue 10's Contract).

const api = useServer("faultline-linearizability-");

const RESULT = "verdict explanation operations prefix failedOp elapsedMs";
const CHECK = `query ($history: JSON!, $timeoutMs: Int) { checkLinearizability(history: $history, timeoutMs: $timeoutMs) { ${RESULT} } }`;

interface Result {
  verdict: string;
  explanation: string;
  operations: number;
  prefix: number[] | null;
  failedOp: number | null;
  elapsedMs: number;
}

const staleRead = {
  model: "register",
  initial: 0,
  operations: [
    { client: 1, op: "write", args: [1], invokeIndex: 0, returnIndex: 1 },
    { client: 2, op: "read", args: [], result: 0, invokeIndex: 2, returnIndex: 3 },
  ],
};

test("checkLinearizability judges a submitted history and says which operation cannot be placed", async () => {
  const { checkLinearizability } = await query<{ checkLinearizability: Result }>(api.server.url, CHECK, {
    history: staleRead,
  });
  assert.equal(checkLinearizability.verdict, "NOT_LINEARIZABLE");
  assert.equal(checkLinearizability.failedOp, 1);
  assert.deepEqual(checkLinearizability.prefix, [0]);
  assert.equal(checkLinearizability.operations, 2);
  assert.ok(checkLinearizability.elapsedMs >= 0);

  const fresh = structuredClone(staleRead);
  fresh.operations[1]!.result = 1;
  const ok = await query<{ checkLinearizability: Result }>(api.server.url, CHECK, { history: fresh, timeoutMs: 1000 });
  assert.equal(ok.checkLinearizability.verdict, "LINEARIZABLE");
  assert.deepEqual(ok.checkLinearizability.prefix, [0, 1]);
  assert.equal(ok.checkLinearizability.failedOp, null);
});

test("a malformed history is BAD_USER_INPUT naming the operation and field", async () => {
  const bad = structuredClone(staleRead);
  bad.operations[1]!.returnIndex = 1;
  const response = await post<{ checkLinearizability: Result }>(api.server.url, CHECK, { history: bad });
  const error = response.errors?.[0];
  assert.equal(error?.extensions?.["code"], "BAD_USER_INPUT");
  assert.equal(error?.extensions?.["argumentName"], "history");
  assert.equal(error?.extensions?.["field"], "operations[1].returnIndex");
  assert.equal(error?.extensions?.["operation"], 1);
});

test("timeoutMs out of bounds is refused, naming the limit", async () => {
  for (const timeoutMs of [0, 60_001]) {
    const response = await post(api.server.url, CHECK, { history: staleRead, timeoutMs });
    const error = response.errors?.[0];
    assert.equal(error?.extensions?.["code"], "BAD_USER_INPUT");
    assert.equal(error?.extensions?.["argumentName"], "timeoutMs");
    assert.match(error?.message ?? "", /60000/);
  }
});

test("Run.linearizability: raft-stale-read's local read is not linearizable; a run without client operations has none", async () => {
  const { startRun } = await query<{ startRun: { id: string; linearizability: Result | null } }>(
    api.server.url,
    `mutation { startRun(scenarioId: "raft-stale-read") { id linearizability { ${RESULT} } } }`,
  );
  const verdict = startRun.linearizability;
  assert.equal(verdict?.verdict, "NOT_LINEARIZABLE");
  assert.equal(verdict?.operations, 5);
  // The failed operation is the third invoked: the local read (workload order: put, put, local get, ...).
  assert.equal(verdict?.failedOp, 2);
  // Asked again, the same verdict (cached for a completed run).
  const again = await query<{ run: { linearizability: Result } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { linearizability { ${RESULT} } } }`,
    { id: startRun.id },
  );
  assert.deepEqual({ ...again.run.linearizability, elapsedMs: 0 }, { ...verdict, elapsedMs: 0 });

  const twoPhase = await query<{ startRun: { linearizability: Result | null } }>(
    api.server.url,
    `mutation { startRun(scenarioId: "2pc-happy-path") { linearizability { verdict } } }`,
  );
  assert.equal(twoPhase.startRun.linearizability, null);
});

test("a history too large for the main thread's first try is checked in a worker thread", async () => {
  const history = generateHistory({ model: "cas-register", clients: 5, operations: 2_000, seed: 3 });
  const ok = await query<{ checkLinearizability: Result }>(api.server.url, CHECK, { history });
  assert.equal(ok.checkLinearizability.verdict, "LINEARIZABLE");
  assert.equal(ok.checkLinearizability.prefix?.length, 2_000);
  assert.ok(breakOneRead(history));
  const broken = await query<{ checkLinearizability: Result }>(api.server.url, CHECK, { history });
  assert.equal(broken.checkLinearizability.verdict, "NOT_LINEARIZABLE");
  assert.equal(history.operations[broken.checkLinearizability.failedOp as number]?.["result"], "never written");
});
