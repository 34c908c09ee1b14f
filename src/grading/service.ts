import type { Json } from "../sim/json";
import type { Scenario } from "../scenarios/types";
import type { Store, StoredAssignment, StoredStudent, StoredSubmission } from "../store";
import { answerMap } from "./answers";
import {
  assignmentSchema,
  keysReleased,
  personalSeed,
  resolveItems,
  withDefaults,
  type AssignmentItem,
  type AssignmentSettings,
} from "./assignment";
import type { Question } from "./questions";
import { recordFinishedRun } from "./record";
import { grade, type Feedback } from "./score";
import { subjectOf } from "./subject";

/** Who is asking: nobody, an instructor, or one student. */
export type Identity =
  | { readonly role: "anonymous"; readonly rejected?: boolean }
  | { readonly role: "instructor" }
  | { readonly role: "student"; readonly studentId: string };

export type GradingErrorCode = "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT";

/** A refusal with a code the API passes on (extensions.code); its message never holds a key. */
export class GradingError extends Error {
  constructor(
    readonly code: GradingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AssignmentView {
  readonly id: string;
  readonly title: string;
  readonly deadline: string | null;
  readonly settings: AssignmentSettings;
  readonly items: readonly {
    scenario: Scenario;
    seed: number | null;
    runId: string | null;
    questions: readonly Question[];
  }[];
}

export interface FeedbackView {
  readonly questionId: string;
  readonly correct: boolean;
  readonly points: number;
  readonly expected: Json | null;
  readonly justification: readonly number[];
  readonly runId: string | null;
  readonly message: string | null;
}

export interface SubmissionView {
  readonly id: string;
  readonly student: StoredStudent;
  readonly assignmentId: string;
  readonly score: number;
  readonly maxScore: number;
  readonly createdAt: string;
  /** The student's seed for the assignment's first scenario (every scenario's seed is in seeds). */
  readonly seed: number;
  readonly seeds: Readonly<Record<string, number>>;
  readonly feedback: readonly FeedbackView[];
}

export interface GradingCatalog {
  scenario(id: string): Scenario | undefined;
}

/**
 * Assignments, students and submissions over the store: every key is computed
 * from the student's own run, every submission stored once, and every read checks
 * who asks. The seed secret keys personal seeds (HMAC), so a student cannot
 * compute a neighbour's.
 */
export class GradingService {
  constructor(
    private readonly store: Store,
    private readonly catalog: GradingCatalog,
    private readonly seedSecret: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  createStudent(who: Identity, name: string): { student: StoredStudent; token: string } {
    requireInstructor(who);
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 200) {
      throw new GradingError("BAD_USER_INPUT", 'Argument "name" must be 1 to 200 characters');
    }
    const student = this.store.grading.createStudent(trimmed);
    return { student, token: this.store.grading.createToken("student", student.id) };
  }

  createAssignment(who: Identity, input: unknown): AssignmentView {
    requireInstructor(who);
    const parsed = assignmentSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GradingError(
        "BAD_USER_INPUT",
        `input.${(issue?.path ?? []).map(String).join(".")}: ${issue?.message ?? "invalid"}`,
      );
    }
    const settings = withDefaults(parsed.data);
    this.items(settings); // every id must resolve before anything is stored
    const stored = this.store.grading.createAssignment(settings.title, JSON.stringify(settings));
    return this.assignment(who, stored.id) as AssignmentView;
  }

  /** An assignment as the asker may see it; a student gets their own variant. */
  assignment(who: Identity, id: string): AssignmentView | null {
    requireSignedIn(who);
    const stored = this.store.grading.assignment(id);
    if (stored === undefined) return null;
    const settings = settingsOf(stored);
    const items = this.items(settings);
    if (who.role === "instructor") {
      return {
        id,
        title: settings.title,
        deadline: settings.deadline,
        settings,
        items: items.map((item) => ({
          scenario: item.scenario,
          seed: item.scenario.spec.seed,
          runId: null,
          questions: item.questions,
        })),
      };
    }
    const submitted = this.store.grading.attempts(id, who.studentId) > 0;
    const visible = settings.showRunBeforeSubmit || submitted;
    return {
      id,
      title: settings.title,
      deadline: settings.deadline,
      settings,
      items: items.map((item) => {
        const seed = this.seedFor(stored, settings, item, who.studentId);
        return {
          scenario: item.scenario,
          seed: visible ? seed : null,
          runId: visible ? this.variantRun(item.scenario, seed, who.studentId) : null,
          questions: item.questions,
        };
      }),
    };
  }

  submitAnswers(
    who: Identity,
    assignmentId: string,
    answers: readonly { questionId: string; value: Json }[],
  ): SubmissionView {
    if (who.role !== "student") {
      requireSignedIn(who);
      throw new GradingError("FORBIDDEN", "only a student submits answers (send a student's bearer token)");
    }
    const stored = this.store.grading.assignment(assignmentId);
    if (stored === undefined) throw new GradingError("NOT_FOUND", `no assignment "${assignmentId}"`);
    const settings = settingsOf(stored);
    if (
      settings.maxAttempts !== null &&
      this.store.grading.attempts(assignmentId, who.studentId) >= settings.maxAttempts
    ) {
      throw new GradingError(
        "FORBIDDEN",
        `every attempt is used (the assignment's maxAttempts is ${settings.maxAttempts})`,
      );
    }
    const items = this.items(settings);
    const questions = items.flatMap((item) => [...item.questions]);
    let byId: Map<string, Json>;
    try {
      byId = answerMap(answers, new Set(questions.map((q) => q.id)));
    } catch (error) {
      throw new GradingError("BAD_USER_INPUT", (error as Error).message);
    }
    const seeds: Record<string, number> = {};
    const gradingItems = items.flatMap((item) => {
      const seed = this.seedFor(stored, settings, item, who.studentId);
      seeds[item.scenario.id] = seed;
      const run = subjectOf(item.scenario, seed);
      return item.questions.map((question) => ({ question, run }));
    });
    const released = keysReleased(settings, true, this.now());
    const graded = grade(gradingItems, byId, true);
    const feedback = graded.feedback.map((one) => this.storedFeedback(one, who.studentId));
    const submission = this.store.grading.insertSubmission(
      {
        assignmentId,
        studentId: who.studentId,
        seeds: JSON.stringify(seeds),
        answers: JSON.stringify(answers),
        score: graded.score,
        maxScore: graded.maxScore,
        feedback: JSON.stringify(feedback),
      },
      settings.maxAttempts,
    );
    if (submission === "attempts-used") {
      throw new GradingError(
        "FORBIDDEN",
        `every attempt is used (the assignment's maxAttempts is ${settings.maxAttempts})`,
      );
    }
    return this.view(submission, released);
  }

  submission(who: Identity, id: string): SubmissionView | null {
    requireSignedIn(who);
    const stored = this.store.grading.submission(id);
    if (stored === undefined) return null;
    if (who.role === "student" && stored.studentId !== who.studentId) {
      throw new GradingError("FORBIDDEN", "a student may read only their own submissions");
    }
    return this.view(stored, this.released(who, stored.assignmentId));
  }

  submissions(who: Identity, assignmentId: string, studentId: string | null): SubmissionView[] {
    requireSignedIn(who);
    if (who.role === "student" && studentId !== null && studentId !== who.studentId) {
      throw new GradingError("FORBIDDEN", "a student may read only their own submissions");
    }
    const student = who.role === "student" ? who.studentId : (studentId ?? undefined);
    const released = this.released(who, assignmentId);
    return this.store.grading.submissions(assignmentId, student).map((stored) => this.view(stored, released));
  }

  gradebook(who: Identity, assignmentId: string): ReturnType<Store["grading"]["gradebook"]> {
    requireInstructor(who);
    if (this.store.grading.assignment(assignmentId) === undefined)
      throw new GradingError("NOT_FOUND", `no assignment "${assignmentId}"`);
    return this.store.grading.gradebook(assignmentId);
  }

  /** The gradebook as CSV (student id, name, best, latest, attempts), for a spreadsheet. */
  gradebookCsv(who: Identity, assignmentId: string): string {
    const rows = this.gradebook(who, assignmentId);
    const quote = (text: string): string =>
      /[",\n\r]/.test(text) || /^[=+\-@]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    return (
      [
        "student_id,name,best,latest,attempts",
        ...rows.map((row) =>
          [quote(row.student.id), quote(row.student.name), row.best, row.latest, row.attempts].join(","),
        ),
      ].join("\n") + "\n"
    );
  }

  /** Whether the asker may read this run: anyone unless a student owns it. */
  canReadRun(who: Identity, runId: string): boolean {
    const owner = this.store.grading.runOwner(runId);
    if (owner === null || who.role === "instructor") return true;
    return who.role === "student" && who.studentId === owner;
  }

  private items(settings: AssignmentSettings): AssignmentItem[] {
    try {
      return resolveItems(settings, (id) => this.catalog.scenario(id));
    } catch (error) {
      throw new GradingError("BAD_USER_INPUT", (error as Error).message);
    }
  }

  private seedFor(
    stored: StoredAssignment,
    settings: AssignmentSettings,
    item: AssignmentItem,
    studentId: string,
  ): number {
    return settings.personalSeeds
      ? personalSeed(this.seedSecret, `${stored.id}/${item.scenario.id}`, studentId)
      : item.scenario.spec.seed;
  }

  private readonly variantRuns = new Map<string, string>();

  /** The student's run of a scenario at their seed, stored once and owned by them. */
  private variantRun(scenario: Scenario, seed: number, studentId: string): string {
    const key = `${studentId}/${scenario.id}/${seed}/${scenario.source.length}`;
    let runId = this.variantRuns.get(key);
    if (runId === undefined) {
      runId = recordFinishedRun(this.store, scenario, seed, subjectOf(scenario, seed).result, studentId);
      this.variantRuns.set(key, runId);
    }
    return runId;
  }

  private storedFeedback(one: Feedback, studentId: string): FeedbackView {
    const runId =
      one.scheduleRun === null
        ? null
        : recordFinishedRun(
            this.store,
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

  private released(who: Identity, assignmentId: string): boolean {
    if (who.role === "instructor") return true;
    const stored = this.store.grading.assignment(assignmentId);
    if (stored === undefined) return false;
    return keysReleased(settingsOf(stored), true, this.now());
  }

  private view(stored: StoredSubmission, released: boolean): SubmissionView {
    const student = this.store.grading.student(stored.studentId) as StoredStudent;
    const seeds = JSON.parse(stored.seeds) as Record<string, number>;
    const feedback = (JSON.parse(stored.feedback) as FeedbackView[]).map((one) => ({
      ...one,
      // Stored with the key; shown only once the assignment releases keys. A schedule's own run is always the student's.
      expected: released ? one.expected : null,
      justification: released || one.runId !== null ? one.justification : [],
    }));
    return {
      id: stored.id,
      student,
      assignmentId: stored.assignmentId,
      score: stored.score,
      maxScore: stored.maxScore,
      createdAt: stored.createdAt,
      seed: Object.values(seeds)[0] ?? 0,
      seeds,
      feedback,
    };
  }
}

function settingsOf(stored: StoredAssignment): AssignmentSettings {
  return JSON.parse(stored.settings) as AssignmentSettings;
}

function requireSignedIn(who: Identity): asserts who is Exclude<Identity, { role: "anonymous" }> {
  if (who.role === "anonymous" && who.rejected === true) {
    throw new GradingError("UNAUTHENTICATED", "the bearer token is unknown or expired");
  }
  if (who.role === "anonymous")
    throw new GradingError("UNAUTHENTICATED", "sign in: send a bearer token in the Authorization header");
}

function requireInstructor(who: Identity): asserts who is { role: "instructor" } {
  requireSignedIn(who);
  if (who.role !== "instructor") throw new GradingError("FORBIDDEN", "only an instructor may do this");
}
