import type { Json } from "../sim/json";
import { answerMap } from "./answers";
import type { AssignmentItem } from "./assignment";
import type { Question } from "./questions";
import { grade, type Graded } from "./score";
import { subjectOf } from "./subject";

export * from "./answers";
export * from "./assignment";
export * from "./formats";
export * from "./keys";
export * from "./query";
export * from "./questions";
export * from "./schedule";
export * from "./score";
export * from "./subject";
export * from "./redact";
export * from "./task";

/** Grades one student's answers to an assignment on their seeds (one per scenario). */
export function gradeAssignment(
  items: readonly AssignmentItem[],
  seedOf: (item: AssignmentItem) => number,
  answers: readonly { questionId: string; value: Json }[],
  releaseKeys: boolean,
): { graded: Graded; questions: Question[] } {
  const questions = items.flatMap((item) => [...item.questions]);
  const byId = answerMap(answers, new Set(questions.map((q) => q.id)));
  const gradingItems = items.flatMap((item) => {
    const run = subjectOf(item.scenario, seedOf(item));
    return item.questions.map((question) => ({ question, run }));
  });
  return { graded: grade(gradingItems, byId, releaseKeys), questions };
}
export * from "./catalog";
export * from "./pool";
export * from "./record";
export * from "./service";
