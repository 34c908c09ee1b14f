import { test } from "node:test";
import assert from "node:assert/strict";
import { checkScenarioQuestions, grade, subjectOf } from "../../src/grading";
import { evaluate, QueryError } from "../../src/grading/query";
import type { Json } from "../../src/sim/json";
import { scenario } from "./helpers";

// The answer query { linearizability: { field } } (src/grading/history-query.ts): the
// linearizability checker's verdict on a run's client operations, as a key computed
// from the trace, and the goal of the replication topic's schedule challenge.

test("the verdict of a run with a stale local read, with the unplaceable read's events as justification", () => {
  const reads = scenario("raft-linearizable-reads");
  const run = subjectOf(reads, reads.spec.seed);
  const verdict = evaluate({ linearizability: {} }, run);
  assert.equal(verdict.value, "NOT_LINEARIZABLE");
  const [invoke, reply] = verdict.justification;
  const invoked = run.result.events[invoke ?? -1];
  assert.equal(invoked?.kind, "CLIENT_INVOKE");
  assert.equal((invoked?.data?.["args"] as Record<string, Json>)["read"], "local", "the naive local read");
  assert.equal(run.result.events[reply ?? -1]?.kind, "CLIENT_RETURN");
  assert.equal(evaluate({ linearizability: { field: "failedInvoke" } }, run).value, invoke);
  assert.equal(evaluate({ linearizability: { field: "failedReturn" } }, run).value, reply);
});

test("a linearizable run answers LINEARIZABLE and has no failed operation to point at", () => {
  const raft = scenario("cap-partition-cp-raft");
  const run = subjectOf(raft, raft.spec.seed);
  assert.deepEqual(evaluate({ linearizability: {} }, run), { value: "LINEARIZABLE", justification: [] });
  assert.throws(() => evaluate({ linearizability: { field: "failedInvoke" } }, run), QueryError);
});

test("a run without client operations cannot answer, so such a key is a load error", () => {
  const twoPc = scenario("2pc-happy-path");
  assert.throws(
    () => evaluate({ linearizability: {} }, subjectOf(twoPc, twoPc.spec.seed)),
    (error: unknown) => error instanceof QueryError && /client operations/.test(error.message),
  );
  const checked = checkScenarioQuestions({
    ...twoPc,
    questions: [
      {
        id: "verdict",
        prompt: "Linearizable?",
        type: "SINGLE_CHOICE",
        choices: ["LINEARIZABLE", "NOT_LINEARIZABLE"],
        points: 1,
        answer: { linearizability: {} },
      },
    ],
  });
  assert.equal(checked.problems.length, 1);
});

test("the schedule challenge: the scenario's own faults leave the history linearizable, a partition kept past the read does not", () => {
  const handoff = scenario("dynamo-sloppy-quorum-hinted-handoff");
  const checked = checkScenarioQuestions(handoff);
  assert.deepEqual(checked.problems, []);
  const challenge = checked.questions.find((question) => question.localId === "break-linearizability");
  assert.ok(challenge !== undefined);
  const run = subjectOf(handoff, handoff.spec.seed);
  const submit = (schedule: Json) =>
    grade([{ question: challenge, run }], new Map([[challenge.id, schedule]]), false).feedback[0];
  const partition = {
    at: 200,
    do: "partition",
    groups: [
      ["n1", "n2", "n5"],
      ["n3", "n4"],
    ],
  };
  const own = submit([partition, { at: 700, do: "heal" }]);
  assert.equal(own?.correct, false, "the scenario's own schedule heals before the read: not a solution");
  assert.match(JSON.stringify(own), /LINEARIZABLE/, "graded on the verdict, not refused as malformed");
  const kept = submit([
    {
      at: 200,
      do: "partition",
      groups: [
        ["n1", "n2", "n5"],
        ["n3", "n4"],
      ],
    },
  ]);
  assert.equal(kept?.correct, true, JSON.stringify(kept));
});
