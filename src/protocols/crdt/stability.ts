import type { Context } from "../../sim/types";
import { list, plural } from "../../sim/english";
import { collectsTombstones, recount, type CrdtReplicaState } from "./replica-state";

/**
 * Garbage collection by causal stability (Baquero, Almeida & Shoker, "Making
 * Operation-based CRDTs Operation-based", DAIS 2014, §3 and §4: the tagged causal
 * stable broadcast). An op is causally stable at a replica once every op this replica
 * will ever deliver is causally after it: no op concurrent with it is still to come.
 * Then nothing can need it any more, so the op log entry kept for retransmission, and
 * any tombstone it left, can be dropped.
 *
 * What a replica knows: for each replica r, a vector known[r] of ops r is known to
 * have delivered (from r's delivery vectors, VV, and from the deps of r's own ops).
 * The stability frontier is the entry-wise minimum of known[r] over every replica.
 * It is only taken when this replica has itself delivered every op r had issued by
 * then (delivered[r] >= known[r][r]); otherwise an op concurrent with the candidate
 * could still arrive, and the frontier waits. A replica that has crashed or is cut
 * off sends nothing, so what is known of it stops moving, and with it the frontier of
 * every replica: its peers keep their logs until they hear from it again.
 *
 * State and delta modes (gc: true, types with tombstoneGc: the OR-Set) apply the same
 * frontier to tombstones. What a replica is known to have delivered comes from the
 * delivery vector every STATE, DELTA and ACK carries. Each tombstone is witnessed by
 * the delivery vector this replica had when it first held it, which includes the
 * remove that made it; once the frontier covers that vector, every replica has
 * delivered the remove, so none holds the tag alive any more, and the tombstone is
 * dropped. A message sent before its sender delivered the remove may still arrive with
 * the tag alive: the causal context (seenTags) recognises the tag as seen and
 * collected, and the merge ignores it (forgetCollected).
 */

/** Records that `replica` is known to have delivered (at least) `vector`. */
export function learnDelivered(
  state: CrdtReplicaState,
  replica: string,
  vector: Readonly<Record<string, number>>,
): void {
  if (!state.config.gc) return;
  const known = state.knownDelivered[replica] ?? {};
  for (const [origin, count] of Object.entries(vector)) {
    if (count > (known[origin] ?? 0)) known[origin] = count;
  }
  state.knownDelivered[replica] = known;
}

/** The frontier every replica is known to have passed, or undefined while it cannot be taken yet. */
function frontier(state: CrdtReplicaState): Record<string, number> | undefined {
  const replicas = [state.node, ...state.peers];
  learnDelivered(state, state.node, state.delivered);
  for (const replica of replicas) {
    const known = state.knownDelivered[replica];
    if (known === undefined) return undefined;
    if ((state.delivered[replica] ?? 0) < (known[replica] ?? 0)) return undefined;
  }
  const origins = new Set<string>();
  for (const replica of replicas)
    for (const origin of Object.keys(state.knownDelivered[replica] ?? {})) origins.add(origin);
  const out: Record<string, number> = {};
  for (const origin of [...origins].sort()) {
    const low = Math.min(...replicas.map((replica) => state.knownDelivered[replica]?.[origin] ?? 0));
    if (low > 0) out[origin] = low;
  }
  return out;
}

/**
 * Advances the stability frontier and removes what became stable: op log entries, and
 * the data type's tombstones (`collect`). Emits a NOTE that says what was removed.
 * Returns whether anything was removed.
 */
export function collectStable(ctx: Context, state: CrdtReplicaState): boolean {
  if (collectsTombstones(state)) return collectTombstones(ctx, state);
  if (!state.config.gc || state.config.mode !== "op") return false;
  const next = frontier(state);
  if (next === undefined) return false;
  const advanced = Object.entries(next).filter(([origin, count]) => count > (state.stable[origin] ?? 0));
  if (advanced.length === 0) return false;
  for (const [origin, count] of advanced) state.stable[origin] = count;
  const isStable = (origin: string, seq: number): boolean => seq <= (state.stable[origin] ?? 0);
  const before = state.log.length;
  state.log = state.log.filter((envelope) => !isStable(envelope.origin, envelope.seq));
  const removedLog = before - state.log.length;
  let removedTombstones = 0;
  if (state.type.collect !== undefined) {
    const result = state.type.collect(state.payload, isStable);
    state.payload = result.payload;
    removedTombstones = result.removed;
  }
  state.collected.log += removedLog;
  state.collected.tombstones += removedTombstones;
  recount(state);
  ctx.persist("log", state.log);
  ctx.persist("stable", { ...state.stable });
  ctx.persist("payload", state.type.encode(state.payload));
  const stableText = list(advanced.map(([origin, count]) => `${origin}'s ops up to ${count}`));
  const removed =
    removedLog + removedTombstones === 0
      ? "nothing is left to remove"
      : `it removes ${plural(removedLog, "op log entry", "op log entries")}${removedTombstones > 0 ? ` and ${plural(removedTombstones, "tombstone")}` : ""}`;
  ctx.note(
    `${state.node} now knows that every replica has delivered ${stableText}: those ops are causally stable (no concurrent op can still arrive), so ${removed}; its metadata is ${plural(state.metadata.total, "entry")}.`,
    {
      stable: { ...state.stable },
      removedLog,
      removedTombstones,
      metadata: state.metadata.total,
    },
  );
  return removedLog + removedTombstones > 0;
}

/** An incoming state or delta without the tags this replica has already collected (state and delta modes with gc). */
export function forgetCollected(state: CrdtReplicaState, incoming: unknown): unknown {
  const gc = state.type.tombstoneGc;
  if (gc === undefined || !collectsTombstones(state)) return incoming;
  return gc.forget(incoming, state.payload, state.seenTags).payload;
}

function covers(frontierVector: Readonly<Record<string, number>>, vector: Readonly<Record<string, number>>): boolean {
  return Object.entries(vector).every(([origin, count]) => count <= (frontierVector[origin] ?? 0));
}

/** State and delta modes: advances the frontier and drops the tombstones whose removes it covers. */
function collectTombstones(ctx: Context, state: CrdtReplicaState): boolean {
  const gc = state.type.tombstoneGc;
  if (gc === undefined) return false;
  const keys = gc.keys(state.payload);
  const held = new Set(keys);
  for (const key of keys) if (!state.witness.has(key)) state.witness.set(key, { ...state.delivered });
  for (const key of [...state.witness.keys()]) if (!held.has(key)) state.witness.delete(key);
  const next = frontier(state);
  if (next === undefined) return false;
  const advanced = Object.entries(next).filter(([origin, count]) => count > (state.stable[origin] ?? 0));
  for (const [origin, count] of advanced) state.stable[origin] = count;
  if (advanced.length > 0) ctx.persist("stable", { ...state.stable });
  const stableKeys = keys.filter((key) => covers(state.stable, state.witness.get(key) ?? state.delivered));
  if (stableKeys.length === 0) return false;
  state.payload = gc.drop(state.payload, new Set(stableKeys));
  for (const key of stableKeys) state.witness.delete(key);
  state.collected.tombstones += stableKeys.length;
  recount(state);
  ctx.persist("payload", state.type.encode(state.payload));
  const frontierText = list(
    Object.entries(state.stable).map(([origin, count]) => `${origin}'s updates up to ${count}`),
  );
  ctx.note(
    `${state.node} knows that every replica has delivered ${frontierText}, which include the removes behind ${plural(stableKeys.length, "tombstone")}: no replica can still hold those tags alive, so it drops them (a message still in flight with one of them alive is recognised by its causal context and ignored); its metadata is ${plural(state.metadata.total, "entry")}.`,
    {
      stable: { ...state.stable },
      removedLog: 0,
      removedTombstones: stableKeys.length,
      tombstones: stableKeys,
      metadata: state.metadata.total,
    },
  );
  return true;
}
