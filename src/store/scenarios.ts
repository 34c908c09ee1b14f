import { createHash } from "node:crypto";
import type { Db } from "./database";
import { fromScenarioRow, type ScenarioRow } from "./rows";

/** A scenario as the database remembers it: enough to name it in a run and to show its source. */
export interface StoredScenario {
  readonly id: string;
  readonly title: string;
  readonly topic: string;
  readonly protocol: string;
  readonly source: string;
  /** sha256 of source, hex. */
  readonly contentHash: string;
  readonly loadedAt: string;
}

export interface ScenarioInput {
  readonly id: string;
  readonly title: string;
  readonly topic: string;
  readonly protocol: string;
  readonly source: string;
}

export function contentHash(source: string): string {
  return createHash("sha256").update(source).digest("hex");
}

/** The scenarios table: one row per scenario id ever loaded (rows are never deleted: old runs name them). */
export class ScenarioTable {
  private readonly upsertStatement;
  private readonly getStatement;
  private readonly listStatement;
  private readonly adhocStatement;

  constructor(private readonly db: Db) {
    this.upsertStatement = db.prepare(
      `INSERT INTO scenarios (id, title, topic, protocol, source, content_hash, loaded_at)
       VALUES (@id, @title, @topic, @protocol, @source, @contentHash, @loadedAt)
       ON CONFLICT (id) DO UPDATE SET
         title = excluded.title, topic = excluded.topic, protocol = excluded.protocol,
         source = excluded.source, content_hash = excluded.content_hash, loaded_at = excluded.loaded_at`,
    );
    this.getStatement = db.prepare<[string], ScenarioRow>("SELECT * FROM scenarios WHERE id = ?");
    this.listStatement = db.prepare<[], ScenarioRow>("SELECT * FROM scenarios WHERE adhoc = 0 ORDER BY topic, id");
    // An ad-hoc id is derived from the content hash, so an existing row already holds this very source.
    this.adhocStatement = db.prepare(
      `INSERT INTO scenarios (id, title, topic, protocol, source, content_hash, loaded_at, adhoc)
       VALUES (@id, @title, @topic, @protocol, @source, @contentHash, @loadedAt, 1)
       ON CONFLICT (id) DO NOTHING`,
    );
  }

  /** Inserts or refreshes every scenario in one IMMEDIATE transaction (it may share the file with running writers). */
  upsertAll(scenarios: readonly ScenarioInput[], loadedAt: string = new Date().toISOString()): void {
    this.db
      .transaction(() => {
        for (const scenario of scenarios) {
          this.upsertStatement.run({
            id: scenario.id,
            title: scenario.title,
            topic: scenario.topic,
            protocol: scenario.protocol,
            source: scenario.source,
            contentHash: contentHash(scenario.source),
            loadedAt,
          });
        }
      })
      .immediate();
  }

  /**
   * Records a scenario sent as YAML (Mutation.runScenario), not from the catalogue, so its
   * runs can name it. Its id must be derived from its content (the caller's adhocScenarioId).
   */
  insertAdhoc(scenario: ScenarioInput, loadedAt: string = new Date().toISOString()): void {
    this.adhocStatement.run({ ...scenario, contentHash: contentHash(scenario.source), loadedAt });
  }

  get(id: string): StoredScenario | undefined {
    const row = this.getStatement.get(id);
    return row === undefined ? undefined : fromScenarioRow(row);
  }

  list(): StoredScenario[] {
    return this.listStatement.all().map(fromScenarioRow);
  }
}
