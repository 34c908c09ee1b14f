import type { DiskStore } from "../contract";
import type { DeleteOutcome, DiskStats } from "../disk";
import { sqlState, type PgDatabase, type Queryable } from "./pool";

/** Our tables, for VACUUM (only ours: a bare VACUUM would work through every schema of a shared database). */
const TABLES =
  "scenarios, sources, students, runs, events, violations, tokens, assignments, submissions, submission_runs, " +
  "settings, schema_migrations";

const FOREIGN_KEY_VIOLATION = "23503";

/**
 * Deletes a source if no run names it, inside the caller's transaction. A run being
 * inserted with this very source at the same moment may make the delete hit the foreign
 * key; the savepoint then undoes only this delete (the source is in use again) and the
 * caller's transaction goes on.
 */
async function deleteSourceIfUnused(client: Queryable, hash: string): Promise<number> {
  await client.query("SAVEPOINT delete_source");
  try {
    const result = await client.query(
      "DELETE FROM sources WHERE hash = $1 AND NOT EXISTS (SELECT 1 FROM runs WHERE source_hash = $1)",
      [hash],
    );
    await client.query("RELEASE SAVEPOINT delete_source");
    return result.rowCount ?? 0;
  } catch (error) {
    if (sqlState(error) !== FOREIGN_KEY_VIOLATION) throw error;
    await client.query("ROLLBACK TO SAVEPOINT delete_source");
    return 0;
  }
}

/**
 * Deleting runs and reclaiming space, with the rules of src/store/disk.ts. Each run is
 * deleted in its own transaction that first locks its row (FOR UPDATE): a fork or a
 * submission link being inserted at the same moment holds a key-share lock on it through
 * its foreign key, so the two take turns and the checks below see the other's rows.
 */
export function pgDiskStore(db: PgDatabase): DiskStore {
  const count = async (operation: string, sql: string, values: (string | number)[] = []): Promise<number> =>
    (await db.query<{ n: number | null }>(operation, sql, values)).rows[0]?.n ?? 0;

  return {
    eventCount: (runId) =>
      count(`reading the event count of run ${runId}`, "SELECT event_count AS n FROM runs WHERE id = $1", [runId]),

    linkedSubmissions: (runId) =>
      count(
        `counting submissions linked to run ${runId}`,
        "SELECT count(*) AS n FROM submission_runs WHERE run_id = $1",
        [runId],
      ),

    forks: (runId) =>
      count(`counting forks of run ${runId}`, "SELECT count(*) AS n FROM runs WHERE parent_id = $1", [runId]),

    deleteRun: (runId) =>
      db.transaction(`deleting run ${runId}`, async (client): Promise<DeleteOutcome> => {
        const run = await client.query<{ status: string; source_hash: string | null }>(
          "SELECT status, source_hash FROM runs WHERE id = $1 FOR UPDATE",
          [runId],
        );
        const row = run.rows[0];
        if (row === undefined) return "not-found";
        if (row.status === "RUNNING") return "running";
        const links = await client.query("SELECT 1 FROM submission_runs WHERE run_id = $1 LIMIT 1", [runId]);
        if ((links.rowCount ?? 0) > 0) return "linked";
        const forks = await client.query("SELECT 1 FROM runs WHERE parent_id = $1 LIMIT 1", [runId]);
        if ((forks.rowCount ?? 0) > 0) return "forked";
        // events and violations go with it (ON DELETE CASCADE).
        await client.query("DELETE FROM runs WHERE id = $1", [runId]);
        if (row.source_hash !== null) await deleteSourceIfUnused(client, row.source_hash);
        return "deleted";
      }),

    reclaimTrace: (runId) =>
      db.transaction(`reclaiming the trace of run ${runId}`, async (client) => {
        const run = await client.query<{ status: string }>("SELECT status FROM runs WHERE id = $1 FOR NO KEY UPDATE", [
          runId,
        ]);
        if (run.rows[0]?.status !== "FAILED") return 0;
        const deleted = await client.query("DELETE FROM events WHERE run_id = $1", [runId]);
        await client.query("UPDATE runs SET event_count = 0 WHERE id = $1", [runId]);
        return deleted.rowCount ?? 0;
      }),

    async failedTraces(finishedBefore, limit) {
      const result = await db.query<{ id: string }>(
        "listing FAILED runs with traces",
        `SELECT id FROM runs WHERE status = 'FAILED' AND event_count > 0 AND finished_at <= $1
         ORDER BY number LIMIT $2`,
        [finishedBefore, limit],
      );
      return result.rows.map((row) => row.id);
    },

    async expiredRuns(policy, now, limit) {
      const keep = policy.keepRunsPerScenario ?? null;
      const days = policy.keepRunsDays ?? null;
      if (keep === null && days === null) return [];
      const cutoff = days === null ? null : new Date(now.getTime() - days * 86_400_000).toISOString();
      const result = await db.query<{ id: string }>(
        "listing runs retention lets go",
        `SELECT id FROM (
           SELECT id, number, status, created_at, owner_student_id,
                  row_number() OVER (PARTITION BY scenario_id ORDER BY number DESC) AS rank
           FROM runs
         ) AS ranked
         WHERE status <> 'RUNNING' AND owner_student_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM submission_runs l WHERE l.run_id = ranked.id)
           AND NOT EXISTS (SELECT 1 FROM runs f WHERE f.parent_id = ranked.id)
           AND ($1::bigint IS NULL OR rank > $1::bigint)
           AND ($2::text IS NULL OR created_at < $2::text)
         ORDER BY number LIMIT $3`,
        [keep, cutoff, limit],
      );
      return result.rows.map((row) => row.id);
    },

    /** One source at a time, each with the same race-safe delete deleteRun uses. */
    deleteUnusedSources: () =>
      db.transaction("deleting unused sources", async (client) => {
        const unused = await client.query<{ hash: string }>(
          "SELECT hash FROM sources WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.source_hash = sources.hash)",
        );
        let deleted = 0;
        for (const { hash } of unused.rows) deleted += await deleteSourceIfUnused(client, hash);
        return deleted;
      }),

    /**
     * bytes: the on-disk size of our tables with their indexes and TOAST
     * (pg_total_relation_size), summed over the tables in the current schema.
     * freeBytes is always 0: PostgreSQL keeps no cheap free-page count like SQLite's
     * freelist (it needs the pgstattuple extension and a full scan), and VACUUM leaves the
     * space it frees inside the tables for reuse rather than giving it back to the disk.
     */
    async stats(): Promise<DiskStats> {
      const result = await db.query<Omit<DiskStats, "freeBytes">>(
        "reading disk statistics",
        `SELECT
           (SELECT count(*) FROM runs) AS runs,
           (SELECT coalesce(sum(event_count), 0)::bigint FROM runs) AS events,
           (SELECT count(*) FROM violations) AS violations,
           (SELECT count(*) FROM sources) AS sources,
           (SELECT coalesce(sum(bytes), 0)::bigint FROM sources) AS "sourceBytes",
           (SELECT count(*) FROM submissions) AS submissions,
           (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relkind = 'r') AS bytes`,
      );
      const row = result.rows[0];
      if (row === undefined) throw new Error(`faultline: disk statistics of ${db.location} returned no row`);
      return { ...row, freeBytes: 0 };
    },

    /**
     * VACUUM (ANALYZE) of our tables: marks dead rows' space reusable and refreshes the
     * planner's statistics. It cannot run inside a transaction, so it goes straight to the pool.
     */
    async compact() {
      await db.query("vacuuming", `VACUUM (ANALYZE) ${TABLES}`);
    },
  };
}
