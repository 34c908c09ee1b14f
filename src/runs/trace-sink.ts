import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { Violation } from "../sim/types";
import { traceWriterFor, type EventRow, type RunCompletion } from "../store";
import type { FaultlineStore } from "../store/contract";

/**
 * Where a run task's simulation writes its trace. The simulation is synchronous (its
 * callbacks cannot await), so the sink is too: each call returns once the rows are
 * committed, and only then are they announced. Two kinds:
 * - thread: the worker thread's own SQLite connection (synchronous better-sqlite3), the
 *   embedded default and the fastest path;
 * - owner: any store (PostgreSQL): the call is handed to the thread that owns the pool,
 *   whose event loop awaits the store, and the worker thread blocks (Atomics.wait) until
 *   it answers, exactly as it would block on a synchronous write. So a batch is committed
 *   before the simulation goes on, and a slow store slows the run, never loses rows.
 */
export interface TraceSink {
  /** Returns the next seq. */
  append(runId: string, nextSeq: number, rows: readonly EventRow[]): number;
  complete(
    runId: string,
    nextSeq: number,
    rows: readonly EventRow[],
    violations: readonly Violation[],
    completion: RunCompletion,
  ): void;
  /** False when the run is no longer RUNNING. */
  setSchedule(runId: string, schedule: string): boolean;
}

/** `attempt`: the try's fencing token (FaultlineStore.takeOver), checked by every write; absent, not checked. */
export function threadSink(dbPath: string, attempt?: number): TraceSink {
  const store = traceWriterFor(dbPath);
  return {
    append: (runId, nextSeq, rows) => store.appendEvents(runId, nextSeq, rows, attempt),
    complete: (runId, nextSeq, rows, violations, completion) =>
      store.completeRun(runId, nextSeq, rows, violations, completion, attempt),
    setSchedule: (runId, schedule) => store.runs.setSchedule(runId, schedule),
  };
}

/** A write handed to the owning thread. */
export type SinkRequest =
  | {
      readonly op: "append";
      readonly runId: string;
      readonly nextSeq: number;
      readonly rows: readonly EventRow[];
      readonly attempt?: number;
    }
  | {
      readonly op: "complete";
      readonly attempt?: number;
      readonly runId: string;
      readonly nextSeq: number;
      readonly rows: readonly EventRow[];
      readonly violations: readonly Violation[];
      readonly completion: RunCompletion;
    }
  | { readonly op: "schedule"; readonly runId: string; readonly schedule: string };

/** The answer slot: [state, value]. */
const STATE = 0;
const VALUE = 1;
const PENDING = 0;
const DONE = 1;
const FAILED = 2;
/** How long a worker waits for the owning thread to answer one write before it gives the run up. */
export const SINK_ANSWER_MS = 120_000;

export function newSinkSlot(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/** The worker side of an owner sink: blocks on `slot` until the owner has done each write. */
export function ownerSink(port: MessagePort, slot: Int32Array, attempt?: number): TraceSink {
  const call = (request: SinkRequest): number => {
    Atomics.store(slot, STATE, PENDING);
    port.postMessage(request);
    const deadline = Date.now() + SINK_ANSWER_MS;
    while (Atomics.load(slot, STATE) === PENDING) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the store did not answer a ${request.op} within ${SINK_ANSWER_MS} ms`);
      Atomics.wait(slot, STATE, PENDING, left);
    }
    if (Atomics.load(slot, STATE) === FAILED) {
      const message = receiveMessageOnPort(port)?.message as { error?: string } | undefined;
      throw new Error(message?.error ?? `the store refused a ${request.op}`);
    }
    return Atomics.load(slot, VALUE);
  };
  return {
    append: (runId, nextSeq, rows) => call({ op: "append", runId, nextSeq, rows, attempt }),
    complete: (runId, nextSeq, rows, violations, completion) => {
      call({ op: "complete", runId, nextSeq, rows, violations, completion, attempt });
    },
    setSchedule: (runId, schedule) => call({ op: "schedule", runId, schedule }) === 1,
  };
}

/**
 * The owner side: does each request on the store, in order, and answers through the
 * slot (an error's text first on the port, so the worker finds it when it wakes). The
 * worker announces committed rows itself, on its task port, as it does with its own connection.
 */
export function serveSink(port: MessagePort, slot: Int32Array, store: FaultlineStore): void {
  let chain = Promise.resolve();
  port.on("message", (request: SinkRequest) => {
    chain = chain.then(async () => {
      try {
        let value = 0;
        if (request.op === "append") {
          value = await store.appendEvents(request.runId, request.nextSeq, request.rows, request.attempt);
        } else if (request.op === "complete") {
          await store.completeRun(
            request.runId,
            request.nextSeq,
            request.rows,
            request.violations,
            request.completion,
            request.attempt,
          );
        } else {
          value = (await store.runs.setSchedule(request.runId, request.schedule)) ? 1 : 0;
        }
        Atomics.store(slot, VALUE, value);
        Atomics.store(slot, STATE, DONE);
      } catch (error) {
        port.postMessage({ error: error instanceof Error ? error.message : String(error) });
        Atomics.store(slot, STATE, FAILED);
      }
      Atomics.notify(slot, STATE);
    });
  });
}
