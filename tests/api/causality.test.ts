import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { useServer } from "./server-fixture";
import { post, query } from "./client";

// Run.happensBefore and Run.concurrentWith over real HTTP, on the vector-clock scenario
// whose two writes are concurrent by construction (n1 and n2 send at time 0, before
// either has heard from anyone).

interface EventFields {
  seq: number;
  node: string;
  kind: string;
  data: { messageId?: number; from?: string; to?: string } | null;
}

const api = useServer("faultline-causality-");

test("happensBefore and concurrentWith answer from vector clocks", async () => {
  const { startRun } = await query<{ startRun: { id: string; seed: number } }>(
    api.server.url,
    `mutation { startRun(scenarioId: "vector-clock-concurrency") { id seed } }`,
  );
  const { run } = await query<{ run: { events: { events: EventFields[] } } }>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { events(first: 1000) { events { seq node kind data } } } }`,
    { id: startRun.id },
  );
  const events = run.events.events;
  const firstSend = (node: string) => events.find((e) => e.kind === "SEND" && e.node === node);
  const sendN1 = firstSend("n1");
  const sendN2 = firstSend("n2");
  assert.ok(sendN1 && sendN2, `both writers send (seed ${startRun.seed})`);
  const deliverN1 = events.find((e) => e.kind === "DELIVER" && e.data?.messageId === sendN1.data?.messageId);
  assert.ok(deliverN1, "n1's message is delivered");

  const ask = async (a: number, b: number) =>
    (
      await query<{ run: { happensBefore: string } }>(
        api.server.url,
        `query ($id: ID!, $a: Int!, $b: Int!) { run(id: $id) { happensBefore(a: $a, b: $b) } }`,
        { id: startRun.id, a, b },
      )
    ).run.happensBefore;
  assert.equal(await ask(sendN1.seq, sendN2.seq), "CONCURRENT", "two first sends at different nodes are concurrent");
  assert.equal(await ask(sendN1.seq, deliverN1.seq), "BEFORE", "a send happens before its delivery");
  assert.equal(await ask(deliverN1.seq, sendN1.seq), "AFTER");
  assert.equal(await ask(sendN1.seq, sendN1.seq), "SAME");

  const { run: withConcurrent } = await query<{ run: { concurrentWith: number[] } }>(
    api.server.url,
    `query ($id: ID!, $seq: Int!) { run(id: $id) { concurrentWith(seq: $seq) } }`,
    { id: startRun.id, seq: sendN1.seq },
  );
  assert.ok(withConcurrent.concurrentWith.includes(sendN2.seq), "n2's send is concurrent with n1's");
  assert.ok(!withConcurrent.concurrentWith.includes(deliverN1.seq), "its own delivery is not");
  assert.ok(!withConcurrent.concurrentWith.includes(sendN1.seq), "an event is not concurrent with itself");

  const bad = await post<unknown>(
    api.server.url,
    `query ($id: ID!) { run(id: $id) { happensBefore(a: 0, b: 999999) } }`,
    {
      id: startRun.id,
    },
  );
  assert.equal(bad.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.match(bad.errors?.[0]?.message ?? "", /b/);
});
