import type { Json, JsonObject } from "./json";
import type { DropReason } from "./network";
import type { Message } from "./types";

/**
 * The `data` of every event the core itself records: stable, documented fields that
 * state the facts of the event's sentence. Tests, expectations and grading read
 * these; the summary is for people. (Events a protocol records, NOTE and
 * STATE_CHANGE through its context, carry the protocol's own documented data.)
 *
 * `cause`, where present, is the seq of the event this one was a step of: the
 * DELIVER, TIMER, CLIENT_INVOKE or RECOVER whose handler produced it (absent for a
 * node's first start, a scheduled fault, or a message arriving).
 */
export interface Caused {
  readonly cause?: number;
}

/** SEND, DELIVER, DROP, DUPLICATE: the message, as one id through all four (a duplicate's copies share it). */
export interface MessageData extends Caused {
  readonly messageId: number;
  /** The message type (PREPARE, VOTE_YES, ...): also message.type. */
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly message: Message;
}

/** DELIVER: also whether this is the network's second copy, and the seq of the SEND. */
export interface DeliverData extends MessageData {
  readonly duplicate: boolean;
  readonly sendSeq: number;
}

/** DROP: also why the message was lost (see DropReason), and the seq of the SEND. */
export interface DropData extends MessageData {
  readonly reason: DropReason;
  readonly sendSeq: number;
}

/** CRASH and RECOVER: the node, and the keys of its durable storage (what survives). */
export interface CrashData extends Caused {
  readonly node: string;
  readonly durableKeys: string[];
}

/**
 * PARTITION: `groups` (every group, nodes named in none forming the last) for a
 * partition or isolate, or `cut: { from, to }` for a one-way cut.
 * HEAL: `groups` of the partition it ends (null if none), `cuts` it ends, and how
 * many held messages it `released`.
 */
export interface HealData extends Caused {
  readonly groups: string[][] | null;
  readonly cuts: { from: string; to: string }[];
  readonly released: number;
}

/** TIMER: the timer's name and the payload it was set with. */
export interface TimerData extends Caused {
  readonly timer: string;
  readonly payload: Json;
}

/**
 * CLIENT_INVOKE and CLIENT_RETURN: the request id ("r3"; a redirect's attempt is
 * "r3.1"), the op, the client (each workload item is its own client, named by its
 * first request id, so all attempts of one item share it), and the args (invoke) or
 * the result (return: ok, error, value, redirect... as the protocol answers).
 */
export interface ClientInvokeData extends Caused {
  readonly request: string;
  readonly client: string;
  readonly op: string;
  readonly args: JsonObject;
  readonly attempt: number;
}

export interface ClientReturnData extends Caused {
  readonly request: string;
  readonly client: string;
  readonly op: string | null;
  readonly result: JsonObject;
}

/** A `pause` fault's NOTE at the node: how long, and the tick it ends (a longer pause extends it). */
export interface PauseData extends Caused {
  readonly pause: { readonly node: string; readonly duration: number; readonly until: number };
}

/** The NOTE when a pause ends: how long the node was stopped, and how many waiting items it now handles. */
export interface ResumeData extends Caused {
  readonly resume: { readonly node: string; readonly pausedFor: number; readonly released: number };
}

/** The run's final NOTE at the network: why the run stopped. */
export interface StopData {
  readonly stopReason: string;
}

/** `{ cause }` when an event is a step of a handler, else nothing. */
export function causeField(cause: number | undefined): Caused {
  return cause === undefined ? {} : { cause };
}

/** An event's data as the JSON the trace stores (the interfaces above hold only JSON). */
export function eventData(data: Caused | StopData): JsonObject {
  return data as unknown as JsonObject;
}
