import { canonicalJson } from "../../sim/json";
import { plural } from "../../sim/english";
import type { Context, Message } from "../../sim/types";
import {
  changed,
  collectsTombstones,
  markSynced,
  maxVector,
  reportValueChange,
  sendCounted,
  show,
  vectorFrom,
  type CrdtReplicaState,
} from "./replica-state";
import { forgetCollected, learnDelivered } from "./stability";

/**
 * State mode (CvRDT, RR-7506 §2.2.1): a replica whose payload some peer has not yet
 * acknowledged gossips it every gossipIntervalMs to `fanout` such peers (STATE). The
 * receiver merges (the semilattice join), answers ACK with the digest of what it
 * received, and, when it holds something the sender lacks, sends its own payload
 * straight back (push-pull). A peer is "in sync" once it has acknowledged this
 * replica's current digest: it then holds at least this payload.
 */

export function sendState(ctx: Context, state: CrdtReplicaState, peer: string, why: string): void {
  sendCounted(
    ctx,
    state,
    peer,
    {
      type: "STATE",
      state: state.type.encode(state.payload),
      delivered: { ...state.delivered },
      digest: state.digest,
    },
    `${state.node} sends its whole ${state.type.name} payload to ${peer} (${why}): value ${show(state.type.value(state.payload))}, metadata ${plural(state.metadata.total, "entry")}.`,
  );
}

export function onState(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  if (state.config.mode !== "state") {
    ctx.explain(`${state.node} runs in ${state.config.mode} mode and ignores a whole-state message.`);
    return;
  }
  const incoming = forgetCollected(state, state.type.decode(message["state"] ?? null));
  learnDelivered(state, from, vectorFrom(message["delivered"]));
  const before = state.payload;
  const beforeValue = state.type.value(before);
  const merged = state.type.merge(before, incoming);
  const explanation = state.type.explainMerge(before, incoming, merged, state.node, from);
  state.payload = merged;
  state.delivered = maxVector(state.delivered, vectorFrom(message["delivered"]));
  changed(ctx, state);
  const incomingDigest = typeof message["digest"] === "string" ? message["digest"] : "";
  let tail = "";
  if (state.digest === incomingDigest) {
    // Both now hold exactly what from sent, and from's payload only grows: from is in sync with us.
    tail = markSynced(ctx, state, from);
  }
  ctx.explain(explanation + tail, {
    changed: canonicalJson(state.type.encode(before)) !== canonicalJson(state.type.encode(merged)),
    value: state.type.value(merged),
    delivered: { ...state.delivered },
    inSync: state.digest === incomingDigest,
  });
  reportValueChange(ctx, state, beforeValue, `merging ${from}'s state`, { kind: "merge", from });
  sendCounted(
    ctx,
    state,
    from,
    // With gc, the acker's own vector: what it has delivered, for the stability frontier.
    state.config.gc
      ? { type: "ACK", digest: incomingDigest, delivered: { ...state.delivered } }
      : { type: "ACK", digest: incomingDigest },
    `${state.node} acknowledges ${from}'s state: it now holds at least everything ${from} sent.`,
  );
  // Push back whenever this replica holds more than what arrived, even if `from` was in sync
  // before: an update need not inflate (Spec 9's assign with a skewed clock can lower the
  // timestamp), so a peer that was ahead may have fallen behind.
  if (state.digest !== incomingDigest) {
    sendState(ctx, state, from, `push-pull: it holds updates ${from} lacks`);
  }
}

/** ACK in state and op modes: `from` holds the state whose digest it names. */
export function onDigestAck(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  const digest = message["digest"];
  if (digest !== state.digest) {
    ctx.explain(
      `${state.node} ignores ${from}'s ACK: it acknowledges an older state of ${state.node}, which has changed since.`,
      { stale: true, inSync: false },
    );
    return;
  }
  // Op mode with gc: the acker's delivery vector, taken as it acknowledged (it may hold ops of
  // its own this replica has not delivered, so ours would not do: Baquero et al.'s stability
  // needs every op concurrent with a stable one to be delivered here first).
  if (state.config.mode === "op" || collectsTombstones(state))
    learnDelivered(state, from, vectorFrom(message["delivered"]));
  const stop = markSynced(ctx, state, from);
  ctx.explain(`${from} acknowledges ${state.node}'s current state: ${from} is in sync with ${state.node}.${stop}`, {
    stale: false,
    inSync: true,
    stopsGossip: stop !== "",
  });
}

export function describeDigest(message: Message): string {
  return typeof message["digest"] === "string" ? (message["digest"].split(".")[0] ?? "?") : canonicalJson(null);
}
