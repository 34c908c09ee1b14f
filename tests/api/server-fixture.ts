import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { createServer, type RunningServer, type ServeOptions } from "../../src/api/server";

/** A real server for one test file: port 0, a fresh SQLite file in a temp dir, and (by default) the real scenarios. */
export interface ServerFixture {
  readonly server: RunningServer;
  /** The temp dir holding the database; removed after the file's tests. */
  readonly dir: string;
}

/**
 * Starts the server before the file's tests and stops it (and removes its temp dir)
 * after them. Read `api.server` inside tests, not at import time. scenariosDir may be
 * a function, called in before() (for a directory another before() hook writes);
 * options sets the server's host, limits and CORS origins.
 */
export function useServer(
  prefix: string,
  scenariosDir: string | (() => string) = join(projectRoot, "scenarios"),
  options: ServeOptions = {},
): ServerFixture {
  let current: { server: RunningServer; dir: string } | undefined;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const scenarios = typeof scenariosDir === "string" ? scenariosDir : scenariosDir();
    current = {
      server: await createServer({ port: 0, dbPath: join(dir, "faultline.db"), scenariosDir: scenarios, ...options }),
      dir,
    };
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
