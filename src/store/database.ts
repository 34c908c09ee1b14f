import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

/** How long a connection waits for another connection's write transaction before it gives up, in ms. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating it and its folder if needed) a SQLite database with the settings
 * every faultline connection uses: WAL, so that readers (the API) never wait for the
 * writer (a run's worker) and the writer never waits for readers; a busy timeout for
 * the rare moment two connections write at once; foreign keys enforced.
 *
 * synchronous=NORMAL is the documented safe pairing with WAL: a power cut may lose
 * the last transactions but never corrupts the file.
 */
export function openDatabase(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
