import type { Question } from "./questions";
import type { Graded } from "./score";

/** Gradescope's autograder results.json (score, output, tests[] with name, score, max_score, output, visibility). */
export function gradescopeResults(graded: Graded, questions: readonly Question[], keysVisible: boolean): object {
  return {
    score: graded.score,
    output: `faultline: ${graded.score} of ${graded.maxScore} points`,
    tests: graded.feedback.map((one) => ({
      name: nameOf(one.questionId, questions),
      score: one.points,
      max_score: one.maxPoints,
      output: describe(one, keysVisible),
      visibility: keysVisible ? "visible" : "after_published",
    })),
  };
}

/** PrairieLearn's external-grader result (score in [0, 1], gradable, tests with name, points, max_points, message). */
export function prairielearnResults(graded: Graded, questions: readonly Question[], keysVisible: boolean): object {
  return {
    gradable: true,
    score: graded.maxScore === 0 ? 0 : graded.score / graded.maxScore,
    message: `faultline: ${graded.score} of ${graded.maxScore} points`,
    tests: graded.feedback.map((one) => ({
      name: nameOf(one.questionId, questions),
      points: one.points,
      max_points: one.maxPoints,
      message: describe(one, keysVisible),
    })),
  };
}

function nameOf(questionId: string, questions: readonly Question[]): string {
  const question = questions.find((q) => q.id === questionId);
  return question === undefined ? questionId : `${questionId}: ${question.prompt.split("\n")[0]}`;
}

function describe(one: Graded["feedback"][number], keysVisible: boolean): string {
  const parts = [one.correct ? "correct" : "not correct"];
  if (one.message !== null) parts.push(one.message);
  if (keysVisible && one.expected !== null) parts.push(`expected ${JSON.stringify(one.expected)}`);
  if (keysVisible && one.justification.length > 0) parts.push(`see events ${one.justification.join(", ")}`);
  return parts.join("; ");
}
