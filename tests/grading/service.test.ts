import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { GradingError, GradingService, type Identity } from "../../src/grading";
import type { Scenario } from "../../src/scenarios/types";
import type { Json } from "../../src/sim/json";
import { openStore, type Store } from "../../src/store";
import { SqliteStore } from "../../src/store/sqlite";
import { scenario, withQuestions } from "./helpers";

// The grading service on a real SQLite file: roles, variants, keys released only
// when the assignment says so, and submissions that never change.

const QUESTIONS: Json[] = [
  {
    id: "who",
    prompt: "Which node crashes?",
    type: "NODE",
    points: 2,
    answer: { event: { match: { kind: "CRASH" }, field: "node" } },
  },
  {
    id: "when",
    prompt: "At which event?",
    type: "EVENT_SEQ",
    points: 1,
    answer: { event: { match: { kind: "CRASH" } } },
  },
];
const SCENARIO: Scenario = withQuestions(scenario("2pc-coordinator-crash"), QUESTIONS);
const INSTRUCTOR: Identity = { role: "instructor" };
const ANONYMOUS: Identity = { role: "anonymous" };

function withService(body: (service: GradingService, store: Store) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "faultline-grading-service-"));
    const file = path.join(dir, "db.sqlite");
    const { store } = openStore(file);
    store.scenarios.upsertAll([
      {
        id: SCENARIO.id,
        title: SCENARIO.title,
        topic: SCENARIO.topic,
        protocol: SCENARIO.protocol,
        source: SCENARIO.source,
      },
    ]);
    try {
      await body(
        new GradingService(
          new SqliteStore(store, file),
          { scenario: (id) => (id === SCENARIO.id ? SCENARIO : undefined) },
          "test-secret",
        ),
        store,
      );
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function code(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof GradingError) return error.code;
    throw error;
  }
  return undefined;
}

test(
  "only an instructor creates students and assignments; a student's token identifies them",
  withService(async (service, store) => {
    assert.equal(await code(() => service.createStudent(ANONYMOUS, "Ada")), "UNAUTHENTICATED");
    const { student, token } = await service.createStudent(INSTRUCTOR, "Ada");
    const ada: Identity = { role: "student", studentId: student.id };
    assert.deepEqual(store.grading.identify(token), { role: "student", studentId: student.id });
    assert.equal(await code(() => service.createStudent(ada, "Eve")), "FORBIDDEN");
    assert.equal(
      await code(() => service.createAssignment(ada, { title: "A", scenarioIds: [SCENARIO.id] })),
      "FORBIDDEN",
    );
    assert.equal(
      await code(() => service.createAssignment(INSTRUCTOR, { title: "A", scenarioIds: ["nope"] })),
      "BAD_USER_INPUT",
    );
    assert.equal(
      await code(() =>
        service.createAssignment(INSTRUCTOR, { title: "A", scenarioIds: [SCENARIO.id], keys: "SOMETIMES" }),
      ),
      "BAD_USER_INPUT",
    );
  }),
);

test(
  "personal seeds and hidden runs: a student sees neither seed nor run before submitting when the assignment hides them",
  withService(async (service) => {
    const assignment = await service.createAssignment(INSTRUCTOR, {
      title: "Predict",
      scenarioIds: [SCENARIO.id],
      personalSeeds: true,
      showRunBeforeSubmit: false,
    });
    const ada: Identity = { role: "student", studentId: (await service.createStudent(INSTRUCTOR, "Ada")).student.id };
    const bob: Identity = { role: "student", studentId: (await service.createStudent(INSTRUCTOR, "Bob")).student.id };
    const before = await service.assignment(ada, assignment.id);
    assert.equal(before?.items[0]?.seed, null);
    assert.equal(before?.items[0]?.runId, null);
    const submission = await service.submitAnswers(ada, assignment.id, [
      { questionId: `${SCENARIO.id}/who`, value: "coord" },
    ]);
    const after = await service.assignment(ada, assignment.id);
    assert.equal(after?.items[0]?.seed, submission.seeds[SCENARIO.id]);
    assert.ok(after?.items[0]?.runId, "after submitting, the student's run is there");
    const bobSubmission = await service.submitAnswers(bob, assignment.id, []);
    assert.notEqual(bobSubmission.seeds[SCENARIO.id], submission.seeds[SCENARIO.id], "students get different seeds");
    assert.equal(await service.canReadRun(bob, after?.items[0]?.runId as string), false, "Bob cannot read Ada's run");
    assert.equal(await service.canReadRun(ANONYMOUS, after?.items[0]?.runId as string), false);
    assert.equal(await service.canReadRun(INSTRUCTOR, after?.items[0]?.runId as string), true);
  }),
);

test(
  "keys: NEVER hides them from students for good; instructors always see them; a student reads only their own submissions",
  withService(async (service) => {
    const assignment = await service.createAssignment(INSTRUCTOR, {
      title: "Quiz",
      scenarioIds: [SCENARIO.id],
      keys: "NEVER",
      maxAttempts: 2,
    });
    const ada: Identity = { role: "student", studentId: (await service.createStudent(INSTRUCTOR, "Ada")).student.id };
    const bob: Identity = { role: "student", studentId: (await service.createStudent(INSTRUCTOR, "Bob")).student.id };
    const mine = await service.submitAnswers(ada, assignment.id, [{ questionId: `${SCENARIO.id}/who`, value: "p1" }]);
    assert.equal(mine.score, 0);
    assert.ok(mine.feedback.every((one) => one.expected === null && one.justification.length === 0));
    assert.equal((await service.submission(INSTRUCTOR, mine.id))?.feedback[0]?.expected, "coord");
    assert.equal(await code(() => service.submission(bob, mine.id)), "FORBIDDEN");
    assert.equal(
      await code(() => service.submissions(bob, assignment.id, ada.role === "student" ? ada.studentId : null)),
      "FORBIDDEN",
    );
    assert.deepEqual(await service.submissions(bob, assignment.id, null), []);
    assert.equal(await code(() => service.gradebook(ada, assignment.id)), "FORBIDDEN");
    await service.submitAnswers(ada, assignment.id, [{ questionId: `${SCENARIO.id}/who`, value: "coord" }]);
    assert.equal(await code(() => service.submitAnswers(ada, assignment.id, [])), "FORBIDDEN", "maxAttempts");
    const book = await service.gradebook(INSTRUCTOR, assignment.id);
    assert.deepEqual(
      book.map((row) => [row.student.name, row.best, row.latest, row.attempts]),
      [["Ada", 2, 2, 2]],
    );
    assert.match(
      await service.gradebookCsv(INSTRUCTOR, assignment.id),
      /^student_id,name,best,latest,attempts\n[^\n]+,Ada,2,2,2\n$/,
    );
  }),
);

test(
  "AFTER_SUBMIT shows the key and the events that justify it with the student's own submission",
  withService(async (service) => {
    const assignment = await service.createAssignment(INSTRUCTOR, { title: "Quiz", scenarioIds: [SCENARIO.id] });
    const ada: Identity = { role: "student", studentId: (await service.createStudent(INSTRUCTOR, "Ada")).student.id };
    const graded = await service.submitAnswers(ada, assignment.id, [{ questionId: `${SCENARIO.id}/when`, value: 3 }]);
    const when = graded.feedback.find((one) => one.questionId.endsWith("/when"));
    assert.equal(when?.correct, false);
    assert.equal(typeof when?.expected, "number");
    assert.deepEqual(when?.justification, [when?.expected]);
    assert.equal(
      await code(() => service.submitAnswers(ada, assignment.id, [{ questionId: "nope", value: 1 }])),
      "BAD_USER_INPUT",
    );
  }),
);
