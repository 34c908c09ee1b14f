import { test } from "node:test";
import assert from "node:assert/strict";
import { openStore } from "../../src/store";
import { join } from "node:path";
import { post } from "./client";
import { useServer } from "./server-fixture";

const api = useServer("faultline-grading-api-");

// Grading over real HTTP: roles from bearer tokens, every refusal with its code.

test("an instructor creates a student and an assignment; the student submits; forged tokens and other roles are refused", async () => {
  const { store } = openStore(join(api.dir, "faultline.db"));
  const instructorToken = store.grading.createToken("instructor", null);
  store.close();
  const as = (token: string | null): Record<string, string> =>
    token === null ? {} : { authorization: `Bearer ${token}` };

  const created = await post<{ createStudent: { student: { id: string }; token: string } }>(
    api.server.url,
    `mutation { createStudent(name: "Ada") { student { id } token } }`,
    {},
    as(instructorToken),
  );
  assert.equal(created.errors, undefined);
  const student = created.data?.createStudent;
  assert.ok(student);

  const assignment = await post<{ createAssignment: { id: string; items: { questions: { id: string }[] }[] } }>(
    api.server.url,
    `mutation { createAssignment(input: { title: "Crash", scenarioIds: ["2pc-coordinator-crash"] }) { id items { questions { id } } } }`,
    {},
    as(instructorToken),
  );
  assert.equal(assignment.errors, undefined);
  const assignmentId = assignment.data?.createAssignment.id as string;
  assert.ok((assignment.data?.createAssignment.items[0]?.questions.length ?? 0) >= 4);

  const submitted = await post<{
    submitAnswers: { score: number; maxScore: number; feedback: { questionId: string; correct: boolean }[] };
  }>(
    api.server.url,
    `mutation($id: ID!) { submitAnswers(assignmentId: $id, answers: [{ questionId: "2pc-coordinator-crash/who-crashed", value: "coord" }]) { score maxScore feedback { questionId correct } } }`,
    { id: assignmentId },
    as(student.token),
  );
  assert.equal(submitted.errors, undefined);
  assert.ok((submitted.data?.submitAnswers.score ?? 0) >= 1);

  const codeOf = async (query: string, token: string | null): Promise<unknown> =>
    (await post(api.server.url, query, { id: assignmentId }, as(token))).errors?.[0]?.extensions?.["code"];
  const book = `query($id: ID!) { gradebook(assignmentId: $id) { best } }`;
  assert.equal(await codeOf(book, student.token), "FORBIDDEN");
  assert.equal(await codeOf(book, null), "UNAUTHENTICATED");
  assert.equal(await codeOf(book, "fl_i_forged"), "UNAUTHENTICATED");
  assert.equal(await codeOf(`mutation { createStudent(name: "Eve") { token } }`, student.token), "FORBIDDEN");
});
