import { EVENT_KIND_LIST } from "../rows";
import type { Migration, MigrationReport } from "../migrations";
import { StoreRefusal, type PgDatabase } from "./pool";

/**
 * Version 1 is today's whole SQLite schema (migrations 1 to 7 of src/store/migrations.ts)
 * in PostgreSQL's dialect: PostgreSQL stores are new databases, so there is no history to
 * replay. The same tables, columns, CHECKs and indexes, so both stores answer the same
 * queries the same way. Differences, each for a reason:
 * - runs.number and submissions.number are bigint identities (SQLite's AUTOINCREMENT).
 * - SQLite's json_valid(x) CHECK is a cast to json, which refuses invalid text; the text
 *   itself is stored as it came (json, not jsonb), so it comes back byte-identical.
 * - Timestamps stay ISO 8601 TEXT, so both stores return identical values; the ones
 *   retention compares (runs.created_at, finished_at) use COLLATE "C", byte order as in
 *   SQLite, whatever the database's default collation.
 * - seed, time, lamport and counts are bigint (SQLite's INTEGER is 64-bit).
 * - The submission triggers are PL/pgSQL functions.
 * Tables are created in the connection's current schema (the URL's search_path), so a
 * test or a tenant can keep faultline in a schema of its own.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "the whole schema: scenarios, sources, runs, events, violations, grading, submission links, settings",
    up: `
      CREATE TABLE scenarios (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        topic TEXT NOT NULL,
        protocol TEXT NOT NULL,
        source TEXT NOT NULL,
        content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
        loaded_at TEXT NOT NULL,
        adhoc SMALLINT NOT NULL DEFAULT 0 CHECK (adhoc IN (0, 1))
      );

      CREATE TABLE sources (
        hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
        text TEXT NOT NULL,
        bytes BIGINT NOT NULL CHECK (bytes >= 0)
      );

      CREATE TABLE students (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at TEXT NOT NULL
      );

      CREATE TABLE runs (
        number BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        scenario_id TEXT NOT NULL REFERENCES scenarios (id),
        seed BIGINT NOT NULL CHECK (seed BETWEEN 0 AND 4294967295),
        status TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED')),
        event_count BIGINT NOT NULL DEFAULT 0 CHECK (event_count >= 0),
        trace_hash TEXT CHECK (trace_hash IS NULL OR length(trace_hash) = 64),
        stop_reason TEXT,
        error TEXT,
        pace INTEGER CHECK (pace IS NULL OR pace BETWEEN 1 AND 10000),
        created_at TEXT COLLATE "C" NOT NULL,
        finished_at TEXT COLLATE "C",
        final_nodes TEXT CHECK (final_nodes IS NULL OR final_nodes::json IS NOT NULL),
        scenario_file TEXT,
        owner_student_id TEXT REFERENCES students (id),
        schedule TEXT NOT NULL DEFAULT '[]' CHECK (json_typeof(schedule::json) = 'array'),
        parent_id TEXT REFERENCES runs (id),
        forked_at BIGINT CHECK (forked_at IS NULL OR forked_at >= 0),
        linearizability TEXT CHECK (linearizability IS NULL OR linearizability::json IS NOT NULL),
        serializability TEXT CHECK (serializability IS NULL OR serializability::json IS NOT NULL),
        source_hash TEXT REFERENCES sources (hash),
        CHECK (status <> 'COMPLETED' OR (trace_hash IS NOT NULL AND stop_reason IS NOT NULL AND finished_at IS NOT NULL)),
        CHECK (status <> 'FAILED' OR (error IS NOT NULL AND finished_at IS NOT NULL))
      );
      CREATE INDEX runs_by_scenario ON runs (scenario_id, number);
      CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX runs_by_source ON runs (source_hash);
      CREATE INDEX runs_by_status ON runs (status, number);

      CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        time BIGINT NOT NULL CHECK (time >= 0),
        node TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN (${EVENT_KIND_LIST})),
        summary TEXT NOT NULL,
        lamport BIGINT NOT NULL CHECK (lamport >= 0),
        vclock TEXT NOT NULL,
        data TEXT,
        PRIMARY KEY (run_id, seq)
      );
      CREATE INDEX events_by_node ON events (run_id, node, seq);
      CREATE INDEX events_by_kind ON events (run_id, kind, seq);

      CREATE TABLE violations (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
        invariant TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, ordinal)
      );

      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
        role TEXT NOT NULL CHECK (role IN ('instructor', 'student')),
        student_id TEXT REFERENCES students (id),
        created_at TEXT NOT NULL,
        expires_at TEXT,
        CHECK ((role = 'student') = (student_id IS NOT NULL))
      );

      CREATE TABLE assignments (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        settings TEXT NOT NULL CHECK (settings::json IS NOT NULL),
        created_at TEXT NOT NULL
      );

      CREATE TABLE submissions (
        number BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        assignment_id TEXT NOT NULL REFERENCES assignments (id),
        student_id TEXT NOT NULL REFERENCES students (id),
        created_at TEXT NOT NULL,
        seeds TEXT NOT NULL CHECK (seeds::json IS NOT NULL),
        answers TEXT NOT NULL CHECK (answers::json IS NOT NULL),
        score DOUBLE PRECISION NOT NULL,
        max_score DOUBLE PRECISION NOT NULL,
        feedback TEXT NOT NULL CHECK (feedback::json IS NOT NULL)
      );
      CREATE INDEX submissions_by_student ON submissions (assignment_id, student_id, number);

      -- A submission is written once and never changed, so a grade can always be shown to be the one given.
      CREATE FUNCTION submissions_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'a submission is never changed once stored';
      END $$;
      CREATE TRIGGER submissions_never_change BEFORE UPDATE ON submissions
        FOR EACH ROW EXECUTE FUNCTION submissions_never_change();

      -- The runs a submission links to (its feedback items' runId); the foreign key makes the
      -- database itself refuse to delete a run a submission links to.
      CREATE TABLE submission_runs (
        run_id TEXT NOT NULL REFERENCES runs (id),
        submission_id TEXT NOT NULL REFERENCES submissions (id),
        PRIMARY KEY (run_id, submission_id)
      );
      CREATE FUNCTION submissions_link_runs() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO submission_runs (run_id, submission_id)
          SELECT DISTINCT f.value ->> 'runId', NEW.id
          FROM json_array_elements(
            CASE WHEN json_typeof(NEW.feedback::json) = 'array' THEN NEW.feedback::json ELSE '[]'::json END
          ) AS f (value)
          WHERE json_typeof(f.value) = 'object' AND json_typeof(f.value -> 'runId') = 'string'
            AND EXISTS (SELECT 1 FROM runs r WHERE r.id = f.value ->> 'runId')
          ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$;
      CREATE TRIGGER submissions_link_runs AFTER INSERT ON submissions
        FOR EACH ROW EXECUTE FUNCTION submissions_link_runs();

      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "a fencing token per run: the try of a queued run that may write its trace",
    up: `
      ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0);
    `,
  },
];

/** The schema version this faultline writes. */
export const PG_LATEST_VERSION = PG_MIGRATIONS.length;

/**
 * Every process that migrates takes this transaction-scoped advisory lock first, keyed by
 * the schema's name, so processes starting at once apply each migration exactly once
 * (the others wait, then find it applied), and stores in other schemas do not wait.
 */
const LOCK = "SELECT pg_advisory_xact_lock(hashtext('faultline migrations ' || current_schema()))";

/**
 * Applies the pending migrations, all in one transaction with the rows that record them:
 * PostgreSQL's DDL is transactional, so a migration is applied entirely or not at all.
 */
export async function migratePg(db: PgDatabase, migrations = PG_MIGRATIONS): Promise<MigrationReport> {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migrations must be numbered 1, 2, 3, ... in order; found ${migration.version} at ${index + 1}`);
    }
  });
  return db.transaction("migrating the schema", async (client) => {
    const schema = (await client.query<{ schema: string | null }>("SELECT current_schema() AS schema")).rows[0];
    if (schema?.schema === null || schema?.schema === undefined) {
      throw new StoreRefusal(
        `faultline: PostgreSQL ${db.location} has no schema to create tables in: the search_path names none that exists`,
      );
    }
    await client.query(LOCK);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    const version = async (): Promise<number> =>
      (await client.query<{ version: number | null }>("SELECT max(version) AS version FROM schema_migrations")).rows[0]
        ?.version ?? 0;
    const from = await version();
    if (from > migrations.length) {
      throw new StoreRefusal(
        `faultline: PostgreSQL ${db.location} is at schema version ${from}, newer than this faultline knows ` +
          `(${migrations.length}): it was written by a newer version; upgrade faultline or use another DATABASE_URL`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await client.query(migration.up);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      applied.push(migration.version);
    }
    return { from, to: await version(), applied };
  });
}

/** The schema version (0 when schema_migrations does not exist in the search_path). */
export async function pgSchemaVersion(db: PgDatabase): Promise<number> {
  const exists = await db.query<{ table: string | null }>(
    "reading the schema version",
    "SELECT to_regclass('schema_migrations')::text AS table",
  );
  if (exists.rows[0]?.table === null) return 0;
  const result = await db.query<{ version: number | null }>(
    "reading the schema version",
    "SELECT max(version) AS version FROM schema_migrations",
  );
  return result.rows[0]?.version ?? 0;
}
