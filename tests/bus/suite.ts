import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  BusClosedError,
  CONTROL_BAD_REPLY,
  CONTROL_HANDLER_FAILED,
  HoldRefusedError,
  type ControlReply,
  type ControlRequest,
  type JsonValue,
  type RunBus,
  type RunNote,
} from "../../src/bus";

/**
 * One suite for every RunBus. `a` and `b` play two API instances, `c` the worker that executes
 * runs; for LocalBus all three are the one bus of the process. `errors` collects what the bus
 * reported (listener exceptions, malformed messages).
 */
export interface Buses {
  readonly a: RunBus;
  readonly b: RunBus;
  readonly c: RunBus;
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

/** Opens fresh buses, or says why they cannot be opened here (the tests then skip). */
export type OpenBuses = () => Promise<Buses | { readonly skip: string }>;

export async function withBuses(t: TestContext, open: OpenBuses): Promise<Buses | undefined> {
  const opened = await open();
  if ("skip" in opened) {
    t.skip(opened.skip);
    return undefined;
  }
  t.after(() => opened.close());
  return opened;
}

/** Resolves with `promise`, or rejects saying what was still awaited after `ms`. */
export async function within<T>(ms: number, promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const note = (runId: string, lastSeq: number, status: RunNote["status"] = "RUNNING"): RunNote => ({
  runId,
  lastSeq,
  status,
});

export function busSuite(name: string, open: OpenBuses): void {
  describe(`${name}: notes`, () => {
    test("200 listeners over 20 runs on two instances get every one of 1,000 notes per run, in order", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      const runs = Array.from({ length: 20 }, (_, i) => `run-${i}`);
      const notesPerRun = 1_000;
      const received: number[][] = [];
      const finished: Promise<void>[] = [];
      const subscribed: Promise<unknown>[] = [];
      // 10 listeners per run, alternating between the two instances; one extra listener per run
      // throws on every note, and must break nobody.
      for (let i = 0; i < 200; i += 1) {
        const runId = runs[i % runs.length] as string;
        const bus = i % 2 === 0 ? buses.a : buses.b;
        const seqs: number[] = [];
        received.push(seqs);
        finished.push(
          new Promise<void>((resolve, reject) => {
            const listening = bus.listen(runId, (got) => {
              if (got.runId !== runId) reject(new Error(`listener ${i} of ${runId} got a note of ${got.runId}`));
              if (got.resync === true) return;
              seqs.push(got.lastSeq);
              if (got.status === "COMPLETED") resolve();
            });
            subscribed.push(listening);
            listening.catch(reject);
          }),
        );
      }
      for (const [i, runId] of runs.entries()) {
        const thrower = () => {
          throw new Error("a listener that always throws");
        };
        subscribed.push((i % 2 === 0 ? buses.a : buses.b).listen(runId, thrower));
      }
      await Promise.all(subscribed);
      const announced: Promise<void>[] = [];
      for (let seq = 0; seq < notesPerRun; seq += 1) {
        const status = seq === notesPerRun - 1 ? "COMPLETED" : "RUNNING";
        for (const runId of runs) announced.push(buses.c.announce(note(runId, seq, status)));
      }
      await Promise.all(announced);
      await within(30_000, Promise.all(finished), () => `counts ${received.map((seqs) => seqs.length).join(",")}`);
      const expected = Array.from({ length: notesPerRun }, (_, seq) => seq);
      for (const [i, seqs] of received.entries()) assert.deepEqual(seqs, expected, `listener ${i}`);
      assert.equal(
        buses.errors.length,
        runs.length * notesPerRun,
        "every throw of the throwing listeners was reported",
      );
    });

    test("a released listener gets nothing more; the others of its run still do; release is idempotent", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      const kept: number[] = [];
      const dropped: number[] = [];
      const twice: number[] = [];
      const both = (got: RunNote) => twice.push(got.lastSeq);
      await buses.a.listen("r", (got) => kept.push(got.lastSeq));
      const release = await buses.b.listen("r", (got) => dropped.push(got.lastSeq));
      const releaseFirst = await buses.a.listen("r", both); // the same function twice: two listeners
      await buses.a.listen("r", both);
      await buses.c.announce(note("r", 0));
      await waitFor(5_000, () => kept.length === 1 && dropped.length === 1 && twice.length === 2, "note 0");
      await release();
      await release();
      await releaseFirst();
      await buses.c.announce(note("r", 1));
      await waitFor(5_000, () => kept.length === 2, "note 1");
      await buses.c.announce(note("r", 2, "COMPLETED"));
      await waitFor(5_000, () => kept.length === 3, "note 2");
      assert.deepEqual(kept, [0, 1, 2]);
      assert.deepEqual(dropped, [0]);
      assert.deepEqual(twice, [0, 0, 1, 2]);
    });

    test("announce refuses a note that is not one, saying which field is wrong", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      await assert.rejects(buses.c.announce({ runId: "r", lastSeq: -2, status: "RUNNING" }), /lastSeq/);
      await assert.rejects(buses.c.announce({ runId: "", lastSeq: 0, status: "RUNNING" }), /runId/);
      const status = "DONE" as RunNote["status"];
      await assert.rejects(buses.c.announce({ runId: "r", lastSeq: 0, status }), /status/);
      await assert.rejects(buses.c.announce({ runId: "r", lastSeq: -1, status: "RUNNING", resync: true }), /resync/);
    });
  });

  describe(`${name}: controls`, () => {
    test("a control from A reaches the holder on B and its reply, value or error, comes back", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      const seen: ControlRequest[] = [];
      await buses.b.holdControl("r", async (command) => {
        seen.push(command);
        if (command.op === "step") return { ok: true, value: { stepped: command.args } };
        if (command.op === "late") return { ok: false, code: "RUN_FINISHED", message: "run r has finished" };
        if (command.op === "odd") return { answer: 42 } as unknown as ControlReply;
        throw new Error(`no such op ${command.op}`);
      });
      const args: JsonValue = { count: 3, nodes: ["n1", "n2"], nested: { on: true, off: null } };
      assert.deepEqual(await buses.a.control("r", { op: "step", args }, 5_000), {
        ok: true,
        value: { stepped: args },
      });
      assert.deepEqual(await buses.a.control("r", { op: "late", args: null }, 5_000), {
        ok: false,
        code: "RUN_FINISHED",
        message: "run r has finished",
      });
      const failed = await buses.a.control("r", { op: "explode", args: null }, 5_000);
      assert.equal(failed !== "no-holder" && !failed.ok && failed.code, CONTROL_HANDLER_FAILED);
      const odd = await buses.a.control("r", { op: "odd", args: null }, 5_000);
      assert.equal(odd !== "no-holder" && !odd.ok && odd.code, CONTROL_BAD_REPLY);
      assert.deepEqual(seen[0], { op: "step", args });
    });

    test("400 controls at once from two senders over 10 runs: each answered once, one at a time per run, in order", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      const runs = Array.from({ length: 10 }, (_, i) => `held-${i}`);
      const handled = new Map<string, string[]>();
      for (const runId of runs) {
        let inside = 0;
        handled.set(runId, []);
        await buses.b.holdControl(runId, async (command) => {
          inside += 1;
          assert.equal(inside, 1, `two commands of ${runId} inside the handler at once`);
          await new Promise((resolve) => setImmediate(resolve));
          handled.get(runId)?.push(String(command.args));
          inside -= 1;
          return { ok: true, value: `${runId}:${String(command.args)}` };
        });
      }
      const sent = [buses.a, buses.c].flatMap((bus, sender) =>
        Array.from({ length: 200 }, (_, i) => {
          const runId = runs[i % runs.length] as string;
          const tag = `${sender}-${i}`;
          return bus.control(runId, { op: "step", args: tag }, 20_000).then((reply) => ({ runId, tag, reply }));
        }),
      );
      for (const { runId, tag, reply } of await Promise.all(sent)) {
        assert.deepEqual(reply, { ok: true, value: `${runId}:${tag}` });
      }
      for (const runId of runs) {
        const order = handled.get(runId) ?? [];
        assert.equal(order.length, 40, `${runId} handled each of its commands once`);
        for (const sender of ["0-", "1-"]) {
          const fromSender = order.filter((tag) => tag.startsWith(sender));
          const sorted = [...fromSender].sort((x, y) => Number(x.slice(2)) - Number(y.slice(2)));
          assert.deepEqual(fromSender, sorted, `${runId}: one sender's commands handled in the order sent`);
        }
      }
    });

    test("no holder: no-holder at once; a holder too slow: no-holder after the timeout", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      let started = performance.now();
      assert.equal(await buses.a.control("nobody", { op: "step", args: null }, 10_000), "no-holder");
      assert.ok(performance.now() - started < 2_000, "no-holder came at once, not after the 10 s timeout");
      let finish: (() => void) | undefined;
      await buses.b.holdControl("slow", async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        return { ok: true, value: null };
      });
      started = performance.now();
      assert.equal(await buses.a.control("slow", { op: "step", args: null }, 300), "no-holder");
      const waited = performance.now() - started;
      assert.ok(waited >= 250 && waited < 3_000, `no-holder after about the 300 ms timeout, got ${waited} ms`);
      finish?.();
    });

    test("a second hold of a run is refused, on the same bus and on another; after release it can be held", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      const answerWith = (value: string) => async (): Promise<ControlReply> => ({ ok: true, value });
      const release = await buses.b.holdControl("r", answerWith("first"));
      await assert.rejects(buses.b.holdControl("r", answerWith("second")), HoldRefusedError);
      await assert.rejects(buses.a.holdControl("r", answerWith("third")), HoldRefusedError);
      assert.deepEqual(await buses.c.control("r", { op: "who", args: null }, 5_000), { ok: true, value: "first" });
      await release();
      await release();
      assert.equal(await buses.c.control("r", { op: "who", args: null }, 5_000), "no-holder");
      await buses.a.holdControl("r", answerWith("again"));
      assert.deepEqual(await buses.c.control("r", { op: "who", args: null }, 5_000), { ok: true, value: "again" });
    });

    test("20 holds of one run racing on two instances: exactly one wins, the rest are refused", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      const attempts = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? buses.a : buses.b)
          .holdControl("contested", async () => ({ ok: true, value: i }))
          .then(
            () => ({ won: i }),
            (error: unknown) => ({ refused: error instanceof HoldRefusedError }),
          ),
      );
      const results = await Promise.all(attempts);
      const winners = results.flatMap((result) => ("won" in result ? [result.won] : []));
      assert.equal(winners.length, 1, "one holder");
      assert.ok(
        results.every((result) => "won" in result || result.refused),
        "the others refused by HoldRefusedError",
      );
      assert.deepEqual(await buses.c.control("contested", { op: "who", args: null }, 5_000), {
        ok: true,
        value: winners[0] ?? -1,
      });
    });

    test("close answers pending controls no-holder, refuses later calls and can be called twice", async (t) => {
      const buses = await withBuses(t, open);
      if (buses === undefined) return;
      await buses.b.holdControl("r", () => new Promise<ControlReply>(() => undefined)); // never answers
      const pending = buses.a.control("r", { op: "step", args: null }, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the request is on its way
      await buses.a.close();
      await buses.a.close();
      assert.equal(await within(5_000, pending, () => "the pending control"), "no-holder");
      await assert.rejects(buses.a.announce(note("r", 0)), BusClosedError);
      await assert.rejects(
        buses.a.listen("r", () => undefined),
        BusClosedError,
      );
      await assert.rejects(buses.a.control("r", { op: "step", args: null }, 10), BusClosedError);
    });
  });
}

/** Resolves once `ready()` holds (polled each millisecond); rejects naming `what` after `ms`. */
export async function waitFor(ms: number, ready: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
