import type { Json, JsonObject } from "./json";
import type { Network } from "./network";
import type { Rng } from "./rng";
import type { SimulationSpec, WorkloadSpec } from "./spec";
import type { TraceRecorder } from "./trace";
import type { Clients } from "./clients";
import type { CoreLimits } from "./limits";
import type { ClientRequest, Context, Message, Protocol, TraceEvent } from "./types";

/**
 * What the parts of the core share (the event loop in simulation.ts implements it):
 * the modules for messages, faults, nodes, clients and the protocol context each
 * take this, and nothing else, from the loop. Internal to src/sim.
 */
export interface Core<Config, State> {
  readonly protocol: Protocol<Config, State>;
  readonly config: Config;
  readonly spec: SimulationSpec;
  readonly trace: TraceRecorder;
  readonly network: Network<DeliverItem>;
  readonly nodes: ReadonlyMap<string, NodeRecord<State>>;
  readonly clients: Clients;
  /** The bounds on every queue (CORE_LIMITS unless the options changed some). */
  readonly limits: CoreLimits;
  /** Virtual time in ticks. */
  readonly now: number;
  /** True once the run has ended: contexts do nothing any more. */
  readonly stopped: boolean;
  /** The event the running handler reacts to, which ctx.explain() rewrites. */
  readonly handling: { index: number; event: TraceEvent } | undefined;
  /** The seq of the event whose handler is running (an event's `cause`), if one is. */
  cause(): number | undefined;
  node(name: string): NodeRecord<State>;
  schedule(at: number, item: QueueItem): void;
  /** A fresh timer id (a timer set again gets a new one, so the older schedule entry is stale). */
  nextTimerId(): number;
  /** A fresh message id, shared by a message's SEND, DELIVER, DROP and DUPLICATE events. */
  nextMessageId(): number;
  /** Runs a protocol handler of an up node as its reaction to `event`. */
  handle(node: NodeRecord<State>, event: TraceEvent, body: (ctx: Context, state: State) => void): void;
  /** Runs `body` as the handler of `event` (ctx.explain rewrites that event); a crash inside it silences the rest. */
  react(event: TraceEvent, body: () => void): void;
  /** Marks a node's state as possibly changed for the checkers; `restarted` when it started, crashed or recovered. */
  touched(node: string, restarted: boolean): void;
}

/** One node as the core keeps it. */
export interface NodeRecord<State> {
  readonly name: string;
  up: boolean;
  /** Bumped on every crash: timers and contexts of an older incarnation are dead. */
  incarnation: number;
  state: State | undefined;
  durable: Map<string, Json>;
  /** The live timer of each name: its id (a scheduled timer with another id is stale). */
  timers: Map<string, number>;
  lamport: number;
  vclock: Record<string, number>;
  clockOffset: number;
  clockDrift: number;
  rng: Rng;
  ctx: Context | undefined;
  /** While a `pause` fault holds the node: the tick it ends, and what waits for it. */
  pause: NodePause | undefined;
}

/** A paused node (a GC pause): what arrived or fell due while it was stopped, in order. */
export interface NodePause {
  /** The tick the pause began, and the tick it ends. */
  readonly since: number;
  until: number;
  readonly waiting: QueueItem[];
  /** How many of the waiting items are messages (bounded by maxPausedMessagesPerNode). */
  messages: number;
}

/** What the scheduler holds. */
export type QueueItem = DeliverItem | TimerItem | ClientItem | CallbackItem | ResumeItem;

export interface DeliverItem {
  readonly type: "deliver";
  readonly messageId: number;
  readonly from: string;
  readonly to: string;
  readonly message: Message;
  readonly lamport: number;
  readonly vclock: Readonly<Record<string, number>>;
  readonly duplicate: boolean;
  /** The seq of the SEND. */
  readonly sentAt: number;
  /** True once it reached its node (it waited out a pause there): the network has no more say. */
  readonly arrived?: boolean;
}

export interface TimerItem {
  readonly type: "timer";
  readonly node: string;
  readonly name: string;
  readonly timerId: number;
  readonly payload: Json;
}

export interface ClientItem {
  readonly type: "client";
  readonly request: ClientRequest;
  readonly node: string;
  readonly workload: WorkloadSpec;
  readonly attempt: number;
}

/** The end of a node's pause (stale when the pause was extended or ended by a crash). */
export interface ResumeItem {
  readonly type: "resume";
  readonly node: string;
  readonly until: number;
}

export interface CallbackItem {
  readonly type: "callback";
  readonly id: number;
}

/** Data of a core event: JSON fields, never undefined. */
export type EventData = JsonObject;
