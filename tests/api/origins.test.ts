import assert from "node:assert/strict";
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { test } from "node:test";
import WebSocket from "ws";
import { useServer } from "./server-fixture";
import { projectRoot } from "../../src/api/paths";
import { join } from "node:path";

// HOST and CORS_ORIGINS: the API listens on loopback unless told otherwise; browsers
// on the listed origins (by default the local dev servers and the server's own
// origin) may call it over HTTP (CORS) and over WebSocket (the handshake's Origin).

const scenarios = join(projectRoot, "scenarios");
const api = useServer("faultline-origins-", scenarios);
const course = useServer("faultline-origins-course-", scenarios, { corsOrigins: "https://course.example.edu" });

async function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
}

/** The status of a WebSocket handshake sent with this Origin (none: no header, as non-browser clients do). */
function handshake(wsUrl: string, origin?: string): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws", origin === undefined ? {} : { origin });
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

test("the server listens on 127.0.0.1 by default, and says so in its URLs", async () => {
  assert.match(api.server.url, /^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  assert.match(api.server.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/graphql$/);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === "IPv4" && !address.internal);
  if (external === undefined) return; // No other interface on this machine: nothing more to show.
  const outcome = await new Promise<string>((resolve) => {
    const probe = request({ host: external.address, port: api.server.port, path: "/graphql", method: "GET" }, () =>
      resolve("answered"),
    );
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    probe.end();
  });
  assert.equal(outcome, "ECONNREFUSED", `port ${api.server.port} on ${external.address}`);
});

test("CORS: the local dev origins and the server's own are allowed by default, any other origin is not", async () => {
  for (const origin of ["http://localhost:5173", "http://127.0.0.1:5173", `http://localhost:${api.server.port}`]) {
    const response = await preflight(api.server.url, origin);
    assert.equal(response.headers.get("access-control-allow-origin"), origin, origin);
  }
  const stranger = await preflight(api.server.url, "https://evil.example");
  assert.equal(stranger.headers.get("access-control-allow-origin"), null);
  const post = await fetch(api.server.url, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://localhost:5173" },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  assert.equal(post.headers.get("access-control-allow-origin"), "http://localhost:5173");
  assert.deepEqual(await post.json(), { data: { __typename: "Query" } });
});

test("CORS_ORIGINS replaces the dev origins; the server's own origin stays allowed", async () => {
  const listed = await preflight(course.server.url, "https://course.example.edu");
  assert.equal(listed.headers.get("access-control-allow-origin"), "https://course.example.edu");
  const dev = await preflight(course.server.url, "http://localhost:5173");
  assert.equal(dev.headers.get("access-control-allow-origin"), null);
  const own = await preflight(course.server.url, `http://127.0.0.1:${course.server.port}`);
  assert.equal(own.headers.get("access-control-allow-origin"), `http://127.0.0.1:${course.server.port}`);
});

test("the WebSocket handshake checks Origin against the same list; a client without Origin is let in", async () => {
  assert.equal(await handshake(api.server.wsUrl, "https://evil.example"), 403);
  assert.equal(await handshake(api.server.wsUrl, "http://localhost:5173"), "open");
  assert.equal(await handshake(api.server.wsUrl, `http://localhost:${api.server.port}`), "open");
  assert.equal(await handshake(api.server.wsUrl), "open");
  assert.equal(await handshake(course.server.wsUrl, "http://localhost:5173"), 403);
  assert.equal(await handshake(course.server.wsUrl, "https://course.example.edu"), "open");
});

test("CSRF protection stays: a simple cross-site POST (text/plain) is refused before it runs", async () => {
  const response = await fetch(api.server.url, {
    method: "POST",
    headers: { "content-type": "text/plain", origin: "https://evil.example" },
    body: JSON.stringify({ query: 'mutation { startRun(scenarioId: "2pc-happy-path") { id } }' }),
  });
  assert.equal(response.status, 400);
  const runs = await fetch(api.server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ runs { totalCount } }" }),
  });
  assert.deepEqual(await runs.json(), { data: { runs: { totalCount: 0 } } });
});
