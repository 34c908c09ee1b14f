import { test } from "node:test";
import assert from "node:assert/strict";
import { checkScenarioQuestions, evaluate, goalMet, querySchema, runSchedule, subjectOf } from "../../src/grading";
import type { Json } from "../../src/sim/json";
import { scenario } from "./helpers";

// Issue 9: questions on at least one scenario per topic, at least four per scenario,
// mixing types, with one schedule challenge per topic. These check the questions of
// consensus, clocks and crdt against the runs they ask about.

const QUESTIONED = ["2pc-coordinator-crash", "raft-stale-read", "vector-clock-concurrency", "lww-set-lost-add"];

test("one scenario per topic carries at least four questions of mixed types and one schedule challenge", () => {
  const topics = new Set<string>();
  for (const id of QUESTIONED) {
    const loaded = scenario(id);
    const { questions, problems } = checkScenarioQuestions(loaded);
    assert.deepEqual(problems, [], id);
    assert.ok(questions.length >= 4, `${id}: ${questions.length} questions`);
    assert.ok(new Set(questions.map((question) => question.type)).size >= 3, `${id}: mixed types`);
    assert.equal(questions.filter((question) => question.type === "SCHEDULE").length, 1, `${id}: one challenge`);
    topics.add(loaded.topic);
  }
  assert.deepEqual([...topics].sort(), ["clocks", "consensus", "crdt", "transactions"]);
});

test("precedes is real-time order: the acknowledged write comes before the stale read, not after", () => {
  const base = scenario("raft-stale-read");
  const run = subjectOf(base, base.spec.seed);
  const ask = (query: unknown): Json => evaluate(querySchema.parse(query), run).value;
  const write = { match: { kind: "CLIENT_RETURN", data: { request: "r2", "result.ok": true } } };
  const read = { match: { kind: "CLIENT_RETURN", data: { "result.mode": "local" } } };
  const events = run.result.events;
  const writeEvent = events.find((event) => event.kind === "CLIENT_RETURN" && event.data?.["request"] === "r2");
  const readEvent = events.find((event) => event.kind === "CLIENT_RETURN" && event.data?.["request"] === "r3");
  assert.ok(writeEvent && readEvent && writeEvent.time < readEvent.time);
  assert.equal(ask({ precedes: [write, read] }), true);
  assert.equal(ask({ precedes: [read, write] }), false);
  // Not causality: the write (at n3) and the read (at n1, cut off) are concurrent.
  assert.equal(ask({ happenedBefore: [write, read] }), false);
  assert.equal(ask({ concurrent: [write, read] }), true);
  assert.deepEqual(evaluate(querySchema.parse({ precedes: [write, read] }), run).justification, [
    writeEvent.seq,
    readEvent.seq,
  ]);
});

/** Runs a SCHEDULE question of a scenario with a student's faults: whether the goal is met. */
function tryChallenge(id: string, faults: Json): boolean {
  const loaded = scenario(id);
  const question = checkScenarioQuestions(loaded).questions.find((candidate) => candidate.type === "SCHEDULE");
  assert.ok(question && question.spec.type === "SCHEDULE");
  const scheduled = runSchedule(loaded, loaded.spec.seed, faults, question.spec);
  assert.ok(scheduled.ok, id);
  return goalMet(question.spec.goal, scheduled.subject).met;
}

test("each schedule challenge is met by a schedule that does what it asks, and not by one that does not", () => {
  // Stale read: n1 must be cut off from the majority before the write of x = 2.
  assert.equal(tryChallenge("raft-stale-read", [{ at: 400, do: "isolate", node: "n1" }]), true);
  assert.equal(tryChallenge("raft-stale-read", [{ at: 0, do: "heal" }]), false);
  assert.equal(tryChallenge("raft-stale-read", [{ at: 0, do: "crash", node: "n3" }]), false);
  // Vector clocks: n1 must send x=3 without having heard (even indirectly) of x=2.
  assert.equal(
    tryChallenge("vector-clock-concurrency", [
      { at: 30, do: "crash", node: "n1" },
      { at: 60, do: "recover", node: "n1" },
    ]),
    true,
  );
  assert.equal(tryChallenge("vector-clock-concurrency", [{ at: 0, do: "cut", from: "n1", to: "n3" }]), false);
  // LWW-Set: the add keeps its place only if its timestamp beats the later remove's (a clock ahead).
  assert.equal(tryChallenge("lww-set-lost-add", [{ at: 0, do: "clock", node: "n1", offset: 50 }]), true);
  assert.equal(tryChallenge("lww-set-lost-add", [{ at: 0, do: "heal" }]), false);
  assert.equal(tryChallenge("lww-set-lost-add", [{ at: 0, do: "clock", node: "n2", offset: 50 }]), false);
});
