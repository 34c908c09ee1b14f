import { test } from "node:test";
import assert from "node:assert/strict";
import { post } from "./client";
import {
  bearer,
  createAssignment,
  createStudent,
  GOOD_SCHEDULE,
  GRADED_SCENARIO,
  ok,
  tokenInDatabase,
} from "./grading-helpers";
import { useServer } from "./server-fixture";

// One grading thread and two tasks waiting: a fourth submission in flight finds the queue full.
const WORKERS = 1;
const QUEUE = 2;
process.env["FAULTLINE_GRADING_WORKERS"] = String(WORKERS);
process.env["FAULTLINE_GRADING_QUEUE"] = String(QUEUE);

const api = useServer("faultline-grading-busy-");

// The grading pool's refusal (src/grading/pool.ts): a submission beyond the queue is
// refused with BUSY before anything is graded or stored, and the ones admitted are
// graded and stored as usual. Many are sent at once, so that some must wait for the one
// thread (the first of them also waits for the thread to start); which ones are refused
// depends on arrival, so the test checks every answer is one or the other, and the sums.

const SUBMIT = `mutation($id: ID!, $answers: [AnswerInput!]!) {
  submitAnswers(assignmentId: $id, answers: $answers) { id score feedback { questionId correct run { id } } }
}`;

/** The extensions of the first BUSY refusal seen, for the limitName check below. */
let busyExtensions: Record<string, unknown> | undefined;

interface Submitted {
  readonly id: string;
  readonly score: number;
  readonly feedback: readonly { questionId: string; correct: boolean; run: { id: string } | null }[];
}

test("submissions beyond FAULTLINE_GRADING_QUEUE are BUSY and store nothing; the admitted ones are graded", async () => {
  const instructor = tokenInDatabase(api, "instructor");
  const assignmentId = await createAssignment(api, instructor, { personalSeeds: true });
  const students = await Promise.all(
    Array.from({ length: 24 }, (_, index) => createStudent(api, instructor, `Student ${index}`)),
  );
  const answers = [
    { questionId: `${GRADED_SCENARIO}/keep-them-waiting`, value: GOOD_SCHEDULE },
    { questionId: `${GRADED_SCENARIO}/who-crashed`, value: "coord" },
  ];
  const responses = await Promise.all(
    students.map((student) =>
      post<{ submitAnswers: Submitted }>(api.server.url, SUBMIT, { id: assignmentId, answers }, bearer(student.token)),
    ),
  );

  const admitted = new Map<string, Submitted>();
  const refused = new Set<string>();
  for (const [index, response] of responses.entries()) {
    const student = students[index] as { id: string };
    if (response.errors === undefined) {
      admitted.set(student.id, response.data?.submitAnswers as Submitted);
      continue;
    }
    assert.equal(response.errors.length, 1, JSON.stringify(response.errors));
    const extensions = response.errors[0]?.extensions ?? {};
    assert.deepEqual({ code: extensions["code"], limit: extensions["limit"] }, { code: "BUSY", limit: QUEUE });
    assert.equal(response.data ?? null, null, "a refusal carries no submission");
    busyExtensions ??= extensions;
    refused.add(student.id);
  }
  assert.ok(refused.size > 0, `all ${students.length} submissions were admitted: the queue bound was never reached`);
  assert.ok(
    admitted.size >= WORKERS + QUEUE,
    `only ${admitted.size} admitted: the first ${WORKERS + QUEUE} in flight always fit`,
  );

  // Every admitted submission was graded: both answers right (who crashed 1 point, the schedule 2), its schedule its own run.
  for (const submitted of admitted.values()) {
    const answered = submitted.feedback.filter((one) => answers.some((answer) => answer.questionId === one.questionId));
    assert.deepEqual(
      answered.map((one) => one.correct),
      [true, true],
    );
    assert.equal(submitted.score, 3);
  }
  const runIds = [...admitted.values()].map((submitted) => submitted.feedback.find((one) => one.run)?.run?.id);
  assert.equal(new Set(runIds).size, admitted.size, "each admitted schedule made its own run");

  // What is stored is exactly the admitted: their submissions and runs, none for a refused student.
  const stored = await ok<{
    gradebook: { student: { id: string }; attempts: number }[];
    submissions: { id: string; student: { id: string } }[];
    runs: { totalCount: number; nodes: { id: string }[] };
  }>(
    api,
    instructor,
    `query($id: ID!) {
      gradebook(assignmentId: $id) { student { id } attempts }
      submissions(assignmentId: $id) { id student { id } }
      runs(first: 100) { totalCount nodes { id } }
    }`,
    { id: assignmentId },
  );
  const attempts = new Map(stored.gradebook.map((row) => [row.student.id, row.attempts]));
  for (const student of students) {
    assert.equal(attempts.get(student.id) ?? 0, admitted.has(student.id) ? 1 : 0, `attempts of ${student.id}`);
  }
  assert.deepEqual(stored.submissions.map((one) => one.id).sort(), [...admitted.values()].map((one) => one.id).sort());
  assert.deepEqual(stored.runs.nodes.map((run) => run.id).sort(), [...runIds].sort(), "no run for a refused one");

  // The refusal held nothing: a refused student submits again once the queue is free, and is graded.
  const again = students.find((student) => refused.has(student.id)) as { token: string };
  const retried = await ok<{ submitAnswers: Submitted }>(api, again.token, SUBMIT, { id: assignmentId, answers });
  assert.equal(retried.submitAnswers.score, 3);
});

test("the BUSY refusal names its limit in extensions.limitName, as every other limit's refusal does", () => {
  assert.ok(busyExtensions !== undefined, "the test above saw a BUSY refusal");
  assert.equal(busyExtensions["limitName"], "FAULTLINE_GRADING_QUEUE");
});
