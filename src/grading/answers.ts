import { z } from "zod";
import type { Json } from "../sim/json";
import { canonicalJson } from "../sim/json";
import { SUBMISSION_LIMITS } from "./score";

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]),
);

export const answerSchema = z.object({ questionId: z.string().min(1).max(300), value: json }).strict();
export const answersFileSchema = z
  .object({ answers: z.array(answerSchema).max(SUBMISSION_LIMITS.maxAnswers) })
  .strict();
export type AnswerInput = z.infer<typeof answerSchema>;

/**
 * Checks a submission's answers: each question answered at most once, each value
 * within the size limit. Returns the answers by question id, or the first problem.
 */
export function answerMap(answers: readonly AnswerInput[], known: ReadonlySet<string>): Map<string, Json> {
  if (answers.length > SUBMISSION_LIMITS.maxAnswers) {
    throw new AnswersError(`answers: expected at most ${SUBMISSION_LIMITS.maxAnswers} answers (the limit maxAnswers)`);
  }
  const byId = new Map<string, Json>();
  answers.forEach((answer, index) => {
    if (!known.has(answer.questionId)) {
      throw new AnswersError(`answers[${index}].questionId: no question "${answer.questionId}" in this assignment`);
    }
    if (byId.has(answer.questionId))
      throw new AnswersError(`answers[${index}].questionId: "${answer.questionId}" is answered twice`);
    const bytes = Buffer.byteLength(canonicalJson(answer.value));
    if (bytes > SUBMISSION_LIMITS.maxAnswerBytes) {
      throw new AnswersError(
        `answers[${index}].value: expected at most ${SUBMISSION_LIMITS.maxAnswerBytes} bytes (the limit maxAnswerBytes), found ${bytes}`,
      );
    }
    byId.set(answer.questionId, answer.value);
  });
  return byId;
}

export class AnswersError extends Error {}
