import { openFaultlineStore } from "../../src/store/open";
import { call } from "./graphql";

/**
 * What the load needs before it starts: an instructor token (made in the store, as the
 * CLI's `token create` does, since no API call makes the first instructor), one
 * assignment, and students with their tokens, made over the API like a course would.
 */

export const GRADED_SCENARIO = "2pc-coordinator-crash";
/**
 * The scenario's five answer questions, not its schedule challenge: a submission here is
 * the small, frequent kind (keys from the student's run, computed once), while a schedule
 * answer runs a whole simulation and belongs to the runs' share of the load.
 */
const QUESTIONS = ["crash-seq", "who-crashed", "down-after-crash", "lost-requests", "atomicity"];
export const ANSWERS = [
  { questionId: `${GRADED_SCENARIO}/crash-seq`, value: 20 },
  { questionId: `${GRADED_SCENARIO}/who-crashed`, value: "coord" },
  { questionId: `${GRADED_SCENARIO}/down-after-crash`, value: ["coord"] },
  { questionId: `${GRADED_SCENARIO}/lost-requests`, value: 3 },
  { questionId: `${GRADED_SCENARIO}/atomicity`, value: "no" },
];

export interface Course {
  readonly assignmentId: string;
  /** Bearer tokens, one per student. */
  readonly studentTokens: readonly string[];
}

/** `storeLocator` is the servers' DB_PATH or DATABASE_URL; `url` any API instance. */
export async function setUpCourse(storeLocator: string, url: string, students: number): Promise<Course> {
  const opened = await openFaultlineStore(storeLocator, "beside");
  let instructor: string;
  try {
    instructor = await opened.store.grading.createToken("instructor", null);
  } finally {
    await opened.store.close();
  }
  const created = await call<{ createAssignment: { id: string } }>(
    url,
    `mutation($input: AssignmentInput!) { createAssignment(input: $input) { id } }`,
    {
      input: {
        title: "load",
        scenarioIds: [GRADED_SCENARIO],
        questionIds: QUESTIONS.map((question) => `${GRADED_SCENARIO}/${question}`),
        personalSeeds: true,
      },
    },
    instructor,
  );
  const studentTokens: string[] = [];
  for (let i = 0; i < students; i++) {
    const student = await call<{ createStudent: { token: string } }>(
      url,
      `mutation($name: String!) { createStudent(name: $name) { token } }`,
      { name: `load student ${i}` },
      instructor,
    );
    studentTokens.push(student.createStudent.token);
  }
  const course = { assignmentId: created.createAssignment.id, studentTokens };
  // One submission each, all at once, before anything is measured: a student's first one
  // computes their personal run and keys, and the first ones start the grading threads;
  // the load measures the submissions of a course under way, not its first minute.
  await Promise.all(studentTokens.map((token) => submit(url, course, token)));
  return course;
}

/** One submission of ANSWERS; its score. */
export async function submit(url: string, course: Course, token: string): Promise<number> {
  const answer = await call<{ submitAnswers: { score: number } }>(
    url,
    `mutation($id: ID!, $answers: [AnswerInput!]!) { submitAnswers(assignmentId: $id, answers: $answers) { score } }`,
    { id: course.assignmentId, answers: ANSWERS },
    token,
  );
  return answer.submitAnswers.score;
}
