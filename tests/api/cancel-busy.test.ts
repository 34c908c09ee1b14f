import { test } from "node:test";
import assert from "node:assert/strict";
import { post, query } from "./client";
import { useServer } from "./server-fixture";

// One paced run at a time and none waiting: the second paced startRun finds the queue full.
process.env["FAULTLINE_PACED_RUNS"] = "1";
process.env["FAULTLINE_PACED_QUEUE"] = "0";

const api = useServer("faultline-api-cancel-");

interface RunFields {
  readonly id: string;
  readonly status: string;
  readonly eventCount: number;
}

test("over HTTP: a full queue is BUSY with retryAfterMs and the limit; cancelRun ends the run FAILED and frees the slot", async () => {
  const start = `mutation ($pace: Int) { startRun(scenarioId: "2pc-happy-path", pace: $pace) { id status eventCount } }`;
  const first = (await query<{ startRun: RunFields }>(api.server.url, start, { pace: 5_000 })).startRun;
  assert.equal(first.status, "RUNNING");

  const refused = await post<unknown>(api.server.url, start, { pace: 10 });
  assert.equal(refused.errors?.length, 1, JSON.stringify(refused));
  const extensions = refused.errors?.[0]?.extensions ?? {};
  assert.equal(extensions["code"], "BUSY");
  assert.equal(extensions["limit"], 0);
  assert.ok(typeof extensions["retryAfterMs"] === "number" && extensions["retryAfterMs"] > 0);

  const cancel = `mutation ($id: ID!) { cancelRun(runId: $id) { id status eventCount } }`;
  const cancelled = (await query<{ cancelRun: RunFields }>(api.server.url, cancel, { id: first.id })).cancelRun;
  assert.equal(cancelled.id, first.id);
  assert.equal(cancelled.status, "FAILED");

  const again = await post<unknown>(api.server.url, cancel, { id: first.id });
  assert.equal(again.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.equal(again.errors?.[0]?.extensions?.["argumentName"], "runId");

  // The slot comes free once the cancelled run's task has stopped.
  for (let attempt = 0; ; attempt++) {
    const next = await post<{ startRun: RunFields }>(api.server.url, start, { pace: 1 });
    if (next.errors === undefined) {
      assert.equal(next.data?.startRun.status, "RUNNING");
      break;
    }
    assert.equal(next.errors[0]?.extensions?.["code"], "BUSY");
    assert.ok(attempt < 200, "the cancelled run's slot never came free");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
});
