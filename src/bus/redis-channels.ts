import type { Redis } from "ioredis";

/**
 * The channels one subscriber connection is subscribed to, counted by user. Many listeners of
 * one run share one SUBSCRIBE; the last one to leave sends the UNSUBSCRIBE, so a server with
 * thousands of finished runs does not stay subscribed to all of them.
 *
 * Commands on one connection reach Redis in the order they were sent, so a SUBSCRIBE sent
 * after an UNSUBSCRIBE of the same channel (a listener arriving as the last one leaves) ends
 * subscribed, without waiting for the UNSUBSCRIBE to come back first.
 */
export class ChannelSet {
  private readonly users = new Map<string, { count: number; subscribed: Promise<void> }>();

  constructor(private readonly subscriber: Redis) {}

  /** Resolves once Redis has confirmed the subscription (at once if another user had it). */
  async acquire(channel: string): Promise<void> {
    let entry = this.users.get(channel);
    if (entry === undefined) {
      entry = { count: 0, subscribed: this.subscribe(channel) };
      this.users.set(channel, entry);
    }
    entry.count += 1;
    try {
      await entry.subscribed;
    } catch (error) {
      // The user that failed never held the channel: give its count back.
      this.forget(channel, entry);
      throw new Error(`could not subscribe to Redis channel ${channel}`, { cause: error });
    }
  }

  /** Gives one use back; the last one unsubscribes and resolves once Redis has confirmed it. */
  async release(channel: string): Promise<void> {
    const entry = this.users.get(channel);
    if (entry === undefined)
      throw new Error(`release of Redis channel ${channel}, which has no user (a double release)`);
    if (this.forget(channel, entry)) await this.subscriber.unsubscribe(channel);
  }

  /** How many users hold `channel` (0 when none): for assertions and tests. */
  count(channel: string): number {
    return this.users.get(channel)?.count ?? 0;
  }

  /**
   * After a reconnect: subscribes again to every channel in use (the new connection has none),
   * resolving once Redis has confirmed them all, so nothing announced afterwards is missed.
   */
  async resubscribe(): Promise<void> {
    const channels = [...this.users.keys()];
    if (channels.length > 0) await this.subscriber.subscribe(...channels);
  }

  /** Drops one use of `entry`; true when it was the last one and the channel is now unused. */
  private forget(channel: string, entry: { count: number }): boolean {
    entry.count -= 1;
    if (entry.count > 0 || this.users.get(channel) !== entry) return false;
    this.users.delete(channel);
    return true;
  }

  private async subscribe(channel: string): Promise<void> {
    await this.subscriber.subscribe(channel);
  }
}
