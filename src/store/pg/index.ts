import type { MigrationReport } from "../migrations";
import type { OpenedFaultlineStore, OpenMode } from "../open";
import { PgDatabase, redactUrl } from "./pool";
import { migratePg, PG_LATEST_VERSION, PG_MIGRATIONS, pgSchemaVersion } from "./schema";
import { PgStore } from "./store";

export { PgStore } from "./store";
export { PgDatabase, redactUrl } from "./pool";
export { migratePg, PG_LATEST_VERSION, PG_MIGRATIONS, pgSchemaVersion } from "./schema";

/** Connections per pool: an API instance or tool serves many requests at once; a worker thread writes one run at a time. */
export const PG_POOL_MAX = 10;
export const PG_WRITER_POOL_MAX = 2;

export interface PgStoreOptions {
  /** Connections in this store's pool (default PG_POOL_MAX, or PG_WRITER_POOL_MAX for a writer). */
  readonly max?: number;
}

/**
 * Opens the PostgreSQL store a DATABASE_URL names (its search_path, if the URL sets one
 * through `options=-c search_path=...`, picks the schema):
 * - owner and beside migrate (under an advisory lock, so processes starting at once apply
 *   each migration once). Neither touches RUNNING runs: on PostgreSQL a run belongs to the
 *   durable queue's worker, and the queue's retry takes over a dead worker's runs.
 * - writer refuses a database that is not at this faultline's schema version.
 * A server that cannot be reached is reported with the URL (password hidden) and the cause.
 */
export async function openPgStore(
  url: string,
  mode: OpenMode,
  options: PgStoreOptions = {},
): Promise<OpenedFaultlineStore> {
  const max = options.max ?? (mode === "writer" ? PG_WRITER_POOL_MAX : PG_POOL_MAX);
  if (!Number.isInteger(max) || max < 1) {
    throw new Error(`faultline: a PostgreSQL pool needs at least one connection, not ${max} (${redactUrl(url)})`);
  }
  const db = new PgDatabase(url, max);
  try {
    await db.ping();
    let migrations: MigrationReport;
    if (mode === "writer") {
      const version = await pgSchemaVersion(db);
      if (version !== PG_LATEST_VERSION) {
        throw new Error(
          `faultline: PostgreSQL ${db.location} is at schema version ${version}, expected ${PG_LATEST_VERSION}: ` +
            "a worker writes only to a migrated database: start the API server (which migrates it) first",
        );
      }
      migrations = { from: version, to: version, applied: [] };
    } else {
      migrations = await migratePg(db, PG_MIGRATIONS);
    }
    return { store: new PgStore(db), migrations, interruptedRuns: 0, reclaimedEvents: 0 };
  } catch (error) {
    await db.end().catch(() => {});
    throw error;
  }
}
