import type { GradebookRow } from "./contract";
import type { StoredSubmission } from "./grading";
import type { StoredRun, StoredRunSource, StoredRunStatus } from "./runs";
import { contentHash, type ScenarioInput, type StoredScenario } from "./scenarios";

/**
 * The rows both stores read, as their drivers return them (the column names are the same
 * in the SQLite and the PostgreSQL schema), and how each becomes what the contract
 * returns: one mapping for both, so the two stores cannot drift apart.
 */

/** The event kinds a trace row may have (a CHECK constraint in both schemas). */
export const EVENT_KIND_LIST =
  "'SEND','DELIVER','DROP','DUPLICATE','TIMER','CRASH','RECOVER','PARTITION','HEAL'," +
  "'CLIENT_INVOKE','CLIENT_RETURN','STATE_CHANGE','NOTE','VIOLATION'";

/** The run columns StoredRun is made of (without the large source and final views). */
export const RUN_COLUMNS =
  "id, number, scenario_id, seed, status, event_count, trace_hash, stop_reason, error, pace, created_at, finished_at, " +
  "parent_id, forked_at";

export interface RunRow {
  id: string;
  number: number;
  scenario_id: string;
  seed: number;
  status: StoredRunStatus;
  event_count: number;
  trace_hash: string | null;
  stop_reason: string | null;
  error: string | null;
  pace: number | null;
  created_at: string;
  finished_at: string | null;
  parent_id: string | null;
  forked_at: number | null;
}

export function fromRunRow(row: RunRow): StoredRun {
  return {
    id: row.id,
    number: row.number,
    scenarioId: row.scenario_id,
    seed: row.seed,
    status: row.status,
    eventCount: row.event_count,
    traceHash: row.trace_hash,
    stopReason: row.stop_reason,
    error: row.error,
    pace: row.pace,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    parentId: row.parent_id,
    forkedAt: row.forked_at,
  };
}

export interface ScenarioRow {
  id: string;
  title: string;
  topic: string;
  protocol: string;
  source: string;
  content_hash: string;
  loaded_at: string;
}

export function fromScenarioRow(row: ScenarioRow): StoredScenario {
  return {
    id: row.id,
    title: row.title,
    topic: row.topic,
    protocol: row.protocol,
    source: row.source,
    contentHash: row.content_hash,
    loadedAt: row.loaded_at,
  };
}

export interface SubmissionRow {
  id: string;
  assignment_id: string;
  student_id: string;
  created_at: string;
  seeds: string;
  answers: string;
  score: number;
  max_score: number;
  feedback: string;
}

export function fromSubmissionRow(row: SubmissionRow): StoredSubmission {
  return {
    id: row.id,
    assignmentId: row.assignment_id,
    studentId: row.student_id,
    createdAt: row.created_at,
    seeds: row.seeds,
    answers: row.answers,
    score: row.score,
    maxScore: row.max_score,
    feedback: row.feedback,
  };
}

/** What a replay needs of a run (StoredRunSource): its source joined from the sources table. */
export interface SourceRow {
  scenario_source: string;
  scenario_file: string | null;
  seed: number;
  final_nodes: string | null;
  schedule: string;
}

/** The run's source query, with the run id as the one parameter (written `?` here; PostgreSQL says `$1`). */
export const SOURCE_QUERY = `SELECT s.text AS scenario_source, r.scenario_file, r.seed, r.final_nodes, r.schedule
       FROM runs r JOIN sources s ON s.hash = r.source_hash WHERE r.id = ?`;

export function fromSourceRow(row: SourceRow): StoredRunSource {
  return {
    scenarioSource: row.scenario_source,
    scenarioFile: row.scenario_file,
    seed: row.seed,
    finalNodes: row.final_nodes,
    schedule: row.schedule,
  };
}

/** A scenario's values in SCENARIO_COLUMNS order, for an insert. */
export function scenarioValues(scenario: ScenarioInput, loadedAt: string): string[] {
  return [
    scenario.id,
    scenario.title,
    scenario.topic,
    scenario.protocol,
    scenario.source,
    contentHash(scenario.source),
    loadedAt,
  ];
}

/** A gradebook line as both stores' gradebook query returns it (student, best, latest, attempts). */
export interface GradebookQueryRow {
  id: string;
  name: string;
  created_at: string;
  best: number;
  attempts: number;
  latest: number;
}

export function fromGradebookRow(row: GradebookQueryRow): GradebookRow {
  return {
    student: { id: row.id, name: row.name, createdAt: row.created_at },
    best: row.best,
    latest: row.latest,
    attempts: row.attempts,
  };
}
