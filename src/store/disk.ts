import type { Db } from "./database";
import type { DiskStore } from "./contract";
import { SourceTable } from "./sources";

/**
 * Which finished runs are kept (issue 13). A run is deleted only when every rule that is
 * set lets it go: it is not among the newest `keepRunsPerScenario` of its scenario, and
 * it was created more than `keepRunsDays` days ago. With no rule set nothing is deleted.
 * Whatever the rules, a RUNNING run, a run a submission links to and a run a student
 * owns (grading made it and hands out its id) are always kept.
 */
export interface RetentionPolicy {
  readonly keepRunsPerScenario?: number;
  readonly keepRunsDays?: number;
  /** A FAILED run's partial trace is deleted once the run has been over this long, in minutes. */
  readonly failedTraceMinutes: number;
}

/** What one retention pass (or vacuum) did. */
export interface ReclaimReport {
  readonly runsDeleted: number;
  /** FAILED runs whose partial traces were deleted (the run rows are kept with their error and seed). */
  readonly tracesReclaimed: number;
  /** Trace rows deleted, of deleted runs and of reclaimed traces together. */
  readonly eventsDeleted: number;
  readonly sourcesDeleted: number;
}

/** One line per table group for `db stats`. */
export interface DiskStats {
  readonly runs: number;
  readonly events: number;
  readonly violations: number;
  readonly sources: number;
  /** Bytes of scenario source text stored (each distinct source once). */
  readonly sourceBytes: number;
  readonly submissions: number;
  /** The database file's size: pages times page size (the WAL not counted). */
  readonly bytes: number;
  /** Bytes in free pages, which VACUUM gives back to the file system. */
  readonly freeBytes: number;
}

export type DeleteOutcome = "deleted" | "not-found" | "running" | "linked" | "forked";

/** How many runs one retention batch looks at: each is deleted in its own short transaction. */
export const RETENTION_BATCH_RUNS = 100;

/**
 * Deleting runs and reclaiming disk. Each run is deleted in its own IMMEDIATE
 * transaction (its events and violations go with it by ON DELETE CASCADE), so a
 * process killed half-way leaves every run whole or gone, never half-deleted.
 */
export class DiskTables {
  private readonly sources: SourceTable;

  constructor(private readonly db: Db) {
    this.sources = new SourceTable(db);
  }

  /** How many events a run has stored (0 for an unknown run). */
  eventCount(runId: string): number {
    return (this.db.prepare("SELECT event_count FROM runs WHERE id = ?").pluck().get(runId) as number | undefined) ?? 0;
  }

  /** The submissions that link to a run (a run they link to is never deleted). */
  linkedSubmissions(runId: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM submission_runs WHERE run_id = ?").get(runId) as { n: number })
      .n;
  }

  /** The runs forked from a run (they name it as their parent, so it stays while they do). */
  forks(runId: string): number {
    return this.db.prepare("SELECT count(*) FROM runs WHERE parent_id = ?").pluck().get(runId) as number;
  }

  /**
   * Deletes a finished run with its events and violations, and its source when no other
   * run names it. Refuses (deleting nothing) a RUNNING run, a run a submission links to,
   * and a run with forks (Run.parent and divergesAt read it).
   */
  deleteRun(runId: string): DeleteOutcome {
    return this.db
      .transaction((): DeleteOutcome => {
        const run = this.db.prepare("SELECT status, source_hash FROM runs WHERE id = ?").get(runId) as
          { status: string; source_hash: string | null } | undefined;
        if (run === undefined) return "not-found";
        if (run.status === "RUNNING") return "running";
        if (this.linkedSubmissions(runId) > 0) return "linked";
        if (this.forks(runId) > 0) return "forked";
        this.db.prepare("DELETE FROM runs WHERE id = ?").run(runId);
        if (run.source_hash !== null) {
          this.db
            .prepare("DELETE FROM sources WHERE hash = ? AND NOT EXISTS (SELECT 1 FROM runs WHERE source_hash = ?)")
            .run(run.source_hash, run.source_hash);
        }
        return "deleted";
      })
      .immediate();
  }

  /**
   * Deletes the stored events of one FAILED run (a partial trace nobody can complete):
   * the run row stays, with its error and seed, its event count 0. Returns the rows deleted.
   */
  reclaimTrace(runId: string): number {
    return this.db
      .transaction((): number => {
        const run = this.db.prepare("SELECT status FROM runs WHERE id = ?").get(runId) as
          { status: string } | undefined;
        if (run?.status !== "FAILED") return 0;
        const deleted = this.db.prepare("DELETE FROM events WHERE run_id = ?").run(runId).changes;
        this.db.prepare("UPDATE runs SET event_count = 0 WHERE id = ?").run(runId);
        return deleted;
      })
      .immediate();
  }

  /** FAILED runs that still hold events and have been over since before `finishedBefore` (ISO 8601). */
  failedTraces(finishedBefore: string, limit: number): string[] {
    return this.db
      .prepare(
        `SELECT id FROM runs WHERE status = 'FAILED' AND event_count > 0 AND finished_at <= ?
         ORDER BY number LIMIT ?`,
      )
      .pluck()
      .all(finishedBefore, limit) as string[];
  }

  /** Runs the policy lets go, oldest first, at most `limit`. */
  expiredRuns(policy: RetentionPolicy, now: Date, limit: number): string[] {
    const keep = policy.keepRunsPerScenario ?? null;
    const days = policy.keepRunsDays ?? null;
    if (keep === null && days === null) return [];
    const cutoff = days === null ? null : new Date(now.getTime() - days * 86_400_000).toISOString();
    return this.db
      .prepare(
        `SELECT id FROM (
           SELECT id, number, status, created_at, owner_student_id,
                  row_number() OVER (PARTITION BY scenario_id ORDER BY number DESC) AS rank
           FROM runs
         ) AS ranked
         WHERE status <> 'RUNNING' AND owner_student_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM submission_runs l WHERE l.run_id = ranked.id)
           AND NOT EXISTS (SELECT 1 FROM runs f WHERE f.parent_id = ranked.id)
           AND (@keep IS NULL OR rank > @keep)
           AND (@cutoff IS NULL OR created_at < @cutoff)
         ORDER BY number LIMIT @limit`,
      )
      .pluck()
      .all({ keep, cutoff, limit }) as string[];
  }

  /** Deletes every source no run names any more. */
  deleteUnusedSources(): number {
    return this.sources.deleteUnused();
  }

  stats(): DiskStats {
    const one = (sql: string): number => (this.db.prepare(sql).pluck().get() as number | null) ?? 0;
    const pageSize = one("PRAGMA page_size");
    return {
      runs: one("SELECT count(*) FROM runs"),
      // Each run's event_count is updated in the transaction that stores its rows, so their sum is exact and cheap.
      events: one("SELECT sum(event_count) FROM runs"),
      violations: one("SELECT count(*) FROM violations"),
      sources: one("SELECT count(*) FROM sources"),
      sourceBytes: one("SELECT sum(bytes) FROM sources"),
      submissions: one("SELECT count(*) FROM submissions"),
      bytes: one("PRAGMA page_count") * pageSize,
      freeBytes: one("PRAGMA freelist_count") * pageSize,
    };
  }
}

/**
 * One retention pass: deletes the runs the policy lets go, reclaims the partial traces
 * of FAILED runs over for longer than policy.failedTraceMinutes, then deletes sources no
 * run names. Each run is its own short transaction and `pause` is awaited between
 * them, so a server keeps answering while a pass deletes millions of rows.
 */
export async function applyRetention(
  disk: DiskStore,
  policy: RetentionPolicy,
  now: Date,
  pause: () => Promise<void> = async () => {},
): Promise<ReclaimReport> {
  let runsDeleted = 0;
  let tracesReclaimed = 0;
  let eventsDeleted = 0;
  for (;;) {
    const batch = await disk.expiredRuns(policy, now, RETENTION_BATCH_RUNS);
    let progressed = false;
    for (const runId of batch) {
      const events = await disk.eventCount(runId);
      if ((await disk.deleteRun(runId)) === "deleted") {
        runsDeleted += 1;
        eventsDeleted += events;
        progressed = true;
      }
      await pause();
    }
    if (batch.length < RETENTION_BATCH_RUNS || !progressed) break;
  }
  const failedBefore = new Date(now.getTime() - policy.failedTraceMinutes * 60_000).toISOString();
  for (;;) {
    const batch = await disk.failedTraces(failedBefore, RETENTION_BATCH_RUNS);
    for (const runId of batch) {
      eventsDeleted += await disk.reclaimTrace(runId);
      tracesReclaimed += 1;
      await pause();
    }
    if (batch.length < RETENTION_BATCH_RUNS) break;
  }
  const sourcesDeleted = await disk.deleteUnusedSources();
  return { runsDeleted, tracesReclaimed, eventsDeleted, sourcesDeleted };
}

/** What `db vacuum` did: the pass, and the file's size before and after. */
export interface VacuumReport extends ReclaimReport {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/**
 * `db vacuum`: a retention pass, then the store gives free space back (DiskStore.compact:
 * SQLite's VACUUM and a WAL checkpoint; PostgreSQL's VACUUM). On SQLite, VACUUM needs the
 * file to itself for its duration: a server writing to it makes it wait (busy timeout).
 */
export async function vacuum(disk: DiskStore, policy: RetentionPolicy, now: Date): Promise<VacuumReport> {
  const bytesBefore = (await disk.stats()).bytes;
  const report = await applyRetention(disk, policy, now);
  await disk.compact();
  return { ...report, bytesBefore, bytesAfter: (await disk.stats()).bytes };
}
