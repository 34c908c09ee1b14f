import { assert } from "./assert";
import { Rng } from "./rng";
import type { DelaySpec, NetworkSpec } from "./spec";

/**
 * The simulated network (TigerBeetle VOPR's packet simulator, as its own module):
 * per-link delay, loss and duplication, partitions and one-way cuts, per-link fault
 * overrides, ignore rules, and the messages a partition holds back. It decides what
 * happens to a message; the simulation records the events and delivers.
 *
 * Every random choice comes from the run's "network" stream, in a fixed order per
 * message (loss, delay, duplication, the duplicate's delay), so a run is a pure
 * function of its seed.
 */
export interface NetworkOptions {
  /** Every node of the scenario, in scenario order. */
  readonly nodes: readonly string[];
  /** The run's seed: the network draws from its own stream of it. */
  readonly seed: number;
  /** The scenario's network settings. */
  readonly spec: NetworkSpec;
  /** The most messages a partition may hold at once (CORE_LIMITS.maxHeldMessages). */
  readonly maxHeldMessages: number;
}

/** What the network needs to know of a message in flight. */
export interface InFlight {
  readonly from: string;
  readonly to: string;
}

/**
 * Why a message was lost, as a DROP event's `data.reason` states it:
 * - partition: sent across a partition in force;
 * - partition-in-flight: a partition came up while it was in flight (network.partitionInFlight: drop);
 * - cut: its link was cut one way (a `cut` fault);
 * - link-drop: lost by chance (the link's drop probability);
 * - node-down: its receiver was crashed when it arrived;
 * - ignored: an `ignore` fault discards its type on arrival;
 * - held-limit: a partition held it back, but CORE_LIMITS.maxHeldMessages were already held;
 * - paused-limit: its receiver was paused with CORE_LIMITS.maxPausedMessagesPerNode already waiting.
 */
export type DropReason =
  "partition" | "partition-in-flight" | "cut" | "link-drop" | "node-down" | "ignored" | "held-limit" | "paused-limit";

/** A link's delay, loss and duplication as the scenario sets them. */
interface BaseLink {
  readonly delay: DelaySpec;
  readonly drop: number;
  readonly duplicate: number;
}

export class Network<Message extends InFlight> {
  private readonly rng: Rng;
  /** The scenario's own settings of each link (they never change in a run), by sender and receiver. */
  private readonly baseLinks = new Map<string, Map<string, BaseLink>>();
  /** With fifo links: when the last message sent on each link arrives. */
  private readonly linkLastDelivery = new Map<string, number>();
  private readonly held: Message[] = [];

  // Faults in force: all cleared by heal.
  private partitionGroup = new Map<string, number>();
  private readonly cutLinks = new Set<string>();
  private readonly linkDrop = new Map<string, number>();
  private readonly linkDuplicate = new Map<string, number>();
  private readonly linkDelay = new Map<string, DelaySpec>();
  /** Messages still to be lost on a link by a lose fault, whatever its drop probability. */
  private readonly linkLoseNext = new Map<string, number>();
  private readonly ignored: { message: string; node?: string }[] = [];

  constructor(private readonly options: NetworkOptions) {
    this.rng = new Rng(options.seed, "network");
  }

  /** How many messages a partition holds back now. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Why a message from `from` to `to` cannot cross now, if it cannot. */
  blocked(from: string, to: string): "cut" | "partition" | undefined {
    if (this.cutLinks.size > 0 && this.cutLinks.has(linkKey(from, to))) return "cut";
    if (this.partitionGroup.size === 0) return undefined;
    return this.partitionGroup.get(from) !== this.partitionGroup.get(to) ? "partition" : undefined;
  }

  /** Whether a message caught in flight by a partition waits for heal (network.partitionInFlight: hold). */
  holdsInFlight(): boolean {
    return this.options.spec.partitionInFlight === "hold";
  }

  /**
   * Holds a message a partition caught in flight, until heal. False when
   * maxHeldMessages are already held: the caller drops it, naming the limit.
   */
  hold(message: Message): boolean {
    assert(
      this.blocked(message.from, message.to) === "partition",
      () => `a held message (${message.from} to ${message.to}) must be blocked by a partition in force`,
    );
    if (this.held.length >= this.options.maxHeldMessages) return false;
    this.held.push(message);
    return true;
  }

  /** Whether a message sent now on this link is lost (the link's drop probability, or a drop fault's). */
  lostOnSend(from: string, to: string): boolean {
    if (this.linkLoseNext.size > 0) {
      const key = linkKey(from, to);
      const left = this.linkLoseNext.get(key);
      if (left !== undefined) {
        // Certain, so no random draw: the rest of the run's draws stay as they were.
        if (left <= 1) this.linkLoseNext.delete(key);
        else this.linkLoseNext.set(key, left - 1);
        return true;
      }
    }
    return this.rng.chance(this.linkFault(this.linkDrop, from, to) ?? this.baseLink(from, to).drop);
  }

  /** Whether a message sent now on this link arrives twice. */
  duplicatedOnSend(from: string, to: string): boolean {
    return this.rng.chance(this.linkFault(this.linkDuplicate, from, to) ?? this.baseLink(from, to).duplicate);
  }

  /** The delay in ticks of a message sent at `now`; with fifo links it never overtakes an earlier one. */
  delay(from: string, to: string, now: number): number {
    const delay = this.linkFault(this.linkDelay, from, to) ?? this.baseLink(from, to).delay;
    let ticks = this.rng.int(delay.min, delay.max);
    if (this.options.spec.fifo) {
      const key = linkKey(from, to);
      const last = this.linkLastDelivery.get(key) ?? 0;
      ticks = Math.max(ticks, last - now);
      this.linkLastDelivery.set(key, now + ticks);
    }
    assert(ticks >= 0, () => `a message delay is never negative (${from} to ${to}: ${ticks})`);
    return ticks;
  }

  /** Whether an ignore fault discards this message type on arrival at `to`. */
  ignores(type: string, to: string): boolean {
    return (
      this.ignored.length > 0 &&
      this.ignored.some((rule) => rule.message === type && (rule.node === undefined || rule.node === to))
    );
  }

  // ---------------------------------------------------------------- faults

  /** Splits the nodes into these groups (nodes named in none form one more group); returns every group. */
  partition(groups: readonly (readonly string[])[]): string[][] {
    this.partitionGroup = new Map();
    groups.forEach((group, index) => group.forEach((name) => this.partitionGroup.set(name, index)));
    const rest = this.options.nodes.filter((name) => !this.partitionGroup.has(name));
    rest.forEach((name) => this.partitionGroup.set(name, groups.length));
    const all = rest.length > 0 ? [...groups, rest] : groups;
    return all.map((group) => [...group]);
  }

  /** The groups of the partition in force, or undefined when there is none. */
  groups(): string[][] | undefined {
    if (this.partitionGroup.size === 0) return undefined;
    const groups: string[][] = [];
    for (const [name, index] of this.partitionGroup) (groups[index] ??= []).push(name);
    return groups.filter((group) => group !== undefined);
  }

  /** The links cut one way now. */
  cuts(): { from: string; to: string }[] {
    return [...this.cutLinks].map((key) => {
      const [from, to] = key.split("->") as [string, string];
      return { from, to };
    });
  }

  cut(from: string, to: string): void {
    this.cutLinks.add(linkKey(from, to));
  }

  setDrop(from: string | undefined, to: string | undefined, probability: number): void {
    for (const key of this.linksMatching(from, to)) this.linkDrop.set(key, probability);
  }

  /** The next `count` messages sent on the link from `from` to `to` are lost (a lose fault). */
  loseNext(from: string, to: string, count: number): void {
    const key = linkKey(from, to);
    this.linkLoseNext.set(key, (this.linkLoseNext.get(key) ?? 0) + count);
  }

  setDuplicate(from: string | undefined, to: string | undefined, probability: number): void {
    for (const key of this.linksMatching(from, to)) this.linkDuplicate.set(key, probability);
  }

  setDelay(from: string | undefined, to: string | undefined, delay: DelaySpec): void {
    for (const key of this.linksMatching(from, to)) this.linkDelay.set(key, { min: delay.min, max: delay.max });
  }

  ignore(message: string, node: string | undefined): void {
    this.ignored.push({ message, ...(node === undefined ? {} : { node }) });
  }

  /** Clears every network fault and returns the messages held back, in the order they were held. */
  heal(): Message[] {
    this.partitionGroup = new Map();
    this.cutLinks.clear();
    this.linkDrop.clear();
    this.linkDuplicate.clear();
    this.linkDelay.clear();
    this.linkLoseNext.clear();
    this.ignored.length = 0;
    return this.held.splice(0);
  }

  /** Checks the network's own invariants (after every step, in the simulation's loop). */
  check(): void {
    assert(
      this.held.length === 0 || this.partitionGroup.size > 0,
      () => `${this.held.length} held messages need a partition in force to belong to (heal releases them all)`,
    );
    assert(this.held.length <= this.options.maxHeldMessages, "the held messages never exceed maxHeldMessages");
  }

  // ---------------------------------------------------------------- links

  private linksMatching(from: string | undefined, to: string | undefined): string[] {
    const keys: string[] = [];
    for (const a of this.options.nodes) {
      if (from !== undefined && a !== from) continue;
      for (const b of this.options.nodes) {
        if (a === b || (to !== undefined && b !== to)) continue;
        keys.push(linkKey(a, b));
      }
    }
    return keys;
  }

  private baseLink(from: string, to: string): BaseLink {
    let byReceiver = this.baseLinks.get(from);
    if (byReceiver === undefined) {
      byReceiver = new Map();
      this.baseLinks.set(from, byReceiver);
    }
    let base = byReceiver.get(to);
    if (base === undefined) {
      const network = this.options.spec;
      const link = network.links.find((l) => l.from === from && l.to === to);
      base = {
        delay: link?.delay ?? network.delay,
        drop: link?.drop ?? network.drop,
        duplicate: link?.duplicate ?? network.duplicate,
      };
      byReceiver.set(to, base);
    }
    return base;
  }

  /** A fault's setting for one link, if a fault set one (the link key is only built when some fault is in force). */
  private linkFault<T>(faults: ReadonlyMap<string, T>, from: string, to: string): T | undefined {
    return faults.size === 0 ? undefined : faults.get(linkKey(from, to));
  }
}

function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

/** "on every link", "to b", "from a", "from a to b": the links a fault names. */
export function linkPhrase(from: string | undefined, to: string | undefined): string {
  if (from === undefined && to === undefined) return "on every link";
  if (from === undefined) return `to ${to}`;
  if (to === undefined) return `from ${from}`;
  return `from ${from} to ${to}`;
}
