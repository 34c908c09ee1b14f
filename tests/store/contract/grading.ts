import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { NewSubmission } from "../../../src/store";
import { addScenario, newRun, type Backend } from "./backends";

function submission(assignmentId: string, studentId: string, score: number): NewSubmission {
  return { assignmentId, studentId, seeds: "[1,2]", answers: '{"q":"a"}', score, maxScore: 10, feedback: "[]" };
}

/** Students, tokens, assignments, submissions and their attempt limit, the gradebook, run owners. */
export async function gradingContract(t: TestContext, backend: Backend): Promise<void> {
  await t.test("students, tokens and assignments", async (t) => {
    const store = await (await backend.place(t)).owner();
    const ada = await store.grading.createStudent("Ada");
    assert.deepEqual(await store.grading.student(ada.id), ada);
    assert.equal(await store.grading.student("nobody"), undefined);
    const instructor = await store.grading.createToken("instructor", null);
    const student = await store.grading.createToken("student", ada.id, "2026-12-01T00:00:00.000Z");
    assert.deepEqual(await store.grading.identify(instructor), { role: "instructor", studentId: null });
    assert.deepEqual(await store.grading.identify(student, new Date("2026-11-30T00:00:00.000Z")), {
      role: "student",
      studentId: ada.id,
    });
    assert.equal(await store.grading.identify(student, new Date("2026-12-01T00:00:00.000Z")), undefined);
    assert.equal(await store.grading.identify("fl_s_unknown"), undefined);
    await assert.rejects(store.grading.createToken("student", null), "a student token names its student");
    const assignment = await store.grading.createAssignment("Raft", '{"maxAttempts":2}');
    assert.deepEqual(await store.grading.assignment(assignment.id), assignment);
    await assert.rejects(store.grading.createAssignment("Bad", "{not json"), "settings must be JSON");
  });

  await t.test("submissions, attempts, gradebook and run owners", async (t) => {
    const store = await (await backend.place(t)).owner();
    await addScenario(store);
    const [zed, amy] = [await store.grading.createStudent("Zed"), await store.grading.createStudent("Amy")];
    const assignment = await store.grading.createAssignment("Raft", "{}");
    const first = await store.grading.insertSubmission(submission(assignment.id, zed.id, 4), 2);
    await store.grading.insertSubmission(submission(assignment.id, zed.id, 7), 2);
    assert.equal(await store.grading.insertSubmission(submission(assignment.id, zed.id, 9), 2), "attempts-used");
    await store.grading.insertSubmission(submission(assignment.id, amy.id, 8), null);
    await store.grading.insertSubmission(submission(assignment.id, amy.id, 5), null);
    await store.grading.insertSubmission(submission(assignment.id, amy.id, 6), null);
    assert.notEqual(first, "attempts-used");
    if (first === "attempts-used") return;
    assert.deepEqual(await store.grading.submission(first.id), first);
    assert.equal(await store.grading.submission("nope"), undefined);
    assert.equal(await store.grading.attempts(assignment.id, zed.id), 2);
    assert.deepEqual(
      (await store.grading.submissions(assignment.id)).map((s) => s.score),
      [4, 7, 8, 5, 6],
    );
    assert.deepEqual(
      (await store.grading.submissions(assignment.id, amy.id)).map((s) => s.score),
      [8, 5, 6],
    );
    assert.deepEqual(
      (await store.grading.gradebook(assignment.id)).map((row) => [
        row.student.name,
        row.best,
        row.latest,
        row.attempts,
      ]),
      [
        ["Amy", 8, 6, 3],
        ["Zed", 7, 7, 2],
      ],
    );
    await store.runs.insert(newRun("r"));
    assert.equal(await store.grading.runOwner("r"), null);
    await store.grading.setRunOwner("r", amy.id);
    assert.equal(await store.grading.runOwner("r"), amy.id);
    assert.equal(await store.grading.runOwner("missing"), null);
  });

  await t.test("20 racing submissions against a limit of 3: exactly 3 are stored", async (t) => {
    const place = await backend.place(t);
    const owner = await place.owner();
    const stores = [owner, ...(await Promise.all([1, 2, 3].map(async () => (await place.open("beside")).store)))];
    const student = await owner.grading.createStudent("Racer");
    const assignment = await owner.grading.createAssignment("Race", "{}");
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (stores[i % stores.length] ?? owner).grading.insertSubmission(submission(assignment.id, student.id, i), 3),
      ),
    );
    assert.equal(outcomes.filter((outcome) => outcome !== "attempts-used").length, 3);
    assert.equal(await owner.grading.attempts(assignment.id, student.id), 3);
    assert.equal((await owner.grading.submissions(assignment.id)).length, 3);
  });
}
