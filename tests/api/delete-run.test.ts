import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database";
import { GradingTables } from "../../src/store/grading";
import { post } from "./client";
import { useServer } from "./server-fixture";

const api = useServer("faultline-delete-run-");

// Issue 13: Mutation.deleteRun over real HTTP; who may delete, and what is never deleted.

const as = (token: string | null): Record<string, string> =>
  token === null ? {} : { authorization: `Bearer ${token}` };

async function startRun(pace?: number): Promise<string> {
  const started = await post<{ startRun: { id: string } }>(
    api.server.url,
    `mutation($pace: Int) { startRun(scenarioId: "2pc-happy-path", pace: $pace) { id } }`,
    { pace: pace ?? null },
  );
  assert.equal(started.errors, undefined);
  return started.data?.startRun.id as string;
}

async function deleteRun(
  runId: string,
  token: string | null,
): Promise<{ deleted?: boolean; code?: unknown; argumentName?: unknown }> {
  const answer = await post<{ deleteRun: boolean }>(
    api.server.url,
    `mutation($id: ID!) { deleteRun(runId: $id) }`,
    { id: runId },
    as(token),
  );
  const error = answer.errors?.[0];
  if (error !== undefined)
    return { code: error.extensions?.["code"], argumentName: error.extensions?.["argumentName"] };
  return { deleted: answer.data?.deleteRun as boolean };
}

async function runExists(runId: string): Promise<boolean> {
  const answer = await post<{ run: { id: string } | null }>(api.server.url, `query($id: ID!) { run(id: $id) { id } }`, {
    id: runId,
  });
  return answer.data?.run !== null;
}

/** Another connection to the server's database, for what the API cannot do (set an owner, link a submission). */
function withDb<T>(work: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(join(api.dir, "faultline.db"));
  try {
    return work(db);
  } finally {
    db.close();
  }
}

test("deleteRun: an instructor deletes any run, a student only their own, an anonymous client none", async () => {
  const tokens = withDb((db) => {
    const grading = new GradingTables(db);
    const ada = grading.createStudent("Ada");
    const bob = grading.createStudent("Bob");
    return {
      instructor: grading.createToken("instructor", null),
      ada: grading.createToken("student", ada.id),
      adaId: ada.id,
      bob: grading.createToken("student", bob.id),
    };
  });

  const anonymousRun = await startRun();
  assert.equal((await deleteRun(anonymousRun, null)).code, "UNAUTHENTICATED");
  assert.equal((await deleteRun(anonymousRun, "fl_i_forged")).code, "UNAUTHENTICATED");
  assert.equal((await deleteRun(anonymousRun, tokens.ada)).code, "FORBIDDEN", "nobody owns it: instructors only");
  assert.equal(await runExists(anonymousRun), true, "a refused delete deletes nothing");
  assert.deepEqual(await deleteRun(anonymousRun, tokens.instructor), { deleted: true });
  assert.equal(await runExists(anonymousRun), false);
  assert.equal((await deleteRun(anonymousRun, tokens.instructor)).code, "NOT_FOUND");

  const adasRun = await startRun();
  withDb((db) => db.prepare("UPDATE runs SET owner_student_id = ? WHERE id = ?").run(tokens.adaId, adasRun));
  assert.equal((await deleteRun(adasRun, tokens.bob)).code, "FORBIDDEN");
  assert.deepEqual(await deleteRun(adasRun, tokens.ada), { deleted: true }, "the owner deletes their own run");
  assert.equal(await runExists(adasRun), false);
});

test("deleteRun refuses a RUNNING run (cancel it first) and a run a submission links to", async () => {
  const instructorToken = withDb((db) => {
    return new GradingTables(db).createToken("instructor", null);
  });
  const live = await startRun(10_000);
  assert.deepEqual(await deleteRun(live, instructorToken), { code: "BAD_USER_INPUT", argumentName: "runId" });
  await post(api.server.url, `mutation($id: ID!) { cancelRun(runId: $id) { status } }`, { id: live });
  assert.deepEqual(await deleteRun(live, instructorToken), { deleted: true }, "once cancelled it can be deleted");

  const graded = await startRun();
  withDb((db) => {
    db.prepare("INSERT INTO students (id, name, created_at) VALUES ('st-link', 'Cy', 'now')").run();
    db.prepare("INSERT INTO assignments (id, title, settings, created_at) VALUES ('as-link', 'A', '{}', 'now')").run();
    db.prepare(
      `INSERT INTO submissions (id, assignment_id, student_id, created_at, seeds, answers, score, max_score, feedback)
       VALUES ('sub-link', 'as-link', 'st-link', 'now', '{}', '{}', 1, 1, ?)`,
    ).run(JSON.stringify([{ questionId: "q", runId: graded }]));
  });
  assert.deepEqual(await deleteRun(graded, instructorToken), { code: "BAD_USER_INPUT", argumentName: "runId" });
  assert.equal(await runExists(graded), true);
});

test("two deletes of one run at once: exactly one deletes it, the other finds nothing", async () => {
  const instructorToken = withDb((db) => {
    return new GradingTables(db).createToken("instructor", null);
  });
  const runId = await startRun();
  const answers = await Promise.all([deleteRun(runId, instructorToken), deleteRun(runId, instructorToken)]);
  assert.deepEqual(answers.map((answer) => answer.deleted ?? answer.code).sort(), ["NOT_FOUND", true].sort());
});
