import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { openRunBus, redactRedisUrl } from "../../src/bus";
import { adminOrSkip, redisUrl } from "./redis-env";

test("no Redis URL: the single-process LocalBus", async () => {
  for (const url of ["", "  "]) {
    const bus = await openRunBus(url);
    assert.equal(bus.kind, "local");
    await bus.close();
  }
});

test("a Redis URL: a RedisBus on it", async (t) => {
  if ((await adminOrSkip(t)) === undefined) return;
  const bus = await openRunBus(redisUrl);
  assert.equal(bus.kind, "redis");
  await bus.close();
});

test("an unreachable Redis fails start-up quickly, naming the URL without its password", async () => {
  // A port nothing listens on: take a free one and close it again.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const started = performance.now();
  await assert.rejects(openRunBus(`redis://student:hunter2@127.0.0.1:${address.port}/0`), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.ok(error.message.includes(`127.0.0.1:${address.port}`), error.message);
    assert.ok(!error.message.includes("hunter2"), error.message);
    assert.match(error.message, /REDIS_URL/);
    return true;
  });
  assert.ok(performance.now() - started < 5_000, "no endless retry at start-up");
});

test("a server that accepts but never answers fails within the connect timeout", async (t) => {
  const silent = createServer(() => undefined); // accepts, says nothing
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => silent.close());
  silent.on("connection", (socket) => t.after(() => socket.destroy()));
  const address = silent.address();
  assert.ok(address !== null && typeof address === "object");
  const started = performance.now();
  await assert.rejects(openRunBus(`redis://127.0.0.1:${address.port}`, { connectTimeoutMs: 300 }), /could not reach/);
  const waited = performance.now() - started;
  assert.ok(waited < 2_000, `gave up after ${waited} ms`);
});

test("a REDIS_URL that is not a redis URL is refused without echoing it", async () => {
  await assert.rejects(openRunBus("http://user:pw@example.org"), (error: unknown) => {
    assert.ok(error instanceof Error && !error.message.includes("pw@"), String(error));
    return true;
  });
  await assert.rejects(openRunBus("not a url :secret"), (error: unknown) => {
    assert.ok(error instanceof Error && !error.message.includes("secret"), String(error));
    return true;
  });
  assert.equal(redactRedisUrl("redis://:pw@h:1/2"), "redis://:***@h:1/2");
});
