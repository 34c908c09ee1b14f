import type { Json } from "../sim/json";
import type { Scenario } from "../scenarios/types";
import { evaluate, QueryError, type Answer } from "./query";
import { parseQuestions, type Question, type QuestionProblem } from "./questions";
import { goalMet, runSchedule } from "./schedule";
import { subjectOf, type RunSubject } from "./subject";

/** A question's key on one run: the expected value (normalised for its type) and the events that justify it. */
export type Key = Answer;

/** Computes the key of a (non-SCHEDULE) question on a run; throws QueryError when the run cannot answer it. */
export function computeKey(question: Question, run: RunSubject): Key {
  const spec = question.spec;
  if (spec.type === "SCHEDULE")
    throw new QueryError("a SCHEDULE question has no key: its goal is checked on the student's run");
  const answer = evaluate(spec.answer, run);
  return { value: normalise(question, answer.value), justification: answer.justification };
}

function normalise(question: Question, value: Json): Json {
  const need = (ok: boolean, what: string): void => {
    if (!ok)
      throw new QueryError(
        `a ${question.type} question needs ${what}, but its answer query gives ${JSON.stringify(value)}`,
      );
  };
  switch (question.type) {
    case "SINGLE_CHOICE": {
      const choice =
        typeof value === "boolean" ? (value ? "yes" : "no") : typeof value === "number" ? String(value) : value;
      need(
        typeof choice === "string" && (question.choices ?? []).includes(choice),
        `one of its choices (${(question.choices ?? []).join(", ")})`,
      );
      return choice;
    }
    case "MULTIPLE_CHOICE":
      need(
        Array.isArray(value) &&
          value.every((item) => typeof item === "string" && (question.choices ?? []).includes(item)),
        "a list of its choices",
      );
      return [...(value as string[])].sort();
    case "NUMBER":
      need(typeof value === "number", "a number");
      return value;
    case "NODE":
      need(typeof value === "string" && (question.choices ?? []).includes(value), "a node name");
      return value;
    case "EVENT_SEQ":
      need(Number.isInteger(value), "an event seq");
      return value;
    case "EVENT_ORDER":
      need(Array.isArray(value) && value.every((item) => Number.isInteger(item)), "a list of event seqs");
      return value;
    default:
      return value;
  }
}

/**
 * What loading a scenario checks of its questions: the shape, and that every key
 * can be computed on the default seed and is not empty; every SCHEDULE example
 * must meet its goal. Paths are relative to `questions:`.
 */
export function checkScenarioQuestions(scenario: Scenario): { questions: Question[]; problems: QuestionProblem[] } {
  const { questions, problems } = parseQuestions(scenario.id, scenario.spec.nodes, scenario.questions ?? []);
  if (questions.length === 0) return { questions, problems };
  const run = subjectOf(scenario, scenario.spec.seed);
  const indexOf = (question: Question): number =>
    (scenario.questions ?? []).findIndex((raw) => (raw as { id?: unknown })?.id === question.localId);
  for (const question of questions) {
    const index = indexOf(question);
    try {
      if (question.spec.type === "SCHEDULE") {
        const scheduled = runSchedule(scenario, scenario.spec.seed, question.spec.example, question.spec);
        if (!scheduled.ok) {
          problems.push({
            path: [index, "example"],
            message: `the example schedule is not valid: ${scheduled.problems.join("; ")}`,
          });
          continue;
        }
        const goal = goalMet(question.spec.goal, scheduled.subject);
        if (!goal.met)
          problems.push({
            path: [index, "example"],
            message: `the example schedule does not meet the goal: ${goal.message ?? ""}`,
          });
        continue;
      }
      const key = computeKey(question, run);
      if (key.value === null || (Array.isArray(key.value) && key.value.length === 0) || key.value === "") {
        problems.push({
          path: [index, "answer"],
          message: `the answer is empty on the default seed (${scenario.spec.seed}): a question needs an answer to grade`,
        });
      }
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      problems.push({
        path: [index, "answer"],
        message: `the answer query fails on the default seed (${scenario.spec.seed}): ${error.message}`,
      });
    }
  }
  return { questions, problems };
}
