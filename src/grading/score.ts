import { canonicalJson, type Json } from "../sim/json";
import { computeKey } from "./keys";
import { QueryError } from "./query";
import type { Question } from "./questions";
import { goalMet, runSchedule } from "./schedule";
import type { RunSubject } from "./subject";

/** Feedback on one answer. `expected` and `justification` stay empty until keys are released. */
export interface Feedback {
  readonly questionId: string;
  readonly correct: boolean;
  readonly points: number;
  readonly maxPoints: number;
  readonly expected: Json | null;
  readonly justification: readonly number[];
  /** Why an answer could not be graded (wrong shape, an invalid schedule), or what a schedule's run showed. */
  readonly message: string | null;
  /** The run a SCHEDULE answer made, for the caller to store and link. */
  readonly scheduleRun: RunSubject | null;
}

export interface Graded {
  readonly score: number;
  readonly maxScore: number;
  readonly feedback: readonly Feedback[];
}

export interface GradingItem {
  readonly question: Question;
  /** The student's run of the question's scenario (their seed). */
  readonly run: RunSubject;
}

/** A limit on what one submission may carry. */
export const SUBMISSION_LIMITS = { maxAnswers: 500, maxAnswerBytes: 64 * 1024 } as const;

/**
 * Grades answers against keys computed from the student's own run. Pure and
 * deterministic: the same answers on the same seed always get the same score.
 */
export function grade(items: readonly GradingItem[], answers: ReadonlyMap<string, Json>, releaseKeys: boolean): Graded {
  const feedback = items.map((item) => gradeOne(item, answers.get(item.question.id), releaseKeys));
  const score = feedback.reduce((sum, one) => sum + one.points, 0);
  const maxScore = feedback.reduce((sum, one) => sum + one.maxPoints, 0);
  return { score: round(score), maxScore: round(maxScore), feedback };
}

function gradeOne(item: GradingItem, answer: Json | undefined, releaseKeys: boolean): Feedback {
  const { question, run } = item;
  const base = { questionId: question.id, maxPoints: question.points };
  const wrong = (
    message: string | null,
    expected: Json | null = null,
    justification: readonly number[] = [],
  ): Feedback => ({
    ...base,
    correct: false,
    points: 0,
    expected: releaseKeys ? expected : null,
    justification: releaseKeys ? justification : [],
    message,
    scheduleRun: null,
  });
  if (question.spec.type === "SCHEDULE") {
    if (answer === undefined) return wrong("no answer was given");
    const scheduled = runSchedule(run.scenario, run.seed, answer, question.spec);
    if (!scheduled.ok) return wrong(`the schedule is not valid: ${scheduled.problems.join("; ")}`);
    const goal = goalMet(question.spec.goal, scheduled.subject);
    return {
      ...base,
      correct: goal.met,
      points: goal.met ? question.points : 0,
      expected: null,
      justification: goal.justification,
      message: goal.met ? null : `the goal (${question.spec.goal.description}) was not met: ${goal.message ?? ""}`,
      scheduleRun: scheduled.subject,
    };
  }
  let key;
  try {
    key = computeKey(question, run);
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    // The key cannot be computed on this student's seed; no student loses points for that.
    return {
      ...base,
      correct: true,
      points: question.points,
      expected: null,
      justification: [],
      message: "this question has no answer on your run, so it is given full marks",
      scheduleRun: null,
    };
  }
  if (answer === undefined) return wrong("no answer was given", key.value, key.justification);
  const shape = shapeProblem(question, answer);
  if (shape !== undefined) return wrong(shape, key.value, key.justification);
  const correct = agrees(question, key.value, answer);
  return {
    ...base,
    correct,
    points: correct ? question.points : 0,
    expected: releaseKeys ? key.value : null,
    justification: releaseKeys ? key.justification : [],
    message: null,
    scheduleRun: null,
  };
}

/** Why an answer has the wrong shape for its question (never says anything about the key). */
function shapeProblem(question: Question, answer: Json): string | undefined {
  const choices = question.choices ?? [];
  switch (question.type) {
    case "SINGLE_CHOICE":
    case "NODE":
      if (typeof answer !== "string") return `expected a string, one of ${choices.join(", ")}`;
      if (!choices.includes(answer)) return `expected one of ${choices.join(", ")}, found "${answer}"`;
      return undefined;
    case "MULTIPLE_CHOICE":
      if (!Array.isArray(answer) || !answer.every((item) => typeof item === "string" && choices.includes(item))) {
        return `expected a list of choices from ${choices.join(", ")}`;
      }
      return undefined;
    case "NUMBER":
      return typeof answer === "number" && Number.isFinite(answer) ? undefined : "expected a number";
    case "EVENT_SEQ":
      return Number.isInteger(answer) ? undefined : "expected an event seq (an integer)";
    case "EVENT_ORDER":
      return Array.isArray(answer) && answer.every((item) => Number.isInteger(item))
        ? undefined
        : "expected a list of event seqs";
    default:
      return undefined;
  }
}

function agrees(question: Question, key: Json, answer: Json): boolean {
  if (question.type === "NUMBER") {
    const tolerance = question.spec.type === "NUMBER" ? (question.spec.tolerance ?? 0) : 0;
    return Math.abs((answer as number) - (key as number)) <= tolerance;
  }
  if (question.type === "MULTIPLE_CHOICE")
    return canonicalJson([...new Set(answer as string[])].sort()) === canonicalJson(key);
  return canonicalJson(answer) === canonicalJson(key);
}

function round(points: number): number {
  return Math.round(points * 1000) / 1000;
}
