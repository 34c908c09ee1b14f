import type { MessagePort } from "node:worker_threads";
import type { Intervention } from "../sim/interventions";
import type { FaultAction } from "../sim/spec";
import { CONTROL, wake, type ControlMessage } from "./control-protocol";

/** How long a request to a run's worker may wait for its answer before it is given up, in ms. */
export const CONTROL_REPLY_MS = 10_000;

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
}

/**
 * The main thread's handle on one paced run in a worker (src/runs/pacer.ts is the other
 * side): pause, step, resume, re-pace, inject. It remembers what it asked for (paused or
 * not) and where the worker last said it holds the run, and lets a mutation wait until
 * the worker has done what was asked, so the run it returns says where the run now is.
 */
export class RunControl {
  /** The seq of the event the paused run holds (events before it are stored), once the worker says so. */
  private heldSeq: number | undefined;
  private ended = false;
  private nextRequest = 1;
  private readonly waiters = new Set<Waiter>();
  private readonly replies = new Map<number, (reply: ControlMessage | undefined) => void>();

  constructor(
    private readonly control: Int32Array,
    private readonly port: MessagePort,
  ) {}

  get paused(): boolean {
    return !this.ended && Atomics.load(this.control, CONTROL.paused) === 1;
  }

  get pace(): number {
    return Atomics.load(this.control, CONTROL.pace);
  }

  /** Pauses before the next event is released, and resolves once the worker holds it (or the run ends). */
  pause(): Promise<void> {
    Atomics.store(this.control, CONTROL.paused, 1);
    wake(this.control);
    return this.until(() => this.heldSeq !== undefined);
  }

  resume(): void {
    this.heldSeq = undefined;
    Atomics.store(this.control, CONTROL.steps, 0);
    Atomics.store(this.control, CONTROL.paused, 0);
    wake(this.control);
  }

  /** Releases `events` more events of the paused run and resolves when it holds the next one (or ends). */
  step(events: number, storedEvents: number): Promise<void> {
    const target = (this.heldSeq ?? storedEvents) + events;
    this.heldSeq = undefined;
    Atomics.add(this.control, CONTROL.steps, events);
    wake(this.control);
    return this.until(() => this.heldSeq !== undefined && this.heldSeq >= target);
  }

  setPace(pace: number): void {
    Atomics.store(this.control, CONTROL.pace, pace);
    wake(this.control);
  }

  /** Asks the worker to inject a fault; resolves with the stored intervention or why it was refused. */
  inject(action: FaultAction): Promise<{ intervention: Intervention } | { refused: string }> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer(undefined), CONTROL_REPLY_MS);
      timer.unref();
      const answer = (reply: ControlMessage | undefined): void => {
        clearTimeout(timer);
        this.replies.delete(id);
        if (reply?.type === "injected") resolve({ intervention: reply.intervention });
        else if (reply?.type === "refused") resolve({ refused: reply.reason });
        else resolve({ refused: this.ended ? "the run ended first" : "the run's worker did not answer in time" });
      };
      if (this.ended) {
        answer(undefined);
        return;
      }
      this.replies.set(id, answer);
      this.port.postMessage({ type: "inject", id, action });
      wake(this.control);
    });
  }

  /** A message from the worker about pausing or an injection. */
  receive(message: ControlMessage): void {
    if (message.type === "held") {
      this.heldSeq = message.seq;
      this.check();
      return;
    }
    this.replies.get(message.id)?.(message);
  }

  /** The run has ended: every wait is over. */
  end(): void {
    this.ended = true;
    for (const reply of [...this.replies.values()]) reply(undefined);
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters.clear();
  }

  private until(done: () => boolean): Promise<void> {
    if (this.ended || done()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.add({ done, resolve });
    });
  }

  private check(): void {
    for (const waiter of this.waiters) {
      if (!waiter.done()) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }
}
