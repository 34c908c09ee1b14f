import type { TraceEvent } from "../sim/types";
import { fromEventRow, type EventRow } from "../store";
import type { FaultlineStore } from "../store/contract";

/** How many live events a follower holds for its reader before it lets them go and reads the store instead. */
const MAX_FOLLOWER_BUFFER = 10_000;
/** Events a follower reads from the store at a time. */
const FOLLOW_PAGE = 500;
/** A follower lets the event loop run between every this many events it hands out. */
const YIELD_EVERY_EVENTS = 200;

/** A run in progress in this process: what its worker announces goes to its followers. */
export class LiveRun {
  private readonly followers = new Set<Follower>();
  ended = false;

  subscribe(follower: Follower): void {
    if (!this.ended) this.followers.add(follower);
  }

  unsubscribe(follower: Follower): void {
    this.followers.delete(follower);
  }

  /** Rows the worker has committed. Each follower turns a row into an event only when it hands it out. */
  publish(rows: readonly EventRow[]): void {
    for (const follower of this.followers) follower.push(rows);
  }

  end(): void {
    this.ended = true;
    for (const follower of this.followers) follower.wake();
    this.followers.clear();
  }
}

/**
 * One follower of one run: stored events from fromSeq on, then live ones, strictly
 * in seq order. The store is the truth (a worker announces only committed rows), and
 * live events are a buffer that saves reading it again: an event is handed out only
 * when its seq is the next one expected, so there is never a gap or a duplicate, and
 * a gap in the buffer (events let go, or announced before the follower existed) is
 * filled from the store.
 */
export class Follower implements AsyncIterableIterator<TraceEvent> {
  private nextSeq: number;
  private page: TraceEvent[] = [];
  private pageIndex = 0;
  private buffer: EventRow[] = [];
  private bufferHead = 0;
  private finished = false;
  /**
   * The run was seen ended (or not RUNNING) after a store read came back empty: one more
   * pass over the buffer and the store follows before the follower ends, since rows
   * committed while that read was in flight are stored, and announced, before the end.
   */
  private endSeen = false;
  private sinceYield = 0;
  private wakeUp: (() => void) | undefined;
  private pulling: Promise<IteratorResult<TraceEvent>> = Promise.resolve({ done: true, value: undefined });

  constructor(
    private readonly store: FaultlineStore,
    private readonly runId: string,
    fromSeq: number,
    private readonly live: LiveRun | undefined,
    private readonly pollMs: number,
    private readonly onFinish: (follower: Follower) => void,
  ) {
    this.nextSeq = fromSeq;
    live?.subscribe(this);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TraceEvent> {
    return this;
  }

  next(): Promise<IteratorResult<TraceEvent>> {
    // One pull at a time, in call order, even if a caller does not wait for the last.
    this.pulling = this.pulling.then(
      () => this.pull(),
      () => this.pull(),
    );
    return this.pulling;
  }

  return(): Promise<IteratorResult<TraceEvent>> {
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<TraceEvent>> {
    this.finish();
    return Promise.reject(error);
  }

  push(rows: readonly EventRow[]): void {
    if (this.finished) return;
    if (this.buffer.length - this.bufferHead + rows.length > MAX_FOLLOWER_BUFFER) {
      // The reader is slow: let the buffer go; the store has every one of these events.
      this.buffer = [];
      this.bufferHead = 0;
    } else {
      for (const row of rows) this.buffer.push(row);
    }
    this.wake();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.buffer = [];
    this.page = [];
    this.live?.unsubscribe(this);
    this.onFinish(this);
    this.wake();
  }

  private async pull(): Promise<IteratorResult<TraceEvent>> {
    // A reader that never waits would otherwise hand out a whole backlog in one chain
    // of microtasks and starve the event loop (timers, sockets, other requests).
    this.sinceYield += 1;
    if (this.sinceYield >= YIELD_EVERY_EVENTS) {
      this.sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (;;) {
      if (this.finished) return { done: true, value: undefined };
      const fromPage = this.page[this.pageIndex];
      if (fromPage !== undefined) {
        this.pageIndex += 1;
        this.nextSeq = fromPage.seq + 1;
        return { done: false, value: fromPage };
      }
      const fromBuffer = this.takeBuffered();
      if (fromBuffer !== undefined) return { done: false, value: fromBuffer };
      const stored = await this.store.events.range(this.runId, this.nextSeq, FOLLOW_PAGE);
      if (stored.length > 0) {
        this.page = stored;
        this.pageIndex = 0;
        continue;
      }
      // Everything stored so far has been handed out.
      if (this.live === undefined) {
        // Not run by this process: ended, or run by another process that shares the file.
        if ((await this.store.runs.get(this.runId))?.status !== "RUNNING") {
          if (this.endSeen) this.finish();
          this.endSeen = true;
          continue;
        }
        await this.sleep(this.pollMs);
        continue;
      }
      if (this.live.ended) {
        if (this.endSeen) this.finish();
        this.endSeen = true;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
  }

  /** The buffered event with seq nextSeq, if it is there; older buffered ones are dropped. */
  private takeBuffered(): TraceEvent | undefined {
    while (this.bufferHead < this.buffer.length && (this.buffer[this.bufferHead] as EventRow)[0] < this.nextSeq) {
      this.bufferHead += 1;
    }
    const row = this.buffer[this.bufferHead];
    if (row === undefined || row[0] !== this.nextSeq) return undefined;
    this.bufferHead += 1;
    this.nextSeq += 1;
    if (this.bufferHead >= 1024 && this.bufferHead * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.bufferHead);
      this.bufferHead = 0;
    }
    return fromEventRow(row);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      timer.unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
