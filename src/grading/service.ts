import type { Json } from "../sim/json";
import { checkScenarioQuestions } from "./keys";
import { withoutKeys } from "./redact";
import type { Scenario } from "../scenarios/types";
import type { StoredAssignment, StoredStudent, StoredSubmission } from "../store";
import type { FaultlineStore, GradebookRow } from "../store/contract";
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
import { inProcessGrader, type FeedbackView, type Grader } from "./task";

/** Who is asking: nobody, an instructor, or one student. */
export type Identity =
  | { readonly role: "anonymous"; readonly rejected?: boolean }
  | { readonly role: "instructor" }
  | { readonly role: "student"; readonly studentId: string };

export type GradingErrorCode = "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT" | "BUSY";

/** A refusal with a code the API passes on (extensions.code, and extensions.limit for a limit); its message never holds a key. */
export class GradingError extends Error {
  constructor(
    readonly code: GradingErrorCode,
    message: string,
    readonly limit?: number,
    /** The limit's name (its environment variable), for extensions.limitName. */
    readonly limitName?: string,
  ) {
    super(message);
  }
}

export type { FeedbackView };

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
  /** The scenario's questions, checked when it was loaded (loadGradedCatalog); absent: checked on demand. */
  questions?(id: string): readonly Question[] | undefined;
}

/**
 * Assignments, students and submissions over the store: every key is computed
 * from the student's own run, every submission stored once, and every read checks
 * who asks. The seed secret keys personal seeds (HMAC), so a student cannot
 * compute a neighbour's.
 */
export class GradingService {
  constructor(
    private readonly store: FaultlineStore,
    private readonly catalog: GradingCatalog,
    private readonly seedSecret: string,
    private readonly now: () => Date = () => new Date(),
    /** Where runs, keys and schedules are computed: a GradingPool in the server, in-process by default. */
    private readonly grader: Grader = inProcessGrader(store),
  ) {}

  async createStudent(who: Identity, name: string): Promise<{ student: StoredStudent; token: string }> {
    requireInstructor(who);
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 200) {
      throw new GradingError("BAD_USER_INPUT", 'Argument "name" must be 1 to 200 characters');
    }
    const student = await this.store.grading.createStudent(trimmed);
    return { student, token: await this.store.grading.createToken("student", student.id) };
  }

  async createAssignment(who: Identity, input: unknown): Promise<AssignmentView> {
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
    const stored = await this.store.grading.createAssignment(settings.title, JSON.stringify(settings));
    return this.instructorView(stored.id, settings);
  }

  /** An assignment as the asker may see it; a student gets their own variant. */
  async assignment(who: Identity, id: string): Promise<AssignmentView | null> {
    requireSignedIn(who);
    const stored = await this.store.grading.assignment(id);
    if (stored === undefined) return null;
    const settings = settingsOf(stored);
    if (who.role === "instructor") return this.instructorView(id, settings);
    const items = this.items(settings);
    const submitted = (await this.store.grading.attempts(id, who.studentId)) > 0;
    const visible = settings.showRunBeforeSubmit || submitted;
    const studentItems = await Promise.all(
      items.map(async (item) => {
        const seed = this.seedFor(stored, settings, item, who.studentId);
        return {
          scenario: item.scenario,
          seed: visible ? seed : null,
          runId: visible ? await this.variantRun(item.scenario, seed, who.studentId) : null,
          questions: item.questions,
        };
      }),
    );
    return { id, title: settings.title, deadline: settings.deadline, settings, items: studentItems };
  }

  /** What an instructor sees of an assignment: the default seeds, no run. */
  private instructorView(id: string, settings: AssignmentSettings): AssignmentView {
    return {
      id,
      title: settings.title,
      deadline: settings.deadline,
      settings,
      items: this.items(settings).map((item) => ({
        scenario: item.scenario,
        seed: item.scenario.spec.seed,
        runId: null,
        questions: item.questions,
      })),
    };
  }

  async submitAnswers(
    who: Identity,
    assignmentId: string,
    answers: readonly { questionId: string; value: Json }[],
  ): Promise<SubmissionView> {
    if (who.role !== "student") {
      requireSignedIn(who);
      throw new GradingError("FORBIDDEN", "only a student submits answers (send a student's bearer token)");
    }
    const stored = await this.store.grading.assignment(assignmentId);
    if (stored === undefined) throw new GradingError("NOT_FOUND", `no assignment "${assignmentId}"`);
    const settings = settingsOf(stored);
    if (
      settings.maxAttempts !== null &&
      (await this.store.grading.attempts(assignmentId, who.studentId)) >= settings.maxAttempts
    ) {
      throw new GradingError(
        "FORBIDDEN",
        `every attempt is used (the assignment's maxAttempts is ${settings.maxAttempts})`,
      );
    }
    const items = this.items(settings);
    const questions = items.flatMap((item) => [...item.questions]);
    try {
      answerMap(answers, new Set(questions.map((q) => q.id)));
    } catch (error) {
      throw new GradingError("BAD_USER_INPUT", (error as Error).message);
    }
    const seeds: Record<string, number> = {};
    for (const item of items) seeds[item.scenario.id] = this.seedFor(stored, settings, item, who.studentId);
    const taskItems = items
      .filter((item) => item.questions.length > 0)
      .map((item) => ({
        source: item.scenario.source,
        file: item.scenario.file,
        seed: seeds[item.scenario.id] as number,
        questions: item.questions,
      }));
    const graded = await this.grader.run({
      kind: "grade",
      studentId: who.studentId,
      items: taskItems,
      answers: answers.map((answer) => ({ questionId: answer.questionId, value: answer.value })),
    });
    const released = keysReleased(settings, true, this.now());
    const submission = await this.store.grading.insertSubmission(
      {
        assignmentId,
        studentId: who.studentId,
        seeds: JSON.stringify(seeds),
        answers: JSON.stringify(answers),
        score: graded.score,
        maxScore: graded.maxScore,
        feedback: JSON.stringify(graded.feedback),
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

  async submission(who: Identity, id: string): Promise<SubmissionView | null> {
    requireSignedIn(who);
    const stored = await this.store.grading.submission(id);
    if (stored === undefined) return null;
    if (who.role === "student" && stored.studentId !== who.studentId) {
      throw new GradingError("FORBIDDEN", "a student may read only their own submissions");
    }
    return this.view(stored, await this.released(who, stored.assignmentId));
  }

  async submissions(who: Identity, assignmentId: string, studentId: string | null): Promise<SubmissionView[]> {
    requireSignedIn(who);
    if (who.role === "student" && studentId !== null && studentId !== who.studentId) {
      throw new GradingError("FORBIDDEN", "a student may read only their own submissions");
    }
    const student = who.role === "student" ? who.studentId : (studentId ?? undefined);
    const released = await this.released(who, assignmentId);
    const stored = await this.store.grading.submissions(assignmentId, student);
    return Promise.all(stored.map((one) => this.view(one, released)));
  }

  async gradebook(who: Identity, assignmentId: string): Promise<GradebookRow[]> {
    requireInstructor(who);
    if ((await this.store.grading.assignment(assignmentId)) === undefined)
      throw new GradingError("NOT_FOUND", `no assignment "${assignmentId}"`);
    return this.store.grading.gradebook(assignmentId);
  }

  /** The gradebook as CSV (student id, name, best, latest, attempts), for a spreadsheet. */
  async gradebookCsv(who: Identity, assignmentId: string): Promise<string> {
    const rows = await this.gradebook(who, assignmentId);
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
  async canReadRun(who: Identity, runId: string): Promise<boolean> {
    const owner = await this.store.grading.runOwner(runId);
    if (owner === null || who.role === "instructor") return true;
    return who.role === "student" && who.studentId === owner;
  }

  /**
   * Refuses a run a student owns to anyone but that student and instructors:
   * UNAUTHENTICATED without a (valid) token, FORBIDDEN for anyone else. The one
   * check behind every door that takes a run id (the API's readableRun).
   */
  async assertCanReadRun(who: Identity, runId: string): Promise<void> {
    if (await this.canReadRun(who, runId)) return;
    if (who.role === "anonymous") {
      throw new GradingError(
        "UNAUTHENTICATED",
        who.rejected === true
          ? "the bearer token is unknown or expired"
          : `run ${runId} belongs to a student: sign in as that student or an instructor`,
      );
    }
    throw new GradingError("FORBIDDEN", `run ${runId} belongs to another student`);
  }

  /** Which runs a list shows the asker: every run (undefined), or the unowned ones and the student's own. */
  runOwnerFilter(who: Identity): { readonly student: string | null } | undefined {
    if (who.role === "instructor") return undefined;
    return { student: who.role === "student" ? who.studentId : null };
  }

  /** A scenario's questions, without their keys (the API's Question type has no field for them). */
  questionsOf(scenario: Scenario): readonly Question[] {
    return this.catalog.questions?.(scenario.id) ?? checkScenarioQuestions(scenario).questions;
  }

  /** Scenario.source: as written for an instructor, with every answer query and example removed for anyone else. */
  scenarioSource(who: Identity, scenario: Scenario): string {
    return who.role === "instructor" ? scenario.source : withoutKeys(scenario.source);
  }

  /** Stops the grading workers. */
  close(): Promise<void> {
    return this.grader.close();
  }

  private items(settings: AssignmentSettings): AssignmentItem[] {
    try {
      return resolveItems(
        settings,
        (id) => this.catalog.scenario(id),
        (scenario) => this.questionsOf(scenario),
      );
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

  /** Variant runs by student, scenario and seed: made once (a second asker waits for the first). */
  private readonly variantRuns = new Map<string, Promise<string>>();

  /** The student's run of a scenario at their seed, stored once and owned by them. */
  private variantRun(scenario: Scenario, seed: number, studentId: string): Promise<string> {
    const key = `${studentId}/${scenario.id}/${seed}/${scenario.source.length}`;
    let runId = this.variantRuns.get(key);
    if (runId === undefined) {
      runId = this.grader.run({ kind: "variant", studentId, source: scenario.source, file: scenario.file, seed });
      this.variantRuns.set(key, runId);
      runId.catch(() => this.variantRuns.delete(key));
    }
    return runId;
  }

  private async released(who: Identity, assignmentId: string): Promise<boolean> {
    if (who.role === "instructor") return true;
    const stored = await this.store.grading.assignment(assignmentId);
    if (stored === undefined) return false;
    return keysReleased(settingsOf(stored), true, this.now());
  }

  private async view(stored: StoredSubmission, released: boolean): Promise<SubmissionView> {
    const student = (await this.store.grading.student(stored.studentId)) as StoredStudent;
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
