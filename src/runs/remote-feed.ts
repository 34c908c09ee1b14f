import type { Release, RunBus } from "../bus";
import { toEventRow } from "../store";
import type { FaultlineStore } from "../store/contract";
import { LiveRun } from "./follower";

/** Rows one feed reads from the store at a time. */
const FEED_PAGE = 1_000;

/**
 * The live feeds of runs that other processes execute (issue 13, several API instances):
 * one feed per run per instance, however many subscribers that instance has on it. A
 * note on the bus (or, in case a note was lost, a safety poll) makes the feed read the
 * new rows from the store ONCE and hand them to every local follower, as a worker's own
 * announcements do for a run of this process. Without it, 200 subscribers of one run
 * would each read the store on every note: a stampede that exhausted PostgreSQL's pool.
 */
export class RemoteFeeds {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    private readonly store: FaultlineStore,
    private readonly bus: RunBus,
    private readonly pollMs: number,
  ) {}

  /** The run's feed (started on first use); call leave() once the follower is done with it. */
  async join(runId: string): Promise<{ readonly live: LiveRun; leave(): void }> {
    let feed = this.feeds.get(runId);
    if (feed === undefined) {
      feed = new Feed(this.store, runId, this.pollMs, () => this.feeds.delete(runId));
      this.feeds.set(runId, feed);
      feed.ready = feed.start(this.bus);
    }
    feed.users += 1;
    try {
      await feed.ready;
    } catch (error) {
      feed.stop();
      throw error;
    }
    const joined = feed;
    let left = false;
    return {
      live: joined.live,
      leave: () => {
        if (left) return;
        left = true;
        joined.leave();
      },
    };
  }

  /** Ends every feed (the server is shutting down): their followers read what is stored, then end. */
  close(): void {
    for (const feed of [...this.feeds.values()]) feed.stop();
  }
}

class Feed {
  readonly live = new LiveRun();
  users = 0;
  ready: Promise<void> = Promise.resolve();
  /** The next seq this feed has not read. */
  private cursor = 0;
  private reading: Promise<void> | undefined;
  private again = false;
  private release: Release | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: FaultlineStore,
    private readonly runId: string,
    private readonly pollMs: number,
    private readonly onStop: () => void,
  ) {}

  /** Subscribes first, then reads where the store is: a note sent in between only causes one more read. */
  async start(bus: RunBus): Promise<void> {
    this.release = await bus.listen(this.runId, () => this.kick());
    this.cursor = (await this.store.events.lastSeq(this.runId)) + 1;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  leave(): void {
    this.users -= 1;
    if (this.users <= 0) this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    void this.release?.();
    this.live.end();
    this.onStop();
  }

  /** Reads what is new, one read at a time; a kick during a read asks for one more. */
  private kick(): void {
    if (this.stopped) return;
    if (this.reading !== undefined) {
      this.again = true;
      return;
    }
    this.reading = this.read()
      .catch(() => {
        // The store did not answer: the next note or poll reads again; followers lose nothing (they read the store too).
      })
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async read(): Promise<void> {
    // The status first: rows stored before a run ends are all read below, then the feed ends.
    const status = (await this.store.runs.get(this.runId))?.status;
    for (;;) {
      const events = await this.store.events.range(this.runId, this.cursor, FEED_PAGE);
      const last = events[events.length - 1];
      if (last === undefined) break;
      this.cursor = last.seq + 1;
      this.live.publish(events.map(toEventRow));
      if (events.length < FEED_PAGE) break;
    }
    if (status !== "RUNNING") this.stop();
  }
}
