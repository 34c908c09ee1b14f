import type { Hlc } from "./hlc";

export type { Hlc } from "./hlc";

/** The scenario's `config:` block for the clocks protocol, validated by parseClocksConfig. */
export interface ClocksConfig {
  /**
   * Background traffic: each node sends `messages` messages to peers it picks at
   * random, one every intervalMs (drawn from min..max). null: only the workload's messages.
   */
  readonly chatter: {
    readonly messages: number;
    readonly intervalMs: { readonly min: number; readonly max: number };
  } | null;
  /** Emit a NOTE when a node learns of an event concurrent with one it already knows. */
  readonly noteConcurrency: boolean;
  /**
   * Write the HLC to durable storage at every event (Lamport and vector clocks always
   * are). false shows why: a node that restarts from its physical clock alone can
   * stamp an event lower than one before the crash.
   */
  readonly persistHlc: boolean;
  /** How many entries each bounded list in the state keeps (events, Lamport order, concurrent pairs). */
  readonly historyLimit: number;
}

export type ClockEventKind = "local" | "send" | "receive" | "restart";

/** One event of this node's process, with the three clocks it was stamped with. */
export interface ClockEvent {
  /** `<node>:<k>`: the k-th event of that node, k being its own vector clock entry. */
  readonly id: string;
  readonly node: string;
  readonly kind: ClockEventKind;
  readonly text: string;
  /** For a send: its receivers. For a receive: the sender and the id of the send. */
  readonly to?: readonly string[];
  readonly from?: string;
  readonly of?: string;
  readonly lamport: number;
  readonly vc: Readonly<Record<string, number>>;
  readonly hlc: Hlc;
  /** The node's physical clock reading at this event. */
  readonly pt: number;
}

/** An application event (a local write or a send) this node knows of: its own, or one a message told it. */
export interface KnownEvent {
  readonly id: string;
  readonly node: string;
  readonly kind: "local" | "send";
  readonly text: string;
  readonly lamport: number;
  readonly vc: Readonly<Record<string, number>>;
  readonly hlc: Hlc;
}

/** The clocks a node keeps in its own state, independent of the core's observer clocks on trace events. */
export interface ClocksState {
  readonly node: string;
  readonly config: ClocksConfig;
  /** The scenario's nodes, in order: Lamport's total order breaks timestamp ties by this order. */
  readonly nodes: readonly string[];
  /** Lamport's logical clock (Lamport 1978, §2, IR1 and IR2). */
  lamport: number;
  /** Vector clock (Mattern 1988; Fidge 1988): entry k counts the events of node k this node has seen. */
  vc: Record<string, number>;
  /** Hybrid logical clock (Kulkarni et al. 2014): l tracks the largest physical time heard of, c breaks ties. */
  hlc: Hlc;
  /** The physical clock reading at the latest event (or at boot). */
  pt: number;
  /**
   * The lowest and highest clock offsets (physical clock minus true time) this node
   * has read or heard of in a message. Instrumentation for the HlcBounded checker
   * and the view: a real node cannot know true time.
   */
  offsetsSeen: { min: number; max: number };
  /** The largest l - pt at any event of this node so far. */
  maxHlcAheadMs: number;
  /** This node's own events, oldest first (at most historyLimit). */
  events: ClockEvent[];
  /** Every application event this node knows of, in Lamport's total order (timestamp, then node order). */
  known: KnownEvent[];
  /** Pairs of known events this node found concurrent by their vector clocks, ids in Lamport order. */
  concurrentPairs: [string, string][];
  /** Chatter messages this node still has to send. */
  chatterLeft: number;
}

/** The message every application send carries: the send event and its stamps. */
export type AppMessage = {
  readonly type: "APP";
  readonly id: string;
  readonly text: string;
  readonly lamport: number;
  readonly vc: Record<string, number>;
  readonly l: number;
  readonly c: number;
  /** The sender's physical clock reading when it sent (for explanations). */
  readonly pt: number;
  /** The sender's offsetsSeen, so the checker learns of every clock reading that travels. */
  readonly offsetMin: number;
  readonly offsetMax: number;
};
