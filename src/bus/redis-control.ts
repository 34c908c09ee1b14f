import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { HoldRefusedError, type BusErrorReporter, type ControlHandler, type ControlReply } from "./contract";
import type { ChannelSet } from "./redis-channels";
import { answer, checkReply, checkRequest, checkTimeout, describe, isFields } from "./wire";
import { HandlerQueue } from "./queue";

/** What the desk shares with its RedisBus. */
export interface Holds {
  readonly channels: ChannelSet;
  readonly publisher: Redis;
  readonly prefix: string;
  readonly busId: string;
  readonly report: BusErrorReporter;
  readonly leaseMs: number;
}

// Compare-and-act on the lease key, so a bus never extends or deletes a lease another bus took
// after its own expired (a process stalled longer than the lease, say).
const RENEW_IF_MINE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`;
const DELETE_IF_MINE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`;

/**
 * Interactive runs over Redis. The holder of a run's controls owns the lease key
 * `<prefix>holder:<runId>` (SET NX with an expiry it renews every third of the lease, so a
 * crashed process frees the run within one lease) and is the one subscriber of
 * `<prefix>control:<runId>`. A request carries a correlation id and this bus's reply channel;
 * PUBLISH returns how many subscribers got it, so "nobody holds this run" is known at once,
 * without a PUBSUB NUMSUB that could change before the request is sent.
 */
export class ControlDesk {
  private readonly held = new Map<string, HandlerQueue>();
  private readonly pending = new Map<string, (reply: ControlReply | "no-holder") => void>();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly holds: Holds) {}

  get replyChannel(): string {
    return `${this.holds.prefix}reply:${this.holds.busId}`;
  }

  async start(): Promise<void> {
    await this.holds.channels.acquire(this.replyChannel);
    this.renewTimer = setInterval(() => void this.renew(), Math.floor(this.holds.leaseMs / 3));
    this.renewTimer.unref(); // a lease never keeps a process alive; close() clears it anyway
  }

  /** Answers every pending request "no-holder" and gives up every lease this bus holds. */
  async stop(): Promise<void> {
    clearInterval(this.renewTimer);
    for (const settle of [...this.pending.values()]) settle("no-holder");
    const runIds = [...this.held.keys()];
    this.held.clear();
    // With the link down, the leases expire by themselves; waiting would only delay close().
    if (this.holds.publisher.status !== "ready") return;
    await Promise.all(runIds.map((runId) => this.unlease(runId)));
  }

  async hold(runId: string, handler: ControlHandler): Promise<() => Promise<void>> {
    if (this.held.has(runId)) throw new HoldRefusedError(runId, `by this bus, ${this.holds.busId}`);
    const queue = new HandlerQueue(handler);
    this.held.set(runId, queue); // before any await, so a second hold on this bus is refused at once
    try {
      const key = this.leaseKey(runId);
      const claimed = await this.holds.publisher.set(key, this.holds.busId, "PX", this.holds.leaseMs, "NX");
      if (claimed !== "OK") {
        const owner = await this.holds.publisher.get(key);
        const left = await this.holds.publisher.pttl(key);
        const by = owner === null ? "by a bus that released it just now: try again" : `by bus ${owner}`;
        throw new HoldRefusedError(runId, `${by}; its lease ends in ${Math.max(left, 0)} ms unless renewed`);
      }
      try {
        await this.holds.channels.acquire(this.controlChannel(runId));
      } catch (error) {
        await this.unlease(runId);
        throw error;
      }
    } catch (error) {
      if (this.held.get(runId) === queue) this.held.delete(runId);
      throw error;
    }
    return async () => {
      if (this.held.get(runId) !== queue) return; // released, closed, or lost its lease
      this.held.delete(runId);
      await this.holds.channels.release(this.controlChannel(runId));
      await this.unlease(runId);
    };
  }

  send(runId: string, command: unknown, timeoutMs: number): Promise<ControlReply | "no-holder"> {
    checkTimeout(timeoutMs);
    const request = checkRequest(command, `control of run ${runId}`);
    const id = randomUUID();
    const message = JSON.stringify({ id, replyTo: this.replyChannel, command: request });
    return new Promise((resolve, reject) => {
      const settle = (reply: ControlReply | "no-holder") => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => settle("no-holder"), timeoutMs);
      this.pending.set(id, settle);
      this.holds.publisher.publish(this.controlChannel(runId), message).then(
        (receivers) => {
          if (receivers === 0) settle("no-holder");
        },
        (error: unknown) => {
          if (!this.pending.delete(id)) return;
          clearTimeout(timer);
          reject(new Error(`could not send control ${request.op} of run ${runId} to Redis`, { cause: error }));
        },
      );
    });
  }

  /** Handles a message on a control or reply channel; anything else is reported. */
  route(channel: string, message: string): void {
    const controlPrefix = `${this.holds.prefix}control:`;
    try {
      const parsed: unknown = JSON.parse(message);
      if (!isFields(parsed) || typeof parsed.id !== "string") throw new Error("it has no correlation id");
      if (channel === this.replyChannel) this.receiveReply(parsed.id, parsed);
      else if (channel.startsWith(controlPrefix))
        this.receiveRequest(channel.slice(controlPrefix.length), parsed.id, parsed);
      else throw new Error("no part of this bus reads that channel");
    } catch (error) {
      this.holds.report(error, `dropped a malformed message on ${channel}`);
    }
  }

  private receiveReply(id: string, message: { readonly [key: string]: unknown }): void {
    const settle = this.pending.get(id);
    if (settle === undefined) return; // timed out already: the holder was too slow
    settle(message.noHolder === true ? "no-holder" : checkReply(message.reply, "the control"));
  }

  private receiveRequest(runId: string, id: string, message: { readonly [key: string]: unknown }): void {
    const { replyTo } = message;
    // A reply goes only to a reply channel of this prefix: a forged request cannot make a
    // holder publish into any other channel.
    if (typeof replyTo !== "string" || !replyTo.startsWith(`${this.holds.prefix}reply:`)) {
      throw new Error(`request ${id} names no reply channel under ${this.holds.prefix}reply:`);
    }
    const command = checkRequest(message.command, `control ${id} of run ${runId}`);
    const queue = this.held.get(runId);
    const replied =
      queue === undefined
        ? Promise.resolve({ id, noHolder: true }) // released between PUBLISH and here
        : queue.run(() => answer(queue.handler, command)).then((reply) => ({ id, reply }));
    void replied
      .then((body) => this.holds.publisher.publish(replyTo, JSON.stringify(body)))
      .catch((error: unknown) => this.holds.report(error, `replying to control ${command.op} of run ${runId}`));
  }

  private async renew(): Promise<void> {
    for (const [runId, queue] of [...this.held]) {
      try {
        const kept = await this.holds.publisher.eval(
          RENEW_IF_MINE,
          1,
          this.leaseKey(runId),
          this.holds.busId,
          this.holds.leaseMs,
        );
        if (kept === 1 || this.held.get(runId) !== queue) continue;
        // Another bus may hold it now: stop answering, or two holders would both act.
        this.held.delete(runId);
        await this.holds.channels.release(this.controlChannel(runId));
        this.holds.report(new Error(`the lease of run ${runId}'s controls expired`), "renewing control leases");
      } catch (error) {
        this.holds.report(error, `renewing the control lease of run ${runId}: ${describe(error)}`);
      }
    }
  }

  private async unlease(runId: string): Promise<void> {
    try {
      await this.holds.publisher.eval(DELETE_IF_MINE, 1, this.leaseKey(runId), this.holds.busId);
    } catch (error) {
      // It expires by itself within one lease.
      this.holds.report(error, `giving up the control lease of run ${runId}`);
    }
  }

  private controlChannel(runId: string): string {
    return `${this.holds.prefix}control:${runId}`;
  }

  private leaseKey(runId: string): string {
    return `${this.holds.prefix}holder:${runId}`;
  }
}
