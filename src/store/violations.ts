import type { Violation } from "../sim/types";
import type { Db } from "./database";

/** The violations table: the safety properties a run broke, in the order they were detected. */
export class ViolationTable {
  private readonly insertStatement;
  private readonly listStatement;

  constructor(db: Db) {
    this.insertStatement = db.prepare<[string, number, string, number, string]>(
      "INSERT INTO violations (run_id, ordinal, invariant, seq, message) VALUES (?, ?, ?, ?, ?)",
    );
    this.listStatement = db.prepare<[string], Violation>(
      "SELECT invariant, seq, message FROM violations WHERE run_id = ? ORDER BY ordinal",
    );
  }

  /** Stores a run's violations; call inside the transaction that completes the run. */
  insertAll(runId: string, violations: readonly Violation[]): void {
    violations.forEach((violation, ordinal) => {
      this.insertStatement.run(runId, ordinal, violation.invariant, violation.seq, violation.message);
    });
  }

  list(runId: string): Violation[] {
    return this.listStatement
      .all(runId)
      .map((row) => ({ invariant: row.invariant, seq: row.seq, message: row.message }));
  }
}
