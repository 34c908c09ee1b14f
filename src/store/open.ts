import { existsSync } from "node:fs";
import type { FaultlineStore } from "./contract";
import { INTERRUPTED_RUN_ERROR, openStore, openStoreBeside, openTraceWriter, type MigrationReport } from "./index";
import { openPgStore } from "./pg";
import { SqliteStore } from "./sqlite";

/**
 * How a process opens the store:
 * - owner: the API server (or a CLI command that stands in for it): migrates; on SQLite,
 *   whose one server runs every run, it also marks runs left RUNNING by a dead process
 *   FAILED and reclaims their partial traces (on PostgreSQL, runs belong to the durable
 *   queue's workers, whose retries take over a dead worker's runs, so it leaves them).
 * - beside: a tool beside a running server: migrates, touches no run.
 * - writer: a worker thread writing traces: refuses a store that is not migrated.
 */
export type OpenMode = "owner" | "beside" | "writer";

export interface OpenedFaultlineStore {
  readonly store: FaultlineStore;
  readonly migrations: MigrationReport;
  /** Runs found RUNNING and marked FAILED (owner mode on SQLite only). */
  readonly interruptedRuns: number;
  /** Trace rows of those runs deleted. */
  readonly reclaimedEvents: number;
}

/** True when the locator is a PostgreSQL connection URL (DATABASE_URL) rather than a SQLite file path. */
export function isPostgresUrl(locator: string): boolean {
  return /^postgres(ql)?:\/\//i.test(locator);
}

/** Opens the store a locator names: a postgres:// URL, or a SQLite file path (":memory:" too). */
export async function openFaultlineStore(locator: string, mode: OpenMode): Promise<OpenedFaultlineStore> {
  if (isPostgresUrl(locator)) {
    return openPgStore(locator, mode);
  }
  if (mode === "owner") {
    const opened = openStore(locator);
    return { ...opened, store: new SqliteStore(opened.store, locator) };
  }
  if (mode === "beside") {
    if (locator !== ":memory:" && !existsSync(locator)) {
      throw new Error(`there is no database at ${locator}: set DB_PATH, or start the server once to create it`);
    }
    const store = openStoreBeside(locator);
    return {
      store: new SqliteStore(store, locator),
      migrations: noMigrations(),
      interruptedRuns: 0,
      reclaimedEvents: 0,
    };
  }
  return {
    store: new SqliteStore(openTraceWriter(locator), locator),
    migrations: noMigrations(),
    interruptedRuns: 0,
    reclaimedEvents: 0,
  };
}

function noMigrations(): MigrationReport {
  return { from: 0, to: 0, applied: [] };
}

/** This thread's writer stores, by locator: opened on first use and kept for the thread's next tasks. */
const threadStores = new Map<string, Promise<FaultlineStore>>();

/** The run, grading and disk workers' store: one per thread and locator. */
export function writerStoreFor(locator: string): Promise<FaultlineStore> {
  let store = threadStores.get(locator);
  if (store === undefined) {
    store = openFaultlineStore(locator, "writer").then((opened) => opened.store);
    store.catch(() => threadStores.delete(locator));
    threadStores.set(locator, store);
  }
  return store;
}

export { INTERRUPTED_RUN_ERROR };
