import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { HoldRefusedError, RedisBus, type RedisBusOptions, type RunNote } from "../../src/bus";
import { busSuite, waitFor, within } from "./suite";
import { CuttableLink } from "./proxy";
import { adminOrSkip, openRedisBuses, redisUrl, subscribers, testPrefix } from "./redis-env";

busSuite("RedisBus", () => openRedisBuses());

/** A bus on a fresh prefix, closed after the test; its errors are collected. */
async function openBus(
  t: TestContext,
  errors: unknown[] = [],
  options: RedisBusOptions = {},
  url = redisUrl,
): Promise<RedisBus> {
  const bus = await RedisBus.connect(url, { prefix: testPrefix(), report: (e) => errors.push(e), ...options });
  t.after(() => bus.close());
  return bus;
}

const note = (runId: string, lastSeq: number): RunNote => ({ runId, lastSeq, status: "RUNNING" });

describe("RedisBus: subscriptions on the server", () => {
  test("listeners share one subscription per bus; the last release unsubscribes (NUMSUB back to 0)", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const a = await openBus(t);
    const b = await RedisBus.connect(redisUrl, { prefix: a.prefix });
    t.after(() => b.close());
    const channel = a.noteChannel("r");
    const releases = await Promise.all(Array.from({ length: 10 }, () => a.listen("r", () => undefined)));
    const releaseB = await b.listen("r", () => undefined);
    assert.equal(await subscribers(admin, channel), 2, "one subscription per bus, not per listener");
    assert.equal(a.noteUsers("r"), 10);
    await Promise.all(releases.slice(1).map((release) => release()));
    assert.equal(await subscribers(admin, channel), 2, "still subscribed while one listener remains");
    await releases[0]?.();
    await releaseB();
    assert.equal(await subscribers(admin, channel), 0);
    assert.equal(a.noteUsers("r"), 0);
  });

  test("500 listens and releases of one run racing each other end subscribed exactly when a listener remains", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const bus = await openBus(t);
    const got: number[] = [];
    const churn = Array.from({ length: 500 }, async (_, i) => {
      const release = await bus.listen("r", () => undefined);
      if (i % 50 !== 0) await release(); // 10 of them stay
    });
    await Promise.all(churn);
    assert.equal(await subscribers(admin, bus.noteChannel("r")), 1);
    assert.equal(bus.noteUsers("r"), 10);
    const release = await bus.listen("r", (n) => got.push(n.lastSeq));
    await bus.announce(note("r", 7));
    await waitFor(5_000, () => got.length === 1, "the note after the churn");
    await release();
    assert.deepEqual(got, [7]);
  });

  test("close ends both connections: none left on the server, no socket left open here", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const sockets = () => process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
    const before = sockets();
    const bus = await RedisBus.connect(redisUrl, { prefix: testPrefix() });
    await bus.listen("r", () => undefined);
    await bus.holdControl("r", async () => ({ ok: true, value: null }));
    const named = async () =>
      ((await admin.call("client", "list")) as string).split("\n").filter((line) => line.includes(bus.busId)).length;
    assert.equal(await named(), 2, "one publisher and one subscriber connection");
    await bus.close();
    assert.equal(await named(), 0);
    assert.equal(sockets(), before);
    assert.equal(await admin.exists(`${bus.prefix}holder:r`), 0, "close gave the control lease back");
  });
});

describe("RedisBus: reconnecting", () => {
  test("after its subscriber link is killed the bus subscribes again, sends resync notes, then misses nothing", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const listenerBus = await openBus(t);
    const sender = await RedisBus.connect(redisUrl, { prefix: listenerBus.prefix });
    t.after(() => sender.close());
    const got: RunNote[] = [];
    const afterResync: number[] = [];
    await listenerBus.listen("r", (n) => got.push(n));
    await listenerBus.listen("s", (n) => got.push(n));
    // A subscriber re-reads the store on a resync note: whatever is announced from then on must
    // arrive, so the note may only come once the bus is subscribed again.
    await listenerBus.listen("r", (n) => {
      if (n.resync === true) void sender.announce(note("r", 9));
      else afterResync.push(n.lastSeq);
    });
    const list = (await admin.call("client", "list")) as string;
    const line = list.split("\n").find((entry) => entry.includes(`name=faultline-bus-${listenerBus.busId}-sub`));
    const id = /\bid=(\d+)/.exec(line ?? "")?.[1];
    assert.ok(id !== undefined, "the subscriber connection is listed by its name");
    await admin.call("client", "kill", "id", id);
    await waitFor(10_000, () => got.filter((n) => n.resync === true).length === 2, "two resync notes");
    const resyncs = got.filter((n) => n.resync === true).map((n) => [n.runId, n.lastSeq, n.status]);
    assert.deepEqual(resyncs.sort(), [
      ["r", -1, "RUNNING"],
      ["s", -1, "RUNNING"],
    ]);
    assert.equal(await subscribers(admin, listenerBus.noteChannel("r")), 1, "subscribed again");
    await waitFor(5_000, () => afterResync.length === 1, "the note announced on the resync");
    await sender.announce(note("r", 5));
    await waitFor(5_000, () => afterResync.length === 2, "the note after the reconnect");
    assert.deepEqual(afterResync, [9, 5]);
    assert.deepEqual(
      got.filter((n) => n.resync !== true),
      [note("r", 9), note("r", 5)],
    );
  });
});

describe("RedisBus: control leases", () => {
  test("a lease left by a dead process refuses the hold, naming its owner, until it expires", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const bus = await openBus(t);
    await admin.set(`${bus.prefix}holder:r`, "dead-worker-1", "PX", 400);
    await assert.rejects(
      bus.holdControl("r", async () => ({ ok: true, value: 1 })),
      (error: unknown) => {
        assert.ok(error instanceof HoldRefusedError);
        assert.match(error.message, /dead-worker-1/);
        return true;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await bus.holdControl("r", async () => ({ ok: true, value: 1 }));
    assert.equal((await admin.pttl(`${bus.prefix}holder:r`)) > 0, true, "the new lease expires by itself too");
  });

  test("a holder keeps renewing its lease; if another takes it the holder stops answering", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const errors: unknown[] = [];
    const bus = await openBus(t, errors, { holdLeaseMs: 300 });
    await bus.holdControl("r", async () => ({ ok: true, value: "mine" }));
    await new Promise((resolve) => setTimeout(resolve, 900)); // three leases long
    assert.deepEqual(await bus.control("r", { op: "who", args: null }, 2_000), { ok: true, value: "mine" });
    await admin.set(`${bus.prefix}holder:r`, "another-bus", "PX", 60_000);
    await waitFor(2_000, () => errors.length > 0, "the lost lease reported");
    assert.equal(await bus.control("r", { op: "who", args: null }, 2_000), "no-holder");
    assert.equal(await admin.get(`${bus.prefix}holder:r`), "another-bus", "the other's lease is left alone");
  });

  test("a forged request naming a reply channel outside the prefix is dropped and reported", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const errors: unknown[] = [];
    const bus = await openBus(t, errors);
    const calls: unknown[] = [];
    await bus.holdControl("r", async (command) => (calls.push(command), { ok: true, value: null }));
    const forged = { id: "x", replyTo: "somebody-else", command: { op: "step", args: null } };
    assert.equal(await admin.publish(`${bus.prefix}control:r`, JSON.stringify(forged)), 1);
    await admin.publish(`${bus.prefix}control:r`, "not json");
    await waitFor(5_000, () => errors.length === 2, "both messages reported");
    assert.deepEqual(calls, []);
  });
});

describe("RedisBus: an outage of the whole link", () => {
  test("both links cut and healed: listeners resync, notes and controls flow again, nothing hangs", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const link = await CuttableLink.open(redisUrl);
    t.after(() => link.cut());
    const errors: unknown[] = [];
    const behind = await openBus(t, errors, {}, link.url(redisUrl));
    const direct = await RedisBus.connect(redisUrl, { prefix: behind.prefix });
    t.after(() => direct.close());
    const got: RunNote[] = [];
    await behind.listen("r", (n) => got.push(n));
    await behind.holdControl("held", async () => ({ ok: true, value: "behind" }));
    await link.cut();
    await assert.rejects(within(10_000, behind.announce(note("r", 1)), () => "announce during the outage"));
    await link.heal();
    await waitFor(10_000, () => got.some((n) => n.resync === true), "a resync note after the heal");
    await direct.announce(note("r", 2));
    await waitFor(5_000, () => got.some((n) => n.lastSeq === 2), "a note after the heal");
    assert.deepEqual(await direct.control("held", { op: "who", args: null }, 5_000), { ok: true, value: "behind" });
    assert.ok(errors.length > 0, "the outage was reported");
  });

  test("close while the link is down ends at once and leaves no socket open", async (t) => {
    const admin = await adminOrSkip(t);
    if (admin === undefined) return;
    const sockets = () => process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
    const link = await CuttableLink.open(redisUrl);
    const before = sockets();
    const bus = await RedisBus.connect(link.url(redisUrl), { prefix: testPrefix(), report: () => undefined });
    await bus.listen("r", () => undefined);
    await link.cut();
    const pending = bus.announce(note("r", 1)).catch(() => "rejected");
    await within(3_000, bus.close(), () => "close during an outage");
    assert.equal(await within(3_000, pending, () => "the announce queued before close"), "rejected");
    assert.equal(sockets(), before);
  });
});
