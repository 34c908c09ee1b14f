import type { Json } from "../sim/json";
import { parseScenario } from "../scenarios/loader";
import { formatProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import type { FaultlineStore } from "../store/contract";
import type { Question } from "./questions";
import { recordFinishedRun } from "./record";
import { grade, type Feedback } from "./score";
import { subjectOf } from "./subject";

/**
 * The work grading does that costs CPU (running scenarios, computing keys, running
 * schedules) as plain data, so that it can run in a worker thread (grade-worker.ts)
 * as well as in-process (the CLI, tests): the same function does both.
 */

/** Grades one student's answers: every item is one scenario at the student's seed. */
export interface GradeTask {
  readonly kind: "grade";
  readonly studentId: string;
  readonly items: readonly {
    readonly source: string;
    readonly file: string;
    readonly seed: number;
    readonly questions: readonly Question[];
  }[];
  /** Already checked (answerMap) by the caller. */
  readonly answers: readonly { readonly questionId: string; readonly value: Json }[];
}

/** Runs a scenario at a student's seed and stores the run, owned by the student. */
export interface VariantTask {
  readonly kind: "variant";
  readonly studentId: string;
  readonly source: string;
  readonly file: string;
  readonly seed: number;
}

export type GradingTask = GradeTask | VariantTask;

/** Feedback on one answer as stored: `expected` and `justification` are masked when shown, until keys are released. */
export interface FeedbackView {
  readonly questionId: string;
  readonly correct: boolean;
  readonly points: number;
  readonly expected: Json | null;
  readonly justification: readonly number[];
  readonly runId: string | null;
  readonly message: string | null;
}

export interface GradeResult {
  readonly score: number;
  readonly maxScore: number;
  readonly feedback: readonly FeedbackView[];
}

/** What a task gives back: a grade, or the id of the stored variant run. */
export type TaskResult<Task extends GradingTask> = Task extends GradeTask ? GradeResult : string;

/**
 * Does one task on a store (the worker's own connection, or the caller's). Keys
 * are stored with the feedback (the service masks them until release); every run a
 * schedule made is stored, owned by the student, and linked from its feedback.
 */
export async function performGradingTask(
  task: GradingTask,
  store: FaultlineStore,
  scenarioOf: (source: string, file: string) => Scenario,
): Promise<GradeResult | string> {
  if (task.kind === "variant") {
    const scenario = scenarioOf(task.source, task.file);
    return recordFinishedRun(store, scenario, task.seed, subjectOf(scenario, task.seed).result, task.studentId);
  }
  const answers = new Map(task.answers.map((answer) => [answer.questionId, answer.value]));
  const items = task.items.flatMap((item) => {
    const run = subjectOf(scenarioOf(item.source, item.file), item.seed);
    return item.questions.map((question) => ({ question, run }));
  });
  const graded = grade(items, answers, true);
  return {
    score: graded.score,
    maxScore: graded.maxScore,
    // One after another: each stores a run, and a pool of one connection would only queue them.
    feedback: await sequence(graded.feedback, (one) => stored(one, store, task.studentId)),
  };
}

async function sequence<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await work(item));
  return out;
}

async function stored(one: Feedback, store: FaultlineStore, studentId: string): Promise<FeedbackView> {
  const runId =
    one.scheduleRun === null
      ? null
      : await recordFinishedRun(
          store,
          one.scheduleRun.scenario,
          one.scheduleRun.seed,
          one.scheduleRun.result,
          studentId,
        );
  return {
    questionId: one.questionId,
    correct: one.correct,
    points: one.points,
    expected: one.expected,
    justification: one.justification,
    runId,
    message: one.message,
  };
}

/** Does grading tasks: in a worker pool (pool.ts) or in-process. */
export interface Grader {
  run<Task extends GradingTask>(task: Task): Promise<TaskResult<Task>>;
  close(): Promise<void>;
}

/** Grading on the caller's thread (the CLI, tests, an in-memory database that threads cannot share). */
export function inProcessGrader(store: FaultlineStore): Grader {
  const scenarioOf = scenarioParser();
  return {
    async run<Task extends GradingTask>(task: Task): Promise<TaskResult<Task>> {
      return (await performGradingTask(task, store, scenarioOf)) as TaskResult<Task>;
    },
    close: () => Promise.resolve(),
  };
}

/** Parses scenario sources, keeping the last `max` parsed (a task names its scenario by source). */
export function scenarioParser(max = 64): (source: string, file: string) => Scenario {
  const parsed = new Map<string, Scenario>();
  return (source, file) => {
    const key = `${file}\u0000${source}`;
    const cached = parsed.get(key);
    if (cached !== undefined) return cached;
    const result = parseScenario(source, file);
    if (!result.ok) throw new Error(`the scenario no longer parses: ${result.problems.map(formatProblem).join("; ")}`);
    if (parsed.size >= max) parsed.delete(parsed.keys().next().value as string);
    parsed.set(key, result.scenario);
    return result.scenario;
  };
}
