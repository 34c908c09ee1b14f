import type { ControlHandler } from "./contract";

/**
 * One holder's commands, handled one at a time in the order they arrived. Two requests for
 * the same run (two students pressing "step" at once) then never interleave inside a handler;
 * a request whose turn comes too late is answered "no-holder" by its sender's timeout.
 */
export class HandlerQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly handler: ControlHandler) {}

  /** Runs `job` after every job queued before it has settled. `job` must not throw. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(job);
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}
