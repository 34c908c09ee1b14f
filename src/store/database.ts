import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

/** How long a connection waits for another connection's write transaction before it gives up, in ms. */
export const BUSY_TIMEOUT_MS = 5_000;
/**
 * The same for a run's trace writer (a worker): writers take turns at the write lock
 * (IMMEDIATE transactions), SQLite's busy handler is not fair, and a writer that gives
 * up loses its run, so it waits long; it is a worker thread, so waiting stalls no request.
 */
export const WRITER_BUSY_TIMEOUT_MS = 60_000;

/**
 * Opens (creating it and its folder if needed) a SQLite database with the settings
 * every faultline connection uses: WAL, so that readers (the API) never wait for the
 * writer (a run's worker) and the writer never waits for readers; a busy timeout for
 * the rare moment two connections write at once; foreign keys enforced.
 *
 * synchronous=NORMAL is the documented safe pairing with WAL: a power cut may lose
 * the last transactions but never corrupts the file.
 */
export function openDatabase(path: string, busyTimeoutMs: number = BUSY_TIMEOUT_MS): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (path !== ":memory:") {
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal")
        throw new Error(`faultline: ${path} could not be switched to WAL mode (it is in ${mode} mode)`);
    }
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
