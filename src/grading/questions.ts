import { z } from "zod";
import type { Json } from "../sim/json";
import { EVENT_KINDS } from "../sim/types";
import { LINEARIZABILITY_FIELDS } from "./history-query";

/**
 * The `questions:` of a scenario file. Every key is an answer query over the run
 * (query.ts), never a literal: it is computed from the trace, so it cannot be
 * wrong about what the learner will see.
 */

export const QUESTION_TYPES = [
  "SINGLE_CHOICE",
  "MULTIPLE_CHOICE",
  "NUMBER",
  "NODE",
  "EVENT_SEQ",
  "EVENT_ORDER",
  "JSON",
  "SCHEDULE",
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** Limits on what a question may ask (a scenario file is untrusted input). */
export const QUESTION_LIMITS = { maxQuestions: 50, maxPromptChars: 4_000, maxChoices: 50, maxPoints: 1_000 } as const;

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]),
);

/** Which events: the fields of an `expect:`/`when:` predicate (but never the summary) plus `data` paths. */
export const matchSchema = z
  .object({
    kind: z.enum(EVENT_KINDS).optional(),
    node: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    message: z.string().optional(),
    /** Dotted paths into the event's data, each with the value it must equal. */
    data: z.record(z.string(), json).optional(),
  })
  .strict();
export type Match = z.infer<typeof matchSchema>;

/** One event: by seq, or the nth (from 1; -1 the last) matching event. */
export const eventRefSchema = z.union([
  z.object({ seq: z.number().int().min(0) }).strict(),
  z.object({ match: matchSchema, nth: z.number().int().optional() }).strict(),
]);
export type EventRef = z.infer<typeof eventRefSchema>;

/** A moment of the run: its end, right after an event, or the last event at or before a time. */
export const whenSchema = z.union([
  z.literal("end"),
  z.object({ seq: z.number().int().min(0) }).strict(),
  z.object({ time: z.number().int().min(0) }).strict(),
  z.object({ after: eventRefSchema }).strict(),
]);
export type When = z.infer<typeof whenSchema>;

/** A condition on a node at a moment: a path of its view equals a value, or it is up or down. */
const whereSchema = z.union([
  z.object({ path: z.string().min(1), equals: json }).strict(),
  z.object({ up: z.boolean() }).strict(),
]);

const FIELD = z.string().min(1).optional();

export const querySchema = z.union([
  z
    .object({ state: z.object({ node: z.string(), path: z.string().min(1), at: whenSchema.optional() }).strict() })
    .strict(),
  z.object({ node: z.object({ where: whereSchema, at: whenSchema.optional() }).strict() }).strict(),
  z.object({ nodes: z.object({ where: whereSchema, at: whenSchema.optional() }).strict() }).strict(),
  z.object({ event: z.intersection(eventRefSchema, z.object({ field: FIELD })) }).strict(),
  z.object({ events: z.object({ match: matchSchema, field: FIELD }).strict() }).strict(),
  z.object({ count: z.object({ match: matchSchema }).strict() }).strict(),
  z.object({ vclock: eventRefSchema }).strict(),
  z.object({ lamport: eventRefSchema }).strict(),
  z.object({ happenedBefore: z.tuple([eventRefSchema, eventRefSchema]) }).strict(),
  z.object({ concurrent: z.tuple([eventRefSchema, eventRefSchema]) }).strict(),
  z.object({ violated: z.object({ invariant: z.string() }).strict() }).strict(),
  z.object({ violation: z.object({ invariant: z.string() }).strict() }).strict(),
  z.object({ duration: z.object({ from: eventRefSchema, to: eventRefSchema }).strict() }).strict(),
  /** The linearizability checker's verdict on the run's client operations (history-query.ts). */
  z.object({ linearizability: z.object({ field: z.enum(LINEARIZABILITY_FIELDS).optional() }).strict() }).strict(),
  /** An isolation run's history judged by the serializability checker: its verdict, or the anomaly types it found. */
  z.object({ serializability: z.object({ field: z.enum(["verdict", "anomalies"]) }).strict() }).strict(),
  /** Real-time order (Herlihy & Wing's "precedes"): the first event's time is earlier than the second's. */
  z.object({ precedes: z.tuple([eventRefSchema, eventRefSchema]) }).strict(),
]);
export type Query = z.infer<typeof querySchema>;

/** A SCHEDULE question's goal: a query over the student's run and what it must give. */
export const goalSchema = z
  .object({
    query: querySchema,
    equals: json.optional(),
    atLeast: z.number().optional(),
    atMost: z.number().optional(),
    /** One sentence for the student: what the run must show. */
    description: z.string().min(1).max(500),
  })
  .strict()
  .refine((goal) => goal.equals !== undefined || goal.atLeast !== undefined || goal.atMost !== undefined, {
    message: "a goal needs equals, atLeast or atMost",
  });
export type Goal = z.infer<typeof goalSchema>;

const scheduleLimitsSchema = z
  .object({
    faults: z.number().int().min(1).max(100).optional(),
    maxEvents: z.number().int().min(1).optional(),
    maxTime: z.number().int().min(1).optional(),
  })
  .strict();

const base = {
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "a question id in kebab-case"),
  prompt: z.string().min(1).max(QUESTION_LIMITS.maxPromptChars),
  points: z.number().positive().max(QUESTION_LIMITS.maxPoints),
};

export const questionSchema = z.discriminatedUnion("type", [
  z
    .object({
      ...base,
      type: z.enum(["SINGLE_CHOICE", "MULTIPLE_CHOICE"]),
      /** The options shown, or "nodes" for every node of the scenario. */
      choices: z.union([z.literal("nodes"), z.array(z.string().min(1)).min(2).max(QUESTION_LIMITS.maxChoices)]),
      answer: querySchema,
    })
    .strict(),
  z
    .object({ ...base, type: z.literal("NUMBER"), tolerance: z.number().min(0).optional(), answer: querySchema })
    .strict(),
  z.object({ ...base, type: z.enum(["NODE", "EVENT_SEQ", "EVENT_ORDER", "JSON"]), answer: querySchema }).strict(),
  z
    .object({
      ...base,
      type: z.literal("SCHEDULE"),
      goal: goalSchema,
      limits: scheduleLimitsSchema.optional(),
      /** A schedule that meets the goal, checked at load so that every challenge is solvable. */
      example: z.array(z.record(z.string(), json)).min(1),
    })
    .strict(),
]);
export type QuestionSpec = z.infer<typeof questionSchema>;

/** A question as served: its global id is "<scenario id>/<question id>". */
export interface Question {
  readonly id: string;
  readonly localId: string;
  readonly scenarioId: string;
  readonly prompt: string;
  readonly type: QuestionType;
  readonly points: number;
  readonly choices: readonly string[] | null;
  readonly spec: QuestionSpec;
}

export interface QuestionProblem {
  /** Index in `questions:` and the field path below it. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Validates a scenario's `questions:` list (shape only; keys are checked by evaluating them, keys.ts). */
export function parseQuestions(
  scenarioId: string,
  nodes: readonly string[],
  raw: readonly Json[],
): { questions: Question[]; problems: QuestionProblem[] } {
  const problems: QuestionProblem[] = [];
  const questions: Question[] = [];
  if (raw.length > QUESTION_LIMITS.maxQuestions) {
    problems.push({
      path: [],
      message: `expected at most ${QUESTION_LIMITS.maxQuestions} questions (the limit maxQuestions)`,
    });
    return { questions, problems };
  }
  const seen = new Set<string>();
  raw.forEach((item, index) => {
    const parsed = questionSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({
          path: [index, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
          message: issue.message,
        });
      }
      return;
    }
    const spec = parsed.data;
    if (seen.has(spec.id)) {
      problems.push({ path: [index, "id"], message: `expected a unique question id, found "${spec.id}" twice` });
      return;
    }
    seen.add(spec.id);
    const choices =
      spec.type === "SINGLE_CHOICE" || spec.type === "MULTIPLE_CHOICE"
        ? spec.choices === "nodes"
          ? [...nodes]
          : spec.choices
        : spec.type === "NODE"
          ? [...nodes]
          : null;
    questions.push({
      id: `${scenarioId}/${spec.id}`,
      localId: spec.id,
      scenarioId,
      prompt: spec.prompt,
      type: spec.type,
      points: spec.points,
      choices,
      spec,
    });
  });
  return { questions, problems };
}
