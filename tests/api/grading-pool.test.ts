import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
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

const api = useServer("faultline-grading-pool-");

// Grading runs scenarios in a worker pool: the API's event loop stays free while it
// grades. And the gradebook as CSV, instructors only.

const SUBMIT = `mutation($id: ID!, $answers: [AnswerInput!]!) {
  submitAnswers(assignmentId: $id, answers: $answers) { score maxScore feedback { questionId correct run { id } } }
}`;

test("the server answers a small query while 20 schedule submissions are being graded", async () => {
  const instructor = tokenInDatabase(api, "instructor");
  const assignmentId = await createAssignment(api, instructor, { personalSeeds: true });
  const students = await Promise.all(
    Array.from({ length: 20 }, (_, index) => createStudent(api, instructor, `Student ${index}`)),
  );
  let graded = 0;
  const submissions = students.map(async (student) => {
    const response = await post<{ submitAnswers: { feedback: { correct: boolean; run: { id: string } | null }[] } }>(
      api.server.url,
      SUBMIT,
      {
        id: assignmentId,
        answers: [
          { questionId: `${GRADED_SCENARIO}/keep-them-waiting`, value: GOOD_SCHEDULE },
          { questionId: `${GRADED_SCENARIO}/who-crashed`, value: "coord" },
        ],
      },
      bearer(student.token),
    );
    graded += 1;
    return response;
  });
  // Once the first is back the others are being graded; a small query must not wait for them.
  await Promise.race(submissions);
  await ok<{ scenarios: { id: string }[] }>(api, null, `{ scenarios { id } }`);
  assert.ok(graded < students.length, `the query was answered after ${graded} of ${students.length} gradings`);

  const responses = await Promise.all(submissions);
  for (const response of responses) {
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const feedback = response.data?.submitAnswers.feedback ?? [];
    const schedule = feedback.find((one) => one.run !== null);
    assert.equal(schedule?.correct, true, "every schedule met its goal on its student's seed");
  }
  const runIds = responses.map((response) => response.data?.submitAnswers.feedback.find((one) => one.run)?.run?.id);
  assert.equal(new Set(runIds).size, students.length, "each schedule made and stored its own run");
  const book = await ok<{ gradebook: { attempts: number }[] }>(
    api,
    instructor,
    `query($id: ID!) { gradebook(assignmentId: $id) { attempts } }`,
    { id: assignmentId },
  );
  assert.equal(book.gradebook.length, students.length);
});

test("GET /assignments/:id/gradebook.csv: the gradebook for an instructor; 401 without a valid token, 403 for a student", async () => {
  const instructor = tokenInDatabase(api, "instructor");
  const ada = await createStudent(api, instructor, 'Ada, "the first"');
  const assignmentId = await createAssignment(api, instructor, {});
  await ok(api, ada.token, SUBMIT, {
    id: assignmentId,
    answers: [{ questionId: `${GRADED_SCENARIO}/who-crashed`, value: "coord" }],
  });
  const origin = new URL(api.server.url).origin;
  const get = (id: string, token: string | null): Promise<Response> =>
    fetch(`${origin}/assignments/${encodeURIComponent(id)}/gradebook.csv`, { headers: bearer(token) });

  const csv = await get(assignmentId, instructor);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
  const lines = (await csv.text()).trimEnd().split("\n");
  assert.deepEqual(lines, ["student_id,name,best,latest,attempts", `${ada.id},"Ada, ""the first""",1,1,1`]);

  for (const [token, status] of [
    [null, 401],
    ["fl_i_forged", 401],
    [ada.token, 403],
  ] as const) {
    const refused = await get(assignmentId, token);
    assert.equal(refused.status, status);
    assert.match(refused.headers.get("content-type") ?? "", /^text\/plain/);
    const body = await refused.text();
    assert.ok(body.length > 0 && !body.includes(ada.id), "a plain message, no gradebook");
  }
  assert.equal((await get("assignment-none", instructor)).status, 404);
});

test("the README's student submission example grades as written", async () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const example = /```graphql\n(# as a student[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example !== undefined, "the README's grading section has the student example");
  const instructor = tokenInDatabase(api, "instructor");
  const ada = await createStudent(api, instructor, "Ada");
  const assignmentId = await createAssignment(api, instructor, {});
  const data = await ok<{ submitAnswers: { score: number; feedback: { run: { id: string } | null }[] } }>(
    api,
    ada.token,
    example,
    { id: assignmentId },
  );
  assert.equal(data.submitAnswers.score, 3, "both answers are right: who crashed (1) and the schedule (2)");
  assert.ok(data.submitAnswers.feedback.some((one) => one.run !== null));
});
