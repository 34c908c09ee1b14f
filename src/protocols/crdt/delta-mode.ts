import { canonicalJson, type JsonObject } from "../../sim/json";
import { plural } from "../../sim/english";
import type { Context, Message } from "../../sim/types";
import {
  changed,
  markSynced,
  maxVector,
  recount,
  reportValueChange,
  sendCounted,
  show,
  vectorFrom,
  type CrdtReplicaState,
} from "./replica-state";
import { forgetCollected, learnDelivered } from "./stability";

/**
 * Delta mode: delta-state CRDTs (Almeida, Shoker & Baquero, "Delta state replicated
 * data types", JPDC 111, 2018), with the anti-entropy of their Algorithm 2 (causal
 * consistency). A local update applies a delta-mutator: the replica joins the small
 * delta d into its payload (X := X ⊔ d), keeps d in its delta buffer D under its
 * counter c, and increments c. A gossip round sends a peer j the join of D[A(j)..c)
 * (a delta-interval), or the whole payload when D no longer holds what j lacks (after
 * a restart D is empty, since it is volatile, and A(j) is unknown). The receiver
 * joins it, keeps it in its own D if it brought anything new (so it travels on to
 * others: transitive propagation), and acknowledges c; A(j) := max(A(j), c). Groups
 * every peer has acknowledged are dropped from D. One deviation on top of Algorithm 2,
 * from Enes et al., "Efficient synchronization of state-based CRDTs" (ICDE 2019, §4.1,
 * avoiding back-propagation): a group is never sent back to the peer it came from.
 */

export interface DeltaGroup {
  readonly delta: unknown;
  /** The peer it was received from, or this replica's own name for a local update. */
  readonly source: string;
}

/** A local update's delta (Algorithm 2, on operation): X := X ⊔ d; D[c] := d; c := c + 1. */
export function localDelta(state: CrdtReplicaState, op: JsonObject): void {
  const type = state.type;
  const before = state.payload;
  const after = type.apply(before, op, "state");
  const delta = type.delta === undefined ? after : type.delta(before, op, after);
  state.payload = after;
  state.deltas.set(state.deltaCounter, { delta, source: state.node });
  state.deltaCounter += 1;
}

function groups(state: CrdtReplicaState): Map<number, DeltaGroup> {
  return state.deltas as Map<number, DeltaGroup>;
}

/** Returns false when there was nothing to send: every group `peer` lacks came from `peer` itself. */
export function sendDelta(ctx: Context, state: CrdtReplicaState, peer: string, why: string): boolean {
  const from = state.acked[peer] ?? 0;
  const upTo = state.deltaCounter;
  const held = [...groups(state).keys()];
  const oldest = held.length === 0 ? undefined : Math.min(...held);
  const delivered = { ...state.delivered };
  if (oldest === undefined || oldest > from) {
    // D no longer holds everything peer lacks: send the whole payload (Algorithm 2's "d = X_i").
    sendCounted(
      ctx,
      state,
      peer,
      { type: "DELTA", full: true, delta: state.type.encode(state.payload), from, upTo, delivered },
      `${state.node} sends its whole ${state.type.name} payload to ${peer} (${why}): its delta buffer does not reach back to what ${peer} last acknowledged (${from}), so a delta-interval cannot be built.`,
    );
    return true;
  }
  let joined: unknown = state.type.empty();
  let count = 0;
  for (let seq = from; seq < upTo; seq++) {
    const group = groups(state).get(seq);
    if (group === undefined || group.source === peer) continue;
    joined = state.type.merge(joined, group.delta);
    count += 1;
  }
  if (count === 0) {
    // Every group peer lacks came from peer itself: nothing to send back (no back-propagation).
    state.acked[peer] = upTo;
    dropAcknowledged(state);
    return false;
  }
  sendCounted(
    ctx,
    state,
    peer,
    { type: "DELTA", full: false, delta: state.type.encode(joined), from, upTo, delivered },
    `${state.node} sends ${peer} a delta-interval: the join of ${plural(count, "delta-group")} (${from}..${upTo - 1}) it has not acknowledged (${why}), value here ${show(state.type.value(state.payload))}.`,
  );
  return true;
}

export function onDelta(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  if (state.config.mode !== "delta") {
    ctx.explain(`${state.node} runs in ${state.config.mode} mode and ignores a delta.`);
    return;
  }
  const incoming = forgetCollected(state, state.type.decode(message["delta"] ?? null));
  learnDelivered(state, from, vectorFrom(message["delivered"]));
  const upTo = typeof message["upTo"] === "number" ? message["upTo"] : 0;
  const full = message["full"] === true;
  const before = state.payload;
  const beforeValue = state.type.value(before);
  const merged = state.type.merge(before, incoming);
  const delivered = maxVector(state.delivered, vectorFrom(message["delivered"]));
  const inflates =
    canonicalJson(state.type.encode(merged)) !== canonicalJson(state.type.encode(before)) ||
    canonicalJson(delivered) !== canonicalJson(state.delivered);
  const explanation = state.type.explainMerge(before, incoming, merged, state.node, from);
  let tail = "";
  if (inflates) {
    state.payload = merged;
    state.delivered = delivered;
    groups(state).set(state.deltaCounter, { delta: incoming, source: from });
    state.deltaCounter += 1;
    changed(ctx, state);
    tail = ` It keeps the ${full ? "payload" : "delta"} as its own delta-group ${state.deltaCounter - 1}, to pass on to its other peers.`;
  } else {
    tail = ` It brought nothing new, so ${state.node} does not keep it.`;
  }
  ctx.explain(
    `${state.node} joins ${full ? "a whole payload" : "a delta-interval"} from ${from}: ${explanation}${tail}`,
    {
      full,
      inflated: inflates,
      upTo,
      deltaCounter: state.deltaCounter,
    },
  );
  reportValueChange(ctx, state, beforeValue, `joining ${from}'s delta`, { kind: "delta", from, full });
  sendCounted(
    ctx,
    state,
    from,
    state.config.gc ? { type: "ACK", upTo, delivered: { ...state.delivered } } : { type: "ACK", upTo },
    `${state.node} acknowledges ${from}'s deltas up to ${upTo} (Algorithm 2: ack(c)).`,
  );
}

/** Algorithm 2's garbage collection of D: drops the groups every peer has acknowledged; returns how many. */
function dropAcknowledged(state: CrdtReplicaState): number {
  const floor = Math.min(...state.peers.map((peer) => state.acked[peer] ?? 0));
  let dropped = 0;
  for (const seq of [...groups(state).keys()]) {
    if (seq < floor) {
      groups(state).delete(seq);
      dropped += 1;
    }
  }
  if (dropped > 0) recount(state);
  return dropped;
}

export function onDeltaAck(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  const upTo = typeof message["upTo"] === "number" ? message["upTo"] : 0;
  learnDelivered(state, from, vectorFrom(message["delivered"]));
  state.acked[from] = Math.max(state.acked[from] ?? 0, upTo);
  const inSync = state.acked[from] >= state.deltaCounter;
  const stop = inSync ? markSynced(ctx, state, from) : "";
  const dropped = dropAcknowledged(state);
  const dropText =
    dropped > 0 ? ` Every peer has acknowledged ${plural(dropped, "delta-group")}, so ${state.node} drops them.` : "";
  ctx.explain(
    `${from} acknowledges ${state.node}'s deltas up to ${upTo}${inSync ? `: ${from} is in sync with ${state.node}` : `; ${state.node} has ${plural(state.deltaCounter - (state.acked[from] ?? 0), "newer group")} for it`}.${dropText}${stop}`,
    { upTo, inSync, dropped, buffered: groups(state).size },
  );
}
