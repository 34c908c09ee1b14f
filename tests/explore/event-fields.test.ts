import { test } from "node:test";
import assert from "node:assert/strict";
import { causeOf, changesOf, messageOf } from "../../src/explore/event-fields";
import { runScenario } from "../../src/scenarios/runner";
import type { TraceEvent } from "../../src/sim/types";
import { realCatalog, realScenario } from "./helpers";

const HANDLERS = ["DELIVER", "TIMER", "CLIENT_INVOKE", "RECOVER"];

test("on every real scenario: messages pair by id, and a protocol's steps name a handler event at their node and time", () => {
  for (const scenario of realCatalog().scenarios) {
    const { events } = runScenario(scenario);
    const bySeq = new Map(events.map((event) => [event.seq, event]));
    for (const event of events) {
      const message = messageOf(event);
      if (["SEND", "DELIVER", "DROP", "DUPLICATE"].includes(event.kind)) {
        assert.ok(message, `${scenario.id} #${event.seq} ${event.kind} has a message`);
        const sendSeq = event.data?.["sendSeq"];
        if (typeof sendSeq === "number") assert.equal(messageOf(bySeq.get(sendSeq) as TraceEvent)?.id, message.id);
      } else {
        assert.equal(message, null);
      }
      const cause = causeOf(event, events.slice(0, event.seq));
      if (typeof event.data?.["cause"] === "number") assert.equal(cause, event.data["cause"]);
      else if (cause !== null && (event.kind === "STATE_CHANGE" || event.kind === "NOTE")) {
        const handler = bySeq.get(cause) as TraceEvent;
        assert.ok(HANDLERS.includes(handler.kind), `${scenario.id} #${event.seq}: cause ${cause} is ${handler.kind}`);
        assert.equal(handler.node, event.node);
        assert.equal(handler.time, event.time);
      }
      const changes = changesOf(event);
      if (event.kind === "STATE_CHANGE") assert.ok(Array.isArray(changes), `${scenario.id} #${event.seq}`);
      else assert.equal(changes, null);
    }
  }
});

test("a DUPLICATE's copies share the message id of their SEND", () => {
  const { events } = runScenario(realScenario("gcounter-partition-merge"));
  const duplicate = events.find((event) => event.kind === "DUPLICATE");
  assert.ok(duplicate);
  const id = messageOf(duplicate)?.id;
  const sharing = events.filter((event) => messageOf(event)?.id === id);
  assert.deepEqual(
    sharing.map((event) => event.kind).sort(),
    ["DELIVER", "DELIVER", "DUPLICATE", "SEND"],
    "one send, the duplicate, and both copies delivered",
  );
});

test("changes: previousX beside X, value beside previous, or the new facts alone", () => {
  const base = { seq: 1, time: 0, node: "n1", summary: "", lamport: 1, vclock: {} } as const;
  const raft = changesOf({ ...base, kind: "STATE_CHANGE", data: { event: "term", term: 3, previousTerm: 2 } });
  assert.deepEqual(raft, [{ path: "term", before: 2, after: 3 }]);
  const crdt = changesOf({ ...base, kind: "STATE_CHANGE", data: { value: [1], previous: [], cause: { op: "add" } } });
  assert.deepEqual(crdt, [{ path: "value", before: [], after: [1] }]);
  const facts = changesOf({ ...base, kind: "STATE_CHANGE", data: { fact: "work", tx: "t1", state: "active" } });
  assert.deepEqual(facts, [
    { path: "state", before: null, after: "active" },
    { path: "tx", before: null, after: "t1" },
  ]);
  assert.equal(changesOf({ ...base, kind: "NOTE", data: null }), null);
});
