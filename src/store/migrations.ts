import type { Db } from "./database";
import { EVENT_KIND_LIST } from "./rows";
import { GRADING_MIGRATION } from "./grading";
import { VERDICTS_MIGRATION } from "./verdicts";
import { contentHash } from "./scenarios";
import { DISK_MIGRATION } from "./sources";

/** One step of the schema's history. Once released a migration is never edited: add a new one. */
export interface Migration {
  /** 1, 2, 3, ...: applied in order, each exactly once. */
  readonly version: number;
  readonly name: string;
  /** SQL run inside the migration's transaction. */
  readonly up: string;
}

/**
 * The schema's history. Tables are STRICT (a value of the wrong type is refused, never
 * stored) and carry CHECK constraints for what must hold whatever writes them.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "scenarios, runs, events and violations",
    up: `
      CREATE TABLE scenarios (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        topic TEXT NOT NULL,
        protocol TEXT NOT NULL,
        source TEXT NOT NULL,
        content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
        loaded_at TEXT NOT NULL
      ) STRICT;

      -- number orders runs (newest first) and makes the opaque page cursor; id is what clients see.
      -- scenario_source is the exact YAML the run was made from, so it can be replayed whatever
      -- happens to the file later.
      CREATE TABLE runs (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        scenario_id TEXT NOT NULL REFERENCES scenarios (id),
        seed INTEGER NOT NULL CHECK (seed BETWEEN 0 AND 4294967295),
        status TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED')),
        event_count INTEGER NOT NULL DEFAULT 0 CHECK (event_count >= 0),
        trace_hash TEXT CHECK (trace_hash IS NULL OR length(trace_hash) = 64),
        stop_reason TEXT,
        error TEXT,
        pace INTEGER CHECK (pace IS NULL OR pace BETWEEN 1 AND 10000),
        created_at TEXT NOT NULL,
        finished_at TEXT,
        scenario_source TEXT NOT NULL,
        CHECK (status <> 'COMPLETED' OR (trace_hash IS NOT NULL AND stop_reason IS NOT NULL AND finished_at IS NOT NULL)),
        CHECK (status <> 'FAILED' OR (error IS NOT NULL AND finished_at IS NOT NULL))
      ) STRICT;
      CREATE INDEX runs_by_scenario ON runs (scenario_id, number);

      CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        time INTEGER NOT NULL CHECK (time >= 0),
        node TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN (${EVENT_KIND_LIST})),
        summary TEXT NOT NULL,
        lamport INTEGER NOT NULL CHECK (lamport >= 0),
        vclock TEXT NOT NULL,
        data TEXT,
        PRIMARY KEY (run_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX events_by_node ON events (run_id, node, seq);

      CREATE TABLE violations (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
        invariant TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, ordinal)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "final node views and scenario file on runs; events by kind",
    up: `
      -- Every node's view at the end of the run, so Run.nodes without atSeq needs no replay.
      ALTER TABLE runs ADD COLUMN final_nodes TEXT CHECK (final_nodes IS NULL OR json_valid(final_nodes));
      -- The scenario's path (<topic>/<id>.yaml) when the run was made: parsing scenario_source again for a
      -- replay checks the source against it.
      ALTER TABLE runs ADD COLUMN scenario_file TEXT;
      -- Run.events(kinds: [...]) pages through one kind without scanning the whole trace.
      CREATE INDEX events_by_kind ON events (run_id, kind, seq);
    `,
  },
  {
    version: 3,
    name: "grading: students, tokens, assignments, submissions; run owners",
    up: GRADING_MIGRATION,
  },
  {
    version: 4,
    name: "interactive runs: schedules, forks, ad-hoc scenarios",
    up: `
      -- The interventions (src/sim/interventions.ts) that, with the scenario and seed, make the run's
      -- trace: faults injected while it was paused, and a fork's switch to its own faults.
      ALTER TABLE runs ADD COLUMN schedule TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(schedule) AND json_type(schedule) = 'array');
      -- A fork names the run it was forked from, and the count of events it shares with it by construction.
      ALTER TABLE runs ADD COLUMN parent_id TEXT REFERENCES runs (id);
      ALTER TABLE runs ADD COLUMN forked_at INTEGER CHECK (forked_at IS NULL OR forked_at >= 0);
      CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
      -- A scenario run from YAML sent over the API (runScenario), not from the catalogue: keyed by content hash.
      ALTER TABLE scenarios ADD COLUMN adhoc INTEGER NOT NULL DEFAULT 0 CHECK (adhoc IN (0, 1));
    `,
  },
  {
    version: 5,
    name: "history verdicts on runs: linearizability and serializability",
    up: VERDICTS_MIGRATION,
  },
  {
    version: 6,
    name: "disk: scenario sources stored once by content hash; the runs submissions link to",
    up: DISK_MIGRATION,
  },
  {
    version: 7,
    name: "settings shared by every process on the store (the personal-seed secret)",
    up: `
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: "a fencing token per run: the try of a queued run that may write its trace",
    up: `
      ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0);
    `,
  },
];

export interface MigrationReport {
  /** The schema version before. 0 for a new database. */
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/**
 * Brings the database up to the newest migration: each pending migration runs in its
 * own transaction together with the row that records it, so a migration is applied
 * entirely and exactly once or not at all. BEGIN IMMEDIATE takes the write lock before
 * reading the version, so two processes starting at once cannot both apply one.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): MigrationReport {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migrations must be numbered 1, 2, 3, ... in order; found ${migration.version} at ${index + 1}`);
    }
  });
  // Migrations that hash stored text (4: sources by content hash) call this.
  db.function("faultline_sha256", { deterministic: true }, (text: unknown) => contentHash(String(text)));
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT",
  );
  const currentVersion = (): number =>
    (db.prepare("SELECT max(version) AS version FROM schema_migrations").get() as { version: number | null }).version ??
    0;
  const from = currentVersion();
  const latest = migrations.length;
  if (from > latest) {
    throw new Error(
      `the database is at schema version ${from}, newer than this faultline knows (${latest}): ` +
        "it was written by a newer version; upgrade faultline or use another DB_PATH",
    );
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      if (currentVersion() >= migration.version) return; // another process got there first
      db.exec(migration.up);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push(migration.version);
    }).immediate();
  }
  return { from, to: currentVersion(), applied };
}

/** The schema version the database is at (0 when it has never been migrated). */
export function schemaVersion(db: Db): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  return (
    (db.prepare("SELECT max(version) AS version FROM schema_migrations").get() as { version: number | null }).version ??
    0
  );
}
