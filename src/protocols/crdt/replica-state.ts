import { hashLabel } from "../../sim/rng";
import { canonicalJson, type Json, type JsonObject } from "../../sim/json";
import { plural } from "../../sim/english";
import type { Context, Message } from "../../sim/types";
import type { CrdtConfig } from "./config";
import { DATA_TYPES, type AnyCrdtType, type Metadata } from "./datatypes";

/**
 * What every replica holds, whatever its gossip mode, and the helpers the three
 * modes share (state-mode.ts, op-mode.ts, delta-mode.ts). The protocol's handlers are
 * in replica.ts.
 */

export interface OpEnvelope extends JsonObject {
  origin: string;
  seq: number;
  /** The origin's delivery vector when it issued the op: what the op causally depends on. */
  deps: Record<string, number>;
  op: JsonObject;
}

export interface CrdtMetadata extends Metadata {
  /** Op mode: delivered ops kept for retransmission. Delta mode: delta-groups kept for peers. */
  readonly log: number;
  readonly total: number;
}

/** Messages and bytes this replica has sent since it last started (bytes: the length of the message's canonical JSON). */
export interface WireCount {
  messages: number;
  bytes: number;
  byType: Record<string, { messages: number; bytes: number }>;
}

export interface CrdtReplicaState {
  readonly node: string;
  readonly config: CrdtConfig;
  readonly type: AnyCrdtType;
  readonly peers: readonly string[];
  payload: unknown;
  /**
   * The updates this replica has delivered, as a version vector: per origin, how many
   * of its updates the payload includes (RR-7506 §2.2's "delivered" set; downward
   * closed per origin in every mode, so a vector describes it exactly). In op mode it
   * is also the causal-delivery vector.
   */
  delivered: Record<string, number>;
  /** Digest of what this replica holds (state and delta modes: payload and delivered; op mode: delivered). */
  digest: string;
  /** Peers known to hold at least this replica's current state. */
  synced: Set<string>;
  /** Whether the gossip timer is armed. */
  gossiping: boolean;
  /** Set when gossipUntilMs has passed: anti-entropy is over for good. */
  gossipStopped: boolean;
  /** Counter behind unique tags ("n1#3"); persisted so a tag is never reused after a crash. */
  tagCounter: number;
  metadata: CrdtMetadata;
  peakMetadata: number;
  wire: WireCount;
  /** Every element of a set this replica ever saw, so the view's `contains` map can say false for a removed one. */
  elementsSeen: Set<string>;
  // Op mode only.
  ownSeq: number;
  log: OpEnvelope[];
  buffer: OpEnvelope[];
  /** gc: true. What this replica knows each replica (itself included) has delivered. */
  knownDelivered: Record<string, Record<string, number>>;
  /** gc: true. Per origin, the ops every replica is known to have delivered: causally stable. */
  stable: Record<string, number>;
  /** gc: true. Entries removed so far because they were causally stable. */
  collected: { log: number; tombstones: number };
  /**
   * gc: true in state and delta modes (stability.ts). The causal context: per replica,
   * the highest tag counter ever seen here, collected tags included (durable).
   */
  seenTags: Record<string, number>;
  /** Per tombstone key, the delivery vector when it was first held here: it includes the remove that made it (volatile). */
  witness: Map<string, Record<string, number>>;
  // Delta mode only (Almeida, Shoker & Baquero 2018, Algorithm 2).
  /** c_i: the sequence number of the next delta-group (durable). */
  deltaCounter: number;
  /** D_i: delta-groups not yet acknowledged by every peer, by sequence number (volatile). */
  deltas: Map<number, unknown>;
  /** A_i: per peer, the sequence number up to which it acknowledged this replica's deltas (volatile). */
  acked: Record<string, number>;
}

export const GOSSIP_TIMER = "gossip";

export function typeOf(config: CrdtConfig): AnyCrdtType {
  return DATA_TYPES[config.type];
}

function digestOf(json: Json): string {
  const text = canonicalJson(json);
  return `${hashLabel(text).toString(16).padStart(8, "0")}.${text.length}`;
}

/** State and delta modes with gc: tombstones collected by causal stability (stability.ts). */
export function collectsTombstones(state: CrdtReplicaState): boolean {
  return state.config.gc && state.config.mode !== "op" && state.type.tombstoneGc !== undefined;
}

export function computeDigest(state: CrdtReplicaState): string {
  // With gc, two replicas that delivered the same updates hold the same payload but for
  // the tombstones each has collected so far: the delivery vector alone says they agree.
  if (state.config.mode === "op" || collectsTombstones(state)) return canonicalJson(state.delivered);
  return digestOf({ payload: state.type.encode(state.payload), delivered: { ...state.delivered } });
}

export function computeMetadata(state: CrdtReplicaState): CrdtMetadata {
  const base = state.type.metadata(state.payload);
  const vectorEntries =
    base.vectorEntries +
    (state.config.mode === "op" ? Object.keys(state.delivered).length : 0) +
    (collectsTombstones(state) ? Object.keys(state.delivered).length + Object.keys(state.seenTags).length : 0);
  const log = state.config.mode === "delta" ? state.deltas.size : state.log.length;
  return {
    tags: base.tags,
    tombstones: base.tombstones,
    vectorEntries,
    log,
    total: base.tags + base.tombstones + vectorEntries + log,
  };
}

export function show(value: Json): string {
  const text = canonicalJson(value);
  return text.length <= 60 ? text : text.slice(0, 57) + "...";
}

/** Sends a message and counts its bytes (the length of its canonical JSON) towards this run's traffic. */
export function sendCounted(
  ctx: Context,
  state: CrdtReplicaState,
  to: string,
  message: Message,
  explanation: string,
): void {
  const bytes = canonicalJson(message as JsonObject).length;
  state.wire.messages += 1;
  state.wire.bytes += bytes;
  const entry = state.wire.byType[message.type] ?? { messages: 0, bytes: 0 };
  entry.messages += 1;
  entry.bytes += bytes;
  state.wire.byType[message.type] = entry;
  ctx.send(to, message, explanation);
}

export function wireJson(wire: WireCount): JsonObject {
  const byType: JsonObject = {};
  for (const type of Object.keys(wire.byType).sort()) {
    const entry = wire.byType[type] as { messages: number; bytes: number };
    byType[type] = { messages: entry.messages, bytes: entry.bytes };
  }
  return { messages: wire.messages, bytes: wire.bytes, byType };
}

export function metadataJson(state: CrdtReplicaState): JsonObject {
  const m = state.metadata;
  return {
    tags: m.tags,
    tombstones: m.tombstones,
    vectorEntries: m.vectorEntries,
    log: m.log,
    total: m.total,
    peak: state.peakMetadata,
  };
}

/** After the payload (or delivery vector) changed: persist, recount metadata, and make every peer out of sync. */
export function changed(ctx: Context, state: CrdtReplicaState): void {
  const gc = state.type.tombstoneGc;
  if (gc !== undefined && collectsTombstones(state)) {
    state.seenTags = maxVector(state.seenTags, gc.context(state.payload));
  }
  const digest = computeDigest(state);
  recount(state);
  ctx.persist("payload", state.type.encode(state.payload));
  ctx.persist("tagCounter", state.tagCounter);
  ctx.persist("delivered", { ...state.delivered });
  if (state.type.elements !== undefined) {
    for (const element of state.type.elements(state.payload)) state.elementsSeen.add(element);
    ctx.persist("elementsSeen", [...state.elementsSeen].sort());
  }
  if (state.config.mode === "op") {
    ctx.persist("log", state.log);
    ctx.persist("ownSeq", state.ownSeq);
  }
  if (state.config.mode === "delta") ctx.persist("deltaCounter", state.deltaCounter);
  if (collectsTombstones(state)) ctx.persist("seenTags", { ...state.seenTags });
  if (digest === state.digest) return;
  state.digest = digest;
  state.synced.clear();
  armGossip(ctx, state);
}

export function recount(state: CrdtReplicaState): void {
  state.metadata = computeMetadata(state);
  state.peakMetadata = Math.max(state.peakMetadata, state.metadata.total);
}

export function armGossip(ctx: Context, state: CrdtReplicaState): void {
  if (state.gossiping || state.gossipStopped) return;
  state.gossiping = true;
  ctx.setTimer(GOSSIP_TIMER, state.config.gossipIntervalMs);
}

export function unsynced(state: CrdtReplicaState): string[] {
  return state.peers.filter((peer) => !state.synced.has(peer));
}

/** Called when a peer is found to be in sync; stops gossip once all are. Returns a clause for the explanation. */
export function markSynced(ctx: Context, state: CrdtReplicaState, peer: string): string {
  if (state.synced.has(peer)) return "";
  state.synced.add(peer);
  if (unsynced(state).length > 0 || !state.gossiping) return "";
  state.gossiping = false;
  ctx.cancelTimer(GOSSIP_TIMER);
  return ` Every peer now holds at least ${state.node}'s state, so ${state.node} stops gossiping (it has nothing new to tell).`;
}

/** Entry-wise maximum of two version vectors, in sorted key order. */
export function maxVector(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys({ ...a, ...b }).sort()) out[key] = Math.max(a[key] ?? 0, b[key] ?? 0);
  return out;
}

/** A version vector read from a message field; non-numbers are dropped. */
export function vectorFrom(json: Json | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof json !== "object" || json === null || Array.isArray(json)) return out;
  for (const [key, value] of Object.entries(json)) if (typeof value === "number") out[key] = value;
  return out;
}

/** A STATE_CHANGE when the value a client reads changed; `causeData` says what caused it ({ kind: local | merge | deliver | delta, ... }). */
export function reportValueChange(
  ctx: Context,
  state: CrdtReplicaState,
  beforeValue: Json,
  cause: string,
  causeData: JsonObject,
): void {
  const afterValue = state.type.value(state.payload);
  if (canonicalJson(afterValue) === canonicalJson(beforeValue)) return;
  ctx.stateChange(
    `${state.node}'s ${state.type.name} now reads ${show(afterValue)} (was ${show(beforeValue)}) after ${cause}; its metadata is ${plural(state.metadata.total, "entry")}.`,
    {
      value: afterValue,
      previous: beforeValue,
      cause: causeData,
      metadata: metadataJson(state),
      delivered: { ...state.delivered },
    },
  );
}
