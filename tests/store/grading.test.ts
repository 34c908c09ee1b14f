import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openStore, type Store } from "../../src/store";

// Grading's tables on a real SQLite file: tokens kept only as hashes, submissions
// written once and never changed, attempts counted under concurrency.

function withStore(body: (store: Store) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "faultline-grading-store-"));
    const { store } = openStore(path.join(dir, "db.sqlite"));
    try {
      await body(store);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "tokens are stored only as hashes and identify their holder until they expire",
  withStore((store) => {
    const student = store.grading.createStudent("Ada");
    const token = store.grading.createToken("student", student.id);
    const expired = store.grading.createToken("instructor", null, new Date(Date.now() - 1000).toISOString());
    const rows = store.db.prepare("SELECT hash FROM tokens").all() as { hash: string }[];
    assert.ok(
      rows.every((row) => row.hash !== token && !row.hash.includes(token)),
      "no token in clear",
    );
    assert.deepEqual(store.grading.identify(token), { role: "student", studentId: student.id });
    assert.equal(store.grading.identify(expired), undefined);
    assert.equal(store.grading.identify(token + "x"), undefined);
  }),
);

test(
  "a submission is never changed once stored",
  withStore((store) => {
    const student = store.grading.createStudent("Ada");
    const assignment = store.grading.createAssignment("A", "{}");
    const stored = store.grading.insertSubmission(
      {
        assignmentId: assignment.id,
        studentId: student.id,
        seeds: "{}",
        answers: "[]",
        score: 1,
        maxScore: 2,
        feedback: "[]",
      },
      null,
    );
    assert.notEqual(stored, "attempts-used");
    assert.throws(() => store.db.prepare("UPDATE submissions SET score = 2").run(), /never changed/);
    assert.equal(store.grading.submissions(assignment.id)[0]?.score, 1);
  }),
);

test(
  "maxAttempts holds when many submissions of one student race; the gradebook shows best, latest and attempts",
  withStore(async (store) => {
    const ada = store.grading.createStudent("Ada");
    const bob = store.grading.createStudent("Bob");
    const assignment = store.grading.createAssignment("A", "{}");
    const submit = (studentId: string, score: number): Promise<unknown> =>
      Promise.resolve().then(() =>
        store.grading.insertSubmission(
          { assignmentId: assignment.id, studentId, seeds: "{}", answers: "[]", score, maxScore: 10, feedback: "[]" },
          3,
        ),
      );
    const results = await Promise.all([1, 5, 2, 9, 4].map((score) => submit(ada.id, score)));
    assert.equal(results.filter((result) => result === "attempts-used").length, 2);
    await submit(bob.id, 7);
    const book = store.grading.gradebook(assignment.id);
    assert.deepEqual(
      book.map((row) => [row.student.name, row.best, row.latest, row.attempts]),
      [
        ["Ada", 5, 2, 3],
        ["Bob", 7, 7, 1],
      ],
    );
  }),
);
