import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { createServer, type RunningServer } from "../../src/api/server";
import { chromiumMissing, useChromium } from "./chromium";

// A course frontend on another origin calls the API from a real browser (issue 12): the
// origin in CORS_ORIGINS gets answers over HTTP and opens the WebSocket; another origin
// is refused by both (the browser's CORS check, and the server's Origin check).

interface Attempt {
  readonly scenarios: number | null;
  readonly fetchError: string | null;
  readonly socketOpened: boolean;
}

/** What a page does from its own origin: one query over HTTP, one graphql-ws handshake. */
function attemptScript(url: string, wsUrl: string): string {
  return `(async () => {
    const attempt = { scenarios: null, fetchError: null, socketOpened: false };
    try {
      const response = await fetch(${JSON.stringify(url)}, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ scenarios { id } }" }),
      });
      const body = await response.json();
      attempt.scenarios = body.data.scenarios.length;
    } catch (error) {
      attempt.fetchError = String(error);
    }
    attempt.socketOpened = await new Promise((resolve) => {
      const socket = new WebSocket(${JSON.stringify(wsUrl)}, "graphql-transport-ws");
      socket.onopen = () => { socket.close(); resolve(true); };
      socket.onerror = () => resolve(false);
    });
    return attempt;
  })()`;
}

/** A page server standing for a course frontend: its origin is http://127.0.0.1:<port>. */
async function frontend(): Promise<{ server: Server; origin: string }> {
  const server = createHttpServer((_request, response) => {
    response.setHeader("content-type", "text/html");
    response.end("<!doctype html><title>a course frontend</title><p>frontend</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("a frontend on another origin, in a real browser", { skip: chromiumMissing }, () => {
  const chromium = useChromium();
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let api: RunningServer;
  let dir: string;

  before(async () => {
    allowed = await frontend();
    other = await frontend();
    dir = mkdtempSync(join(tmpdir(), "faultline-cors-"));
    api = await createServer({
      port: 0,
      dbPath: join(dir, "faultline.db"),
      scenariosDir: join(projectRoot, "scenarios"),
      corsOrigins: allowed.origin,
    });
  });
  after(async () => {
    await api.close();
    allowed.server.close();
    other.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function attemptFrom(origin: string): Promise<Attempt> {
    const page = await chromium.browser.newPage();
    try {
      await page.goto(origin);
      return (await page.evaluate(attemptScript(api.url, api.wsUrl))) as Attempt;
    } finally {
      await page.close();
    }
  }

  test("an origin in CORS_ORIGINS queries over HTTP and opens the WebSocket", async () => {
    const attempt = await attemptFrom(allowed.origin);
    assert.equal(attempt.fetchError, null);
    assert.ok((attempt.scenarios ?? 0) > 0, "the page read the scenarios");
    assert.equal(attempt.socketOpened, true);
  });

  test("any other origin is refused over HTTP (by the browser) and over the WebSocket (by the server)", async () => {
    const attempt = await attemptFrom(other.origin);
    assert.equal(attempt.scenarios, null);
    assert.notEqual(attempt.fetchError, null, "the browser blocks the answer without CORS headers");
    assert.equal(attempt.socketOpened, false);
  });
});
