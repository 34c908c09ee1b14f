import type { Db } from "./database";
import { contentHash } from "./scenarios";

/**
 * Scenario sources, stored once by content hash: a run names the exact YAML it was
 * made from by its sha256 (runs.source_hash), so a thousand runs of one 50 MB file
 * hold one copy of it, not a thousand. A source no run names any more is deleted by
 * deleteUnused (retention and `db vacuum` call it).
 */
export class SourceTable {
  private readonly insertStatement;
  private readonly getStatement;
  private readonly deleteUnusedStatement;

  constructor(db: Db) {
    this.insertStatement = db.prepare<[string, string, number]>(
      "INSERT INTO sources (hash, text, bytes) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
    );
    this.getStatement = db.prepare<[string], { text: string }>("SELECT text FROM sources WHERE hash = ?");
    this.deleteUnusedStatement = db.prepare(
      "DELETE FROM sources WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.source_hash = sources.hash)",
    );
  }

  /** Stores a source unless the same text is already stored; returns its hash. Call inside the run's insert transaction. */
  put(text: string): string {
    const hash = contentHash(text);
    this.insertStatement.run(hash, text, Buffer.byteLength(text, "utf8"));
    return hash;
  }

  get(hash: string): string | undefined {
    return this.getStatement.get(hash)?.text;
  }

  /** Deletes every source no run names; returns how many. */
  deleteUnused(): number {
    return this.deleteUnusedStatement.run().changes;
  }
}

/**
 * Migration 4 (disk, issue 13). Needs the SQL function faultline_sha256 (migrate
 * registers it) to hash the sources already stored: every run keeps its exact YAML,
 * now in sources, and every trace is left as it was.
 *
 * submission_runs lists the runs a submission links to (its feedback's runId), filled
 * by a trigger as submissions are stored; its foreign key makes the database itself
 * refuse to delete a run a submission links to.
 */
export const DISK_MIGRATION = `
  CREATE TABLE sources (
    hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
    text TEXT NOT NULL,
    bytes INTEGER NOT NULL CHECK (bytes >= 0)
  ) STRICT;
  INSERT INTO sources (hash, text, bytes)
    SELECT faultline_sha256(scenario_source), scenario_source, length(CAST(scenario_source AS BLOB))
    FROM runs WHERE true
    ON CONFLICT (hash) DO NOTHING;
  ALTER TABLE runs ADD COLUMN source_hash TEXT REFERENCES sources (hash);
  UPDATE runs SET source_hash = faultline_sha256(scenario_source);
  ALTER TABLE runs DROP COLUMN scenario_source;
  CREATE INDEX runs_by_source ON runs (source_hash);
  CREATE INDEX runs_by_status ON runs (status, number);

  CREATE TABLE submission_runs (
    run_id TEXT NOT NULL REFERENCES runs (id),
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (run_id, submission_id)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO submission_runs (run_id, submission_id)
    SELECT DISTINCT json_extract(f.value, '$.runId'), s.id FROM submissions s, json_each(s.feedback) f
    WHERE json_type(f.value, '$.runId') = 'text'
      AND EXISTS (SELECT 1 FROM runs r WHERE r.id = json_extract(f.value, '$.runId'))
    ON CONFLICT DO NOTHING;
  CREATE TRIGGER submissions_link_runs AFTER INSERT ON submissions
  BEGIN
    INSERT INTO submission_runs (run_id, submission_id)
      SELECT DISTINCT json_extract(f.value, '$.runId'), NEW.id FROM json_each(NEW.feedback) f
      WHERE json_type(f.value, '$.runId') = 'text'
        AND EXISTS (SELECT 1 FROM runs r WHERE r.id = json_extract(f.value, '$.runId'))
      ON CONFLICT DO NOTHING;
  END;
`;
