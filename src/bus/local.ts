import {
  BusClosedError,
  HoldRefusedError,
  reportToConsole,
  type BusErrorReporter,
  type ControlHandler,
  type ControlReply,
  type ControlRequest,
  type Release,
  type RunBus,
  type RunListener,
  type RunNote,
} from "./contract";
import { HandlerQueue } from "./queue";
import { answer, checkNote, checkRequest, checkRunId, checkTimeout } from "./wire";

/**
 * The run bus of one process (faultline's embedded default, no Redis): notes go straight to
 * the listeners registered here, controls straight to the handler held here. It keeps the
 * RedisBus semantics that callers can observe: notes arrive in the order announced, a
 * listener's exception reaches only the reporter, a second hold is refused, commands and
 * replies are copied through JSON, one holder's commands run one at a time in arrival order,
 * a slow holder yields "no-holder" after the timeout.
 */
export class LocalBus implements RunBus {
  readonly kind = "local";
  private readonly listeners = new Map<string, Set<RunListener>>();
  private readonly holders = new Map<string, HandlerQueue>();
  private readonly waiting = new Set<() => void>();
  private closed = false;

  constructor(private readonly report: BusErrorReporter = reportToConsole) {}

  async announce(note: RunNote): Promise<void> {
    this.assertOpen("announce");
    const checked = checkNote(note, "announce");
    if (checked.resync === true) throw new TypeError("announce: resync notes are made by the bus, not announced");
    // A snapshot: a listener that releases itself (or another) mid-delivery changes nothing now.
    for (const listener of [...(this.listeners.get(checked.runId) ?? [])]) {
      try {
        listener(checked);
      } catch (error) {
        this.report(error, `a listener of run ${checked.runId} threw`);
      }
    }
  }

  async listen(runId: string, listener: RunListener): Promise<Release> {
    this.assertOpen("listen");
    checkRunId(runId, "listen");
    // A wrapper per call, so the same function listening twice is released one at a time.
    const entry: RunListener = (note) => listener(note);
    let set = this.listeners.get(runId);
    if (set === undefined) this.listeners.set(runId, (set = new Set()));
    set.add(entry);
    return async () => {
      const current = this.listeners.get(runId);
      if (current === undefined || !current.delete(entry)) return;
      if (current.size === 0) this.listeners.delete(runId);
    };
  }

  async holdControl(runId: string, handler: ControlHandler): Promise<Release> {
    this.assertOpen("holdControl");
    checkRunId(runId, "holdControl");
    if (this.holders.has(runId)) throw new HoldRefusedError(runId, "in this process");
    const queue = new HandlerQueue(handler);
    this.holders.set(runId, queue);
    return async () => {
      if (this.holders.get(runId) === queue) this.holders.delete(runId);
    };
  }

  async control(runId: string, command: ControlRequest, timeoutMs: number): Promise<ControlReply | "no-holder"> {
    this.assertOpen("control");
    checkRunId(runId, "control");
    checkTimeout(timeoutMs);
    const request = checkRequest(command, `control of run ${runId}`);
    const queue = this.holders.get(runId);
    if (queue === undefined) return "no-holder";
    return new Promise((resolve) => {
      const giveUp = () => {
        clearTimeout(timer);
        this.waiting.delete(giveUp);
        resolve("no-holder");
      };
      const timer = setTimeout(giveUp, timeoutMs);
      this.waiting.add(giveUp);
      void queue
        .run(() => answer(queue.handler, request))
        .then((reply) => {
          if (!this.waiting.delete(giveUp)) return; // already timed out or closed
          clearTimeout(timer);
          resolve(reply);
        });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const giveUp of [...this.waiting]) giveUp();
    this.listeners.clear();
    this.holders.clear();
  }

  private assertOpen(call: string): void {
    if (this.closed) throw new BusClosedError(this.kind, call);
  }
}
