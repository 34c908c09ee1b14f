import type { Db } from "./database";

/**
 * The history checkers' verdicts on a run (issues 10 and 11), stored with it so a
 * verdict is computed once, never per request. Each column holds JSON text:
 * SQL NULL means "not computed yet" (a run stored before migration 4, or one still
 * RUNNING); the JSON value null means "computed: the run has no such history" (no
 * client operations, no transactions); an object is the verdict as its checker gave it.
 */
export const VERDICTS_MIGRATION = `
  ALTER TABLE runs ADD COLUMN linearizability TEXT CHECK (linearizability IS NULL OR json_valid(linearizability));
  ALTER TABLE runs ADD COLUMN serializability TEXT CHECK (serializability IS NULL OR json_valid(serializability));
`;

/** Both verdicts as JSON text; null for a column not computed yet. */
export interface StoredVerdicts {
  readonly linearizability: string | null;
  readonly serializability: string | null;
}

export class VerdictTable {
  private readonly getStatement;
  private readonly fillStatement;

  constructor(db: Db) {
    this.getStatement = db.prepare<[string], StoredVerdicts>(
      "SELECT linearizability, serializability FROM runs WHERE id = ?",
    );
    // Only a finished run, and only columns not yet filled: a verdict, once stored, never changes.
    this.fillStatement = db.prepare(
      `UPDATE runs SET linearizability = coalesce(linearizability, @linearizability),
         serializability = coalesce(serializability, @serializability)
       WHERE id = @id AND status <> 'RUNNING'`,
    );
  }

  /** The run's stored verdicts, or undefined when there is no such run. */
  get(runId: string): StoredVerdicts | undefined {
    return this.getStatement.get(runId);
  }

  /** Stores verdicts computed after the run ended (runs stored before migration 4). Returns whether a row changed. */
  fill(runId: string, verdicts: StoredVerdicts): boolean {
    return this.fillStatement.run({ id: runId, ...verdicts }).changes === 1;
  }
}
