import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import {
  BusClosedError,
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
import { ChannelSet } from "./redis-channels";
import { connectRedis, type RedisLink } from "./redis-connect";
import { ControlDesk, type Holds } from "./redis-control";
import { checkNote, checkRunId } from "./wire";

export interface RedisBusOptions {
  /** Put before every channel and key; tests use a random one so their runs never collide. */
  readonly prefix?: string;
  /** How long start-up may take to reach Redis before it fails with a clear error. */
  readonly connectTimeoutMs?: number;
  /** How long a hold outlives its process if that process dies without releasing it. */
  readonly holdLeaseMs?: number;
  readonly report?: BusErrorReporter;
}

export const REDIS_BUS_PREFIX_DEFAULT = "faultline:";
const CONNECT_TIMEOUT_MS_DEFAULT = 5_000;
const HOLD_LEASE_MS_DEFAULT = 15_000;

/**
 * The run bus of many processes, over Redis pub/sub: one publisher and one subscriber
 * connection per bus. Channels: `<prefix>run:<runId>` carries notes, `<prefix>control:<runId>`
 * carries control requests to the run's holder, `<prefix>reply:<busId>` carries the replies to
 * this bus's requests.
 *
 * Pub/sub delivers at most once and keeps nothing, which is why notes are hints and events are
 * read from the store. When the subscriber link drops and comes back, the bus subscribes again
 * to every channel in use and then calls each listener with a note marked `resync: true`: the
 * listener re-reads the store (events after its cursor and the run's status), since notes sent
 * during the outage are gone.
 */
export class RedisBus implements RunBus {
  readonly kind = "redis";
  private readonly listeners = new Map<string, Set<RunListener>>();
  private readonly channels: ChannelSet;
  private readonly desk: ControlDesk;
  private readonly publisher: Redis;
  private closed = false;

  private constructor(
    readonly busId: string,
    readonly prefix: string,
    private readonly publisherLink: RedisLink,
    private readonly subscriberLink: RedisLink,
    private readonly report: BusErrorReporter,
    holdLeaseMs: number,
  ) {
    const publisher = publisherLink.client;
    const subscriber = subscriberLink.client;
    this.publisher = publisher;
    this.channels = new ChannelSet(subscriber);
    const holds: Holds = { channels: this.channels, publisher, prefix, busId, report, leaseMs: holdLeaseMs };
    this.desk = new ControlDesk(holds);
    subscriber.on("message", (channel: string, message: string) => this.route(channel, message));
    // The link is already connected (connect() waited for it), so every "ready" from now on
    // is a reconnect, on a fresh connection subscribed to nothing.
    subscriber.on("ready", () => void this.resync());
  }

  /** Connects both links (failing within connectTimeoutMs, naming the URL without password). */
  static async connect(url: string, options: RedisBusOptions = {}): Promise<RedisBus> {
    const prefix = options.prefix ?? REDIS_BUS_PREFIX_DEFAULT;
    const report = options.report ?? reportToConsole;
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    const leaseMs = options.holdLeaseMs ?? HOLD_LEASE_MS_DEFAULT;
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 100)
      throw new RangeError(`holdLeaseMs must be >= 100, got ${leaseMs}`);
    // Names go to CLIENT SETNAME, which refuses spaces: hostnames have none, the uuid none.
    const busId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const publisher = await connectRedis(url, `faultline-bus-${busId}-pub`, timeoutMs, report);
    let subscriber: RedisLink;
    try {
      subscriber = await connectRedis(url, `faultline-bus-${busId}-sub`, timeoutMs, report);
    } catch (error) {
      await publisher.end();
      throw error;
    }
    const bus = new RedisBus(busId, prefix, publisher, subscriber, report, leaseMs);
    try {
      await bus.desk.start();
    } catch (error) {
      await bus.close();
      throw error;
    }
    return bus;
  }

  async announce(note: RunNote): Promise<void> {
    this.assertOpen("announce");
    const checked = checkNote(note, "announce");
    if (checked.resync === true) throw new TypeError("announce: resync notes are made by the bus, not announced");
    await this.publisher.publish(this.noteChannel(checked.runId), JSON.stringify(checked));
  }

  async listen(runId: string, listener: RunListener): Promise<Release> {
    this.assertOpen("listen");
    checkRunId(runId, "listen");
    const channel = this.noteChannel(runId);
    const entry: RunListener = (note) => listener(note); // one entry per call, released once
    let set = this.listeners.get(runId);
    if (set === undefined) this.listeners.set(runId, (set = new Set()));
    set.add(entry);
    try {
      await this.channels.acquire(channel);
    } catch (error) {
      this.dropListener(runId, entry);
      throw error;
    }
    let released = false;
    return async () => {
      if (released || this.closed) return;
      released = true;
      this.dropListener(runId, entry);
      await this.channels.release(channel);
    };
  }

  async holdControl(runId: string, handler: ControlHandler): Promise<Release> {
    this.assertOpen("holdControl");
    return this.desk.hold(checkRunId(runId, "holdControl"), handler);
  }

  async control(runId: string, command: ControlRequest, timeoutMs: number): Promise<ControlReply | "no-holder"> {
    this.assertOpen("control");
    return this.desk.send(checkRunId(runId, "control"), command, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.desk.stop();
    await Promise.all([this.subscriberLink.end(), this.publisherLink.end()]);
  }

  /** Users subscribed to a run's note channel on this bus (0 once the last one released). */
  noteUsers(runId: string): number {
    return this.channels.count(this.noteChannel(runId));
  }

  noteChannel(runId: string): string {
    return `${this.prefix}run:${runId}`;
  }

  private route(channel: string, message: string): void {
    if (this.closed) return;
    const notePrefix = `${this.prefix}run:`;
    if (channel.startsWith(notePrefix)) this.deliver(channel.slice(notePrefix.length), message);
    else this.desk.route(channel, message);
  }

  private deliver(runId: string, message: string): void {
    let note: RunNote;
    try {
      note = checkNote(JSON.parse(message), `a note on ${this.noteChannel(runId)}`);
      if (note.runId !== runId) throw new Error(`it names run ${note.runId}, not the channel's run ${runId}`);
    } catch (error) {
      this.report(error, `dropped a malformed note on ${this.noteChannel(runId)}`);
      return;
    }
    this.call(note);
  }

  /** Calls every listener of the note's run; a snapshot, so releasing mid-delivery is safe. */
  private call(note: RunNote): void {
    for (const listener of [...(this.listeners.get(note.runId) ?? [])]) {
      try {
        listener(note);
      } catch (error) {
        this.report(error, `a listener of run ${note.runId} threw`);
      }
    }
  }

  private async resync(): Promise<void> {
    try {
      await this.channels.resubscribe();
    } catch (error) {
      // The link dropped again: its next "ready" tries again.
      this.report(error, "re-subscribing after a reconnect");
      return;
    }
    if (this.closed) return;
    for (const runId of [...this.listeners.keys()]) this.call({ runId, lastSeq: -1, status: "RUNNING", resync: true });
  }

  private dropListener(runId: string, entry: RunListener): void {
    const set = this.listeners.get(runId);
    if (set === undefined) return;
    set.delete(entry);
    if (set.size === 0) this.listeners.delete(runId);
  }

  private assertOpen(call: string): void {
    if (this.closed) throw new BusClosedError(this.kind, call);
  }
}
