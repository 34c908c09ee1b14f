import { createHmac } from "node:crypto";
import { z } from "zod";
import type { Scenario } from "../scenarios/types";
import { MAX_SEED } from "../scenarios/loader";
import { checkScenarioQuestions } from "./keys";
import type { Question } from "./questions";

export const KEY_RELEASES = ["NEVER", "AFTER_SUBMIT", "AFTER_DEADLINE"] as const;
export type KeyRelease = (typeof KEY_RELEASES)[number];

export const ASSIGNMENT_LIMITS = { maxScenarios: 20, maxQuestions: 200, maxAttempts: 100, maxTitleChars: 200 } as const;

/** An assignment, as the API's AssignmentInput and as an assignment file (YAML) both give it. */
export const assignmentSchema = z
  .object({
    title: z.string().min(1).max(ASSIGNMENT_LIMITS.maxTitleChars),
    scenarioIds: z.array(z.string().min(1)).min(1).max(ASSIGNMENT_LIMITS.maxScenarios),
    /** Global question ids ("<scenario>/<question>"); absent: every question of every scenario. */
    questionIds: z.array(z.string().min(1)).max(ASSIGNMENT_LIMITS.maxQuestions).nullish(),
    personalSeeds: z.boolean().nullish(),
    showRunBeforeSubmit: z.boolean().nullish(),
    maxAttempts: z.number().int().min(1).max(ASSIGNMENT_LIMITS.maxAttempts).nullish(),
    keys: z.enum(KEY_RELEASES).nullish(),
    deadline: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();
export type AssignmentInput = z.infer<typeof assignmentSchema>;

/** An assignment with its defaults filled in. */
export interface AssignmentSettings {
  readonly title: string;
  readonly scenarioIds: readonly string[];
  readonly questionIds: readonly string[] | null;
  readonly personalSeeds: boolean;
  readonly showRunBeforeSubmit: boolean;
  readonly maxAttempts: number | null;
  readonly keys: KeyRelease;
  readonly deadline: string | null;
}

export function withDefaults(input: AssignmentInput): AssignmentSettings {
  return {
    title: input.title,
    scenarioIds: input.scenarioIds,
    questionIds: input.questionIds ?? null,
    personalSeeds: input.personalSeeds ?? false,
    showRunBeforeSubmit: input.showRunBeforeSubmit ?? true,
    maxAttempts: input.maxAttempts ?? null,
    keys: input.keys ?? "AFTER_SUBMIT",
    deadline: input.deadline ?? null,
  };
}

export interface AssignmentItem {
  readonly scenario: Scenario;
  readonly questions: readonly Question[];
}

/** Resolves an assignment's scenarios and questions, or says which id is unknown. */
export function resolveItems(
  settings: AssignmentSettings,
  scenarioById: (id: string) => Scenario | undefined,
  questionsOf: (scenario: Scenario) => readonly Question[] = (scenario) => checkScenarioQuestions(scenario).questions,
): AssignmentItem[] {
  const wanted = settings.questionIds === null ? null : new Set(settings.questionIds);
  const items: AssignmentItem[] = [];
  const known = new Set<string>();
  for (const id of settings.scenarioIds) {
    const scenario = scenarioById(id);
    if (scenario === undefined) throw new AssignmentError(`scenarioIds: no scenario "${id}"`);
    const questions = questionsOf(scenario);
    for (const question of questions) known.add(question.id);
    items.push({ scenario, questions: wanted === null ? questions : questions.filter((q) => wanted.has(q.id)) });
  }
  for (const id of wanted ?? []) {
    if (!known.has(id))
      throw new AssignmentError(
        `questionIds: no question "${id}" in the assignment's scenarios (ids are "<scenario>/<question>")`,
      );
  }
  if (items.every((item) => item.questions.length === 0))
    throw new AssignmentError("scenarioIds: these scenarios have no questions to grade");
  return items;
}

export class AssignmentError extends Error {}

/**
 * A student's personal seed: HMAC-SHA256 keyed with the server's secret over the
 * assignment and the student, so that nobody can compute a neighbour's seed.
 */
export function personalSeed(secret: string, assignmentId: string, studentId: string): number {
  const digest = createHmac("sha256", secret).update(`${assignmentId}\u0000${studentId}`).digest();
  return digest.readUInt32BE(0) % (MAX_SEED + 1);
}

/** Whether keys may be shown now, for a student who has (or has not) submitted. */
export function keysReleased(settings: AssignmentSettings, submitted: boolean, now: Date): boolean {
  switch (settings.keys) {
    case "NEVER":
      return false;
    case "AFTER_SUBMIT":
      return submitted;
    case "AFTER_DEADLINE":
      return settings.deadline !== null && now.getTime() >= Date.parse(settings.deadline);
  }
}
