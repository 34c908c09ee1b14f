import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { createServer, type RunningServer } from "../../src/api/server";

/** A real server for one test file: port 0, a fresh SQLite file in a temp dir, and (by default) the real scenarios. */
export interface ServerFixture {
  readonly server: RunningServer;
  /** The temp dir holding the database; removed after the file's tests. */
  readonly dir: string;
}

/**
 * Starts the server before the file's tests and stops it (and removes its temp dir)
 * after them. Read `api.server` inside tests, not at import time.
 */
export function useServer(prefix: string, scenariosDir = join(projectRoot, "scenarios")): ServerFixture {
  let current: { server: RunningServer; dir: string } | undefined;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    current = { server: await createServer({ port: 0, dbPath: join(dir, "faultline.db"), scenariosDir }), dir };
  });
  after(async () => {
    await current?.server.close();
    if (current !== undefined) rmSync(current.dir, { recursive: true, force: true });
  });
  const started = () => {
    if (current === undefined) throw new Error("the test server is used before its before() hook ran");
    return current;
  };
  return {
    get server() {
      return started().server;
    },
    get dir() {
      return started().dir;
    },
  };
}
