import { randomBytes } from "node:crypto";
import type { Violation } from "../../sim/types";
import type {
  DiskStore,
  EventStore,
  FaultlineStore,
  GradingStore,
  RunStore,
  ScenarioStore,
  VerdictStore,
  ViolationStore,
} from "../contract";
import type { EventRow } from "../events";
import type { NewRun, RunCompletion } from "../index";
import type { StoredVerdicts } from "../verdicts";
import { pgDiskStore } from "./disk";
import { appendLocked, checkContiguous, insertViolations, pgEventStore } from "./events";
import { pgGradingStore } from "./grading";
import { StoreRefusal, type PgDatabase } from "./pool";
import { completeRunRow, insertRun, pgRunStore } from "./runs";
import { fromScenarioRow, scenarioValues, type ScenarioRow } from "../rows";

const SCENARIO_COLUMNS = "id, title, topic, protocol, source, content_hash, loaded_at";

/**
 * The PostgreSQL store (DATABASE_URL): one pool per process or worker thread, shared by
 * every API instance and worker on the database. Every rule of the contract is kept by
 * the database itself (CHECKs, foreign keys) or by a transaction that locks the rows it
 * decides on, since other processes write at the same time.
 */
export class PgStore implements FaultlineStore {
  readonly kind = "postgres" as const;
  readonly location: string;
  readonly runs: RunStore;
  readonly events: EventStore;
  readonly scenarios: ScenarioStore;
  readonly violations: ViolationStore;
  readonly verdicts: VerdictStore;
  readonly grading: GradingStore;
  readonly disk: DiskStore;

  constructor(readonly db: PgDatabase) {
    this.location = db.location;
    this.runs = pgRunStore(db);
    this.events = pgEventStore(db);
    this.grading = pgGradingStore(db);
    this.disk = pgDiskStore(db);
    this.scenarios = scenarioStore(db);
    this.violations = {
      insertAll: (runId, violations) =>
        db.transaction(`storing violations of run ${runId}`, (client) => insertViolations(client, runId, violations)),
      async list(runId) {
        const result = await db.query<Violation>(
          `reading violations of run ${runId}`,
          "SELECT invariant, seq, message FROM violations WHERE run_id = $1 ORDER BY ordinal",
          [runId],
        );
        return result.rows.map((row) => ({ invariant: row.invariant, seq: row.seq, message: row.message }));
      },
    };
    this.verdicts = {
      async get(runId) {
        const result = await db.query<StoredVerdicts>(
          `reading verdicts of run ${runId}`,
          "SELECT linearizability, serializability FROM runs WHERE id = $1",
          [runId],
        );
        const row = result.rows[0];
        return row === undefined
          ? undefined
          : { linearizability: row.linearizability, serializability: row.serializability };
      },
      // Only a finished run, and only columns not yet filled: a verdict, once stored, never changes.
      async fill(runId, verdicts) {
        const result = await db.query(
          `storing verdicts of run ${runId}`,
          `UPDATE runs SET linearizability = coalesce(linearizability, $2), serializability = coalesce(serializability, $3)
           WHERE id = $1 AND status <> 'RUNNING'`,
          [runId, verdicts.linearizability, verdicts.serializability],
        );
        return result.rowCount === 1;
      },
    };
  }

  async appendEvents(runId: string, nextSeq: number, rows: readonly EventRow[], attempt?: number): Promise<number> {
    if (rows.length === 0 && attempt === undefined) return nextSeq;
    checkContiguous(runId, nextSeq, rows);
    return this.db.transaction(`appending ${rows.length} events to run ${runId}`, (client) =>
      appendLocked(client, runId, nextSeq, rows, attempt),
    );
  }

  async completeRun(
    runId: string,
    nextSeq: number,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
    attempt?: number,
  ): Promise<void> {
    checkContiguous(runId, nextSeq, rows);
    await this.db.transaction(`completing run ${runId}`, async (client) => {
      const next = await appendLocked(client, runId, nextSeq, rows, attempt);
      if (next !== completion.eventCount) {
        throw new StoreRefusal(
          `run ${runId} has ${next} stored events but the simulation recorded ${completion.eventCount}`,
        );
      }
      await insertViolations(client, runId, violations);
      if (!(await completeRunRow(client, runId, completion))) {
        throw new StoreRefusal(`run ${runId} is no longer RUNNING: it cannot be completed`);
      }
    });
  }

  async insertCompletedRun(
    run: NewRun,
    ownerStudentId: string | null,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
  ): Promise<void> {
    checkContiguous(run.id, 0, rows);
    await this.db.transaction(`storing completed run ${run.id}`, async (client) => {
      await insertRun(client, { ...run, ownerStudentId: ownerStudentId ?? run.ownerStudentId ?? null });
      const next = await appendLocked(client, run.id, 0, rows);
      if (next !== completion.eventCount) {
        throw new StoreRefusal(`run ${run.id} has ${next} events but the simulation recorded ${completion.eventCount}`);
      }
      await insertViolations(client, run.id, violations);
      await completeRunRow(client, run.id, completion);
    });
  }

  /**
   * Kept in the settings table. INSERT ... ON CONFLICT DO NOTHING waits for a racing
   * insert of the same name to commit, and the SELECT after it (a new snapshot under
   * READ COMMITTED) then reads the one value that won, so every process gets the same.
   */
  async sharedSecret(name: string): Promise<string> {
    await this.db.query(
      `creating the shared secret ${name}`,
      "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
      [name, randomBytes(32).toString("hex")],
    );
    const result = await this.db.query<{ value: string }>(
      `reading the shared secret ${name}`,
      "SELECT value FROM settings WHERE name = $1",
      [name],
    );
    const value = result.rows[0]?.value;
    if (value === undefined) throw new Error(`faultline: the shared secret ${name} vanished from ${this.location}`);
    return value;
  }

  private closing: Promise<void> | undefined;

  /** Ends the pool (waiting for queries in flight); a second close waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.db.end();
    return this.closing;
  }
}

function scenarioStore(db: PgDatabase): ScenarioStore {
  return {
    // In id order, so API instances starting at once lock the rows in the same order and cannot deadlock.
    upsertAll: (scenarios, loadedAt = new Date().toISOString()) =>
      db.transaction(`storing ${scenarios.length} scenarios`, async (client) => {
        const byId = [...scenarios].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        for (const scenario of byId) {
          await client.query(
            `INSERT INTO scenarios (${SCENARIO_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET
               title = excluded.title, topic = excluded.topic, protocol = excluded.protocol,
               source = excluded.source, content_hash = excluded.content_hash, loaded_at = excluded.loaded_at`,
            scenarioValues(scenario, loadedAt),
          );
        }
      }),

    // An ad-hoc id is derived from the content hash, so an existing row already holds this very source.
    async insertAdhoc(scenario, loadedAt = new Date().toISOString()) {
      await db.query(
        `storing ad-hoc scenario ${scenario.id}`,
        `INSERT INTO scenarios (${SCENARIO_COLUMNS}, adhoc) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
         ON CONFLICT (id) DO NOTHING`,
        scenarioValues(scenario, loadedAt),
      );
    },

    async get(id) {
      const result = await db.query<ScenarioRow>(
        `reading scenario ${id}`,
        `SELECT ${SCENARIO_COLUMNS} FROM scenarios WHERE id = $1`,
        [id],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : fromScenarioRow(row);
    },

    async list() {
      const result = await db.query<ScenarioRow>(
        "listing scenarios",
        `SELECT ${SCENARIO_COLUMNS} FROM scenarios WHERE adhoc = 0 ORDER BY topic COLLATE "C", id COLLATE "C"`,
      );
      return result.rows.map(fromScenarioRow);
    },
  };
}
