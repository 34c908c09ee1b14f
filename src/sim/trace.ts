import { assert } from "./assert";
import { canonicalJson, type JsonObject } from "./json";
import { hasEveryEventField, TraceHasher } from "./trace-hash";
import { NETWORK_NODE, type EventKind, type TraceEvent } from "./types";

/** The logical clocks an event carries. */
export interface EventClock {
  readonly lamport: number;
  readonly vclock: Readonly<Record<string, number>>;
}

/** A process whose Lamport and vector clocks tick on its own events. */
export interface ClockedProcess {
  readonly name: string;
  lamport: number;
  vclock: Record<string, number>;
}

export interface TraceOptions {
  /** Keep every event in memory (default true). Turn off for huge runs that stream through onEvent. */
  readonly keepEvents?: boolean;
  /** Called for every event once it is final (its summary can no longer be rewritten). */
  readonly onEvent?: (event: TraceEvent) => void;
}

/**
 * The trace recorder: gives each event its seq, time and clocks, keeps the events,
 * and feeds the trace hash.
 *
 * Clocks (Lamport 1978; Mattern 1988): a process event ticks its node's Lamport
 * clock and its own vector clock entry (`local`); an event about a message that
 * ticks no process (DROP, DUPLICATE) carries the message's clock (`observed`);
 * events of the network as a whole (PARTITION, HEAL, fault NOTEs) tick a separate
 * `network` entry (`network`). src/sim/causality.ts says how these compare.
 *
 * An event is hashed (and handed to onEvent) when the next one is recorded, or at
 * the end, because the handler reacting to it may still rewrite its summary.
 */
export class TraceRecorder {
  private readonly hasher = new TraceHasher(canonicalEventLine);
  private readonly events: TraceEvent[] = [];
  /** Index in `events` of the newest event, not yet hashed. */
  private pendingHash: number | undefined;
  /** Events recorded since the checkers last looked; kept only when `collectStep` (the run has checkers). */
  private stepEvents: TraceEvent[] = [];
  collectStep = false;
  private nextSeq = 0;
  private lastTime = 0;
  private networkLamport = 0;

  constructor(
    private readonly options: TraceOptions,
    /** The simulation's virtual time. */
    private readonly now: () => number,
    /** Called with every event as soon as it is recorded (the triggers listen here). */
    private readonly recorded: (event: TraceEvent) => void,
  ) {}

  /** How many events have been recorded: also the seq the next one gets. */
  get count(): number {
    return this.nextSeq;
  }

  /** The events kept in memory (all of them unless keepEvents is false). */
  get kept(): readonly TraceEvent[] {
    return this.events;
  }

  /** The newest event, with its index among those kept. */
  get newest(): { index: number; event: TraceEvent } | undefined {
    const index = this.events.length - 1;
    const event = this.events[index];
    return event === undefined ? undefined : { index, event };
  }

  record(node: string, kind: EventKind, summary: string, data: JsonObject | null, clock: EventClock): TraceEvent {
    this.flush();
    const time = this.now();
    assert(
      time >= this.lastTime,
      () => `time never goes backwards: event ${this.nextSeq} at ${time} after one at ${this.lastTime}`,
    );
    this.lastTime = time;
    const event: TraceEvent = {
      seq: this.nextSeq++,
      time,
      node,
      kind,
      summary,
      lamport: clock.lamport,
      vclock: clock.vclock,
      data,
    };
    this.events.push(event);
    if (this.collectStep) this.stepEvents.push(event);
    this.pendingHash = this.events.length - 1;
    this.recorded(event);
    return event;
  }

  /** A process event at a node: it ticks the node's Lamport clock and its own vector clock entry. */
  local(process: ClockedProcess, kind: EventKind, summary: string, data: JsonObject | null): TraceEvent {
    process.lamport += 1;
    process.vclock[process.name] = (process.vclock[process.name] ?? 0) + 1;
    return this.record(process.name, kind, summary, data, {
      lamport: process.lamport,
      vclock: { ...process.vclock },
    });
  }

  /** An event of the network as a whole: it ticks the network's own clock entry. */
  network(kind: EventKind, summary: string, data: JsonObject): TraceEvent {
    this.networkLamport += 1;
    return this.record(NETWORK_NODE, kind, summary, data, this.networkClock());
  }

  /**
   * The clock of the run's final NOTE: it happens after every event of the run, so it
   * ticks the network and joins every node's clocks (entry by entry maximum; Lamport
   * one past the largest). src/sim/causality.ts, rule 4.
   */
  finalClock(processes: Iterable<ClockedProcess>): { lamport: number; vclock: Record<string, number> } {
    this.networkLamport += 1;
    let lamport = this.networkLamport;
    const vclock: Record<string, number> = {};
    for (const process of processes) {
      lamport = Math.max(lamport, process.lamport + 1);
      for (const name in process.vclock) {
        vclock[name] = Math.max(vclock[name] ?? 0, process.vclock[name] as number);
      }
    }
    vclock[NETWORK_NODE] = this.networkLamport;
    return { lamport, vclock };
  }

  /** The network's latest clock, for events at the network that tick nothing. */
  networkClock(): { lamport: number; vclock: Record<string, number> } {
    return { lamport: this.networkLamport, vclock: { [NETWORK_NODE]: this.networkLamport } };
  }

  /** Replaces the summary of the newest event (ctx.explain); any later event has made it final. */
  rewriteSummary(index: number, summary: string): void {
    const event = this.events[index];
    if (event === undefined) return;
    if (this.pendingHash !== index) {
      throw new Error(`ctx.explain() came too late: event ${event.seq} was already followed by another event`);
    }
    const rewritten = { ...event, summary };
    this.events[index] = rewritten;
    const last = this.stepEvents.length - 1;
    if (this.stepEvents[last] === event) this.stepEvents[last] = rewritten;
  }

  /** The events recorded since the last call (CheckerStep.events), in order. */
  takeStepEvents(): TraceEvent[] {
    const taken = this.stepEvents;
    this.stepEvents = [];
    return taken;
  }

  /** Makes the newest event final: hashes it and hands it to onEvent. */
  flush(): void {
    if (this.pendingHash === undefined) return;
    const event = this.events[this.pendingHash] as TraceEvent;
    this.hasher.update(event);
    this.options.onEvent?.(event);
    this.pendingHash = undefined;
    if (this.options.keepEvents === false) this.events.length = 0;
  }

  /** The trace hash of the events made final so far. */
  digest(): string {
    return this.hasher.digest();
  }
}

/**
 * The line of the canonical event log that the trace hash covers: the event as
 * canonical JSON (src/sim/json.ts), then a newline. The event's own keys are always
 * the same eight, so they are written in their sorted order directly; only data and
 * vclock go through canonicalJson. An event missing one of them (never made by the
 * core) takes the general path, which leaves the key out.
 */
export function canonicalEventLine(event: TraceEvent): string {
  const { data, kind, lamport, node, seq, summary, time, vclock } = event;
  if (!hasEveryEventField(event)) {
    return canonicalJson({ seq, time, node, kind, summary, lamport, vclock: vclock as JsonObject, data }) + "\n";
  }
  return (
    '{"data":' +
    canonicalJson(data) +
    ',"kind":' +
    canonicalJson(kind) +
    ',"lamport":' +
    canonicalJson(lamport) +
    ',"node":' +
    canonicalJson(node) +
    ',"seq":' +
    canonicalJson(seq) +
    ',"summary":' +
    canonicalJson(summary) +
    ',"time":' +
    canonicalJson(time) +
    ',"vclock":' +
    canonicalJson(vclock as JsonObject) +
    "}\n"
  );
}

/** The trace hash of a whole event list, for checking a stored trace against its recorded hash. */
export function hashEvents(events: Iterable<TraceEvent>): string {
  const hasher = new TraceHasher(canonicalEventLine);
  for (const event of events) hasher.update(event);
  return hasher.digest();
}
