import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "./database";
import type { GradebookRow } from "./contract";
import { fromGradebookRow, fromSubmissionRow, type GradebookQueryRow, type SubmissionRow } from "./rows";

/**
 * Grading's tables: students, bearer tokens (stored only as sha256 hashes),
 * assignments and submissions. A submission is written once and never changed
 * (a trigger refuses UPDATE), so a grade can always be shown to be the one given.
 */
export const GRADING_MIGRATION = `
  CREATE TABLE students (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE tokens (
    hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
    role TEXT NOT NULL CHECK (role IN ('instructor', 'student')),
    student_id TEXT REFERENCES students (id),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    CHECK ((role = 'student') = (student_id IS NOT NULL))
  ) STRICT;

  CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    settings TEXT NOT NULL CHECK (json_valid(settings)),
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE submissions (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    student_id TEXT NOT NULL REFERENCES students (id),
    created_at TEXT NOT NULL,
    seeds TEXT NOT NULL CHECK (json_valid(seeds)),
    answers TEXT NOT NULL CHECK (json_valid(answers)),
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    feedback TEXT NOT NULL CHECK (json_valid(feedback))
  ) STRICT;
  CREATE INDEX submissions_by_student ON submissions (assignment_id, student_id, number);
  CREATE TRIGGER submissions_never_change BEFORE UPDATE ON submissions
    BEGIN SELECT RAISE(ABORT, 'a submission is never changed once stored'); END;

  ALTER TABLE runs ADD COLUMN owner_student_id TEXT REFERENCES students (id);
`;

export type Role = "instructor" | "student";

export interface StoredStudent {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface TokenIdentity {
  readonly role: Role;
  readonly studentId: string | null;
}

export interface StoredAssignment {
  readonly id: string;
  readonly title: string;
  /** The assignment's settings as JSON text (grading's AssignmentSettings). */
  readonly settings: string;
  readonly createdAt: string;
}

export interface NewSubmission {
  readonly assignmentId: string;
  readonly studentId: string;
  readonly seeds: string;
  readonly answers: string;
  readonly score: number;
  readonly maxScore: number;
  readonly feedback: string;
}

export interface StoredSubmission extends NewSubmission {
  readonly id: string;
  readonly createdAt: string;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class GradingTables {
  constructor(private readonly db: Db) {}

  createStudent(name: string): StoredStudent {
    const student = { id: `student-${randomUUID()}`, name, createdAt: new Date().toISOString() };
    this.db
      .prepare("INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)")
      .run(student.id, student.name, student.createdAt);
    return student;
  }

  student(id: string): StoredStudent | undefined {
    const row = this.db.prepare("SELECT id, name, created_at FROM students WHERE id = ?").get(id) as
      { id: string; name: string; created_at: string } | undefined;
    return row === undefined ? undefined : { id: row.id, name: row.name, createdAt: row.created_at };
  }

  /** Creates a token and returns it: the only time it exists outside its hash. */
  createToken(role: Role, studentId: string | null, expiresAt: string | null = null): string {
    const token = `fl_${role === "instructor" ? "i" : "s"}_${randomBytes(24).toString("base64url")}`;
    this.db
      .prepare("INSERT INTO tokens (hash, role, student_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .run(hashToken(token), role, studentId, new Date().toISOString(), expiresAt);
    return token;
  }

  /** Who holds this token, or undefined when it is unknown or expired. */
  identify(token: string, now: Date = new Date()): TokenIdentity | undefined {
    const row = this.db
      .prepare("SELECT role, student_id, expires_at FROM tokens WHERE hash = ?")
      .get(hashToken(token)) as { role: Role; student_id: string | null; expires_at: string | null } | undefined;
    if (row === undefined) return undefined;
    if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) return undefined;
    return { role: row.role, studentId: row.student_id };
  }

  createAssignment(title: string, settings: string): StoredAssignment {
    const assignment = { id: `assignment-${randomUUID()}`, title, settings, createdAt: new Date().toISOString() };
    this.db
      .prepare("INSERT INTO assignments (id, title, settings, created_at) VALUES (?, ?, ?, ?)")
      .run(assignment.id, title, settings, assignment.createdAt);
    return assignment;
  }

  assignment(id: string): StoredAssignment | undefined {
    const row = this.db.prepare("SELECT id, title, settings, created_at FROM assignments WHERE id = ?").get(id) as
      { id: string; title: string; settings: string; created_at: string } | undefined;
    return row === undefined
      ? undefined
      : { id: row.id, title: row.title, settings: row.settings, createdAt: row.created_at };
  }

  /**
   * Stores a submission unless the student has used up maxAttempts: the count and the
   * insert are one IMMEDIATE transaction, so two submissions racing cannot both pass.
   */
  insertSubmission(submission: NewSubmission, maxAttempts: number | null): StoredSubmission | "attempts-used" {
    const stored: StoredSubmission = {
      ...submission,
      id: `submission-${randomUUID()}`,
      createdAt: new Date().toISOString(),
    };
    return this.db
      .transaction((): StoredSubmission | "attempts-used" => {
        if (maxAttempts !== null && this.attempts(submission.assignmentId, submission.studentId) >= maxAttempts) {
          return "attempts-used";
        }
        this.db
          .prepare(
            `INSERT INTO submissions (id, assignment_id, student_id, created_at, seeds, answers, score, max_score, feedback)
             VALUES (@id, @assignmentId, @studentId, @createdAt, @seeds, @answers, @score, @maxScore, @feedback)`,
          )
          .run(stored);
        return stored;
      })
      .immediate();
  }

  attempts(assignmentId: string, studentId: string): number {
    return (
      this.db
        .prepare("SELECT count(*) AS n FROM submissions WHERE assignment_id = ? AND student_id = ?")
        .get(assignmentId, studentId) as { n: number }
    ).n;
  }

  submission(id: string): StoredSubmission | undefined {
    const row = this.db.prepare("SELECT * FROM submissions WHERE id = ?").get(id) as SubmissionRow | undefined;
    return row === undefined ? undefined : fromSubmissionRow(row);
  }

  /** Submissions to an assignment, oldest first; of one student when studentId is given. */
  submissions(assignmentId: string, studentId?: string): StoredSubmission[] {
    const rows = (
      studentId === undefined
        ? this.db.prepare("SELECT * FROM submissions WHERE assignment_id = ? ORDER BY number").all(assignmentId)
        : this.db
            .prepare("SELECT * FROM submissions WHERE assignment_id = ? AND student_id = ? ORDER BY number")
            .all(assignmentId, studentId)
    ) as SubmissionRow[];
    return rows.map(fromSubmissionRow);
  }

  /** Every student who submitted: best and latest score and attempts, by student name. */
  gradebook(assignmentId: string): GradebookRow[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.name, s.created_at, max(sub.score) AS best, count(*) AS attempts,
                (SELECT score FROM submissions l WHERE l.assignment_id = sub.assignment_id AND l.student_id = s.id
                 ORDER BY l.number DESC LIMIT 1) AS latest
         FROM submissions sub JOIN students s ON s.id = sub.student_id
         WHERE sub.assignment_id = ? GROUP BY s.id ORDER BY s.name, s.id`,
      )
      .all(assignmentId) as GradebookQueryRow[];
    return rows.map(fromGradebookRow);
  }

  /** Marks a run as a student's (their variant run, or the run one of their schedules made). */
  setRunOwner(runId: string, studentId: string): void {
    this.db.prepare("UPDATE runs SET owner_student_id = ? WHERE id = ?").run(studentId, runId);
  }

  runOwner(runId: string): string | null {
    const row = this.db.prepare("SELECT owner_student_id FROM runs WHERE id = ?").get(runId) as
      { owner_student_id: string | null } | undefined;
    return row?.owner_student_id ?? null;
  }
}
