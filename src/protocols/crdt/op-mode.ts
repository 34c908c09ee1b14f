import { canonicalJson, isJsonObject, type Json } from "../../sim/json";
import { plural, verb } from "../../sim/english";
import type { Context, Message } from "../../sim/types";
import {
  changed,
  markSynced,
  reportValueChange,
  sendCounted,
  show,
  vectorFrom,
  type CrdtReplicaState,
  type OpEnvelope,
} from "./replica-state";
import { learnDelivered } from "./stability";

/**
 * Op mode (CmRDT, RR-7506 §2.2.2): each update is broadcast to every peer as an OP
 * carrying (origin, seq) and the origin's delivery vector. An OP is delivered exactly
 * once and in causal order: duplicates are discarded, early ones wait in a buffer
 * until what they depend on is delivered. Anti-entropy repairs losses: replicas
 * exchange delivery vectors (VV) and send each other the ops the other lacks (OPS),
 * taken from the log of every delivered op (minus what causal stability collected).
 */

export function sendVector(ctx: Context, state: CrdtReplicaState, peer: string, why: string): void {
  sendCounted(
    ctx,
    state,
    peer,
    { type: "VV", delivered: { ...state.delivered }, digest: state.digest },
    `${state.node} tells ${peer} which ops it has delivered (${canonicalJson(state.delivered)}), so that each can send the other what it lacks (${why}).`,
  );
}

function ready(state: CrdtReplicaState, envelope: OpEnvelope): boolean {
  if ((state.delivered[envelope.origin] ?? 0) !== envelope.seq - 1) return false;
  for (const [node, count] of Object.entries(envelope.deps)) {
    if (node !== envelope.origin && (state.delivered[node] ?? 0) < count) return false;
  }
  return true;
}

function missingDeps(state: CrdtReplicaState, envelope: OpEnvelope): string {
  const missing: string[] = [];
  const own = state.delivered[envelope.origin] ?? 0;
  if (own < envelope.seq - 1) missing.push(`${envelope.origin}'s ops ${own + 1}..${envelope.seq - 1}`);
  for (const [node, count] of Object.entries(envelope.deps)) {
    const have = state.delivered[node] ?? 0;
    if (node !== envelope.origin && have < count) missing.push(`${node}'s ops up to ${count} (has ${have})`);
  }
  return missing.join(" and ");
}

/** Applies a causally ready op (Spec 2's downstream). The RGA edits its payload in place, so `before` may be `after`. */
export function deliver(state: CrdtReplicaState, envelope: OpEnvelope): string {
  const before = state.payload;
  state.payload = state.type.apply(before, envelope.op, "op");
  state.delivered[envelope.origin] = envelope.seq;
  state.log.push(envelope);
  const element = envelope.op["element"];
  if (typeof element === "string" && state.type.elements !== undefined) state.elementsSeen.add(element);
  // The op's origin had delivered its deps and the op itself when it issued it.
  learnDelivered(state, envelope.origin, { ...envelope.deps, [envelope.origin]: envelope.seq });
  return state.type.explainApply(before, envelope.op, state.payload, state.node);
}

/** The envelope fields of an OP message or of one entry of OPS; undefined if malformed. */
export function parseEnvelope(json: Json): OpEnvelope | undefined {
  if (!isJsonObject(json)) return undefined;
  const { origin, seq, deps, op } = json;
  if (typeof origin !== "string" || typeof seq !== "number" || !isJsonObject(deps) || !isJsonObject(op))
    return undefined;
  return { origin, seq, deps: vectorFrom(deps), op };
}

export function parseEnvelopes(raw: Json | undefined): OpEnvelope[] {
  return (Array.isArray(raw) ? raw : []).map(parseEnvelope).filter((e): e is OpEnvelope => e !== undefined);
}

export function opLabel(state: CrdtReplicaState, envelope: OpEnvelope): string {
  return `${envelope.origin}:${envelope.seq} ${state.type.describeOp(envelope.op)}`;
}

/** "n1:6..11" for a run of ops, or "n1:6". */
export function opRange(envelopes: readonly OpEnvelope[]): string {
  const byOrigin = new Map<string, number[]>();
  for (const envelope of envelopes)
    byOrigin.set(envelope.origin, [...(byOrigin.get(envelope.origin) ?? []), envelope.seq]);
  return [...byOrigin.entries()]
    .map(([origin, seqs]) => {
      const low = Math.min(...seqs);
      const high = Math.max(...seqs);
      return low === high ? `${origin}:${low}` : `${origin}:${low}..${high}`;
    })
    .join(", ");
}

const ids = (envelopes: readonly OpEnvelope[]): string[] => envelopes.map((e) => `${e.origin}:${e.seq}`);

/** Sentences that explain an outcome a learner should not miss (concurrent inserts ordered, a tag that survives, a write ignored). */
const NOTABLE = /larger timestamp|survives|ignores|stays/;

export function receiveOps(
  ctx: Context,
  state: CrdtReplicaState,
  from: string,
  envelopes: OpEnvelope[],
  kind: string,
): void {
  if (state.config.mode !== "op") {
    ctx.explain(`${state.node} runs in ${state.config.mode} mode and ignores ${kind}.`);
    return;
  }
  const beforeValue = state.type.value(state.payload);
  const applied: string[] = [];
  const appliedIds: string[] = [];
  const duplicates: OpEnvelope[] = [];
  const waiting: OpEnvelope[] = [];
  const waitingText: string[] = [];
  const deliverNow = (envelope: OpEnvelope): void => {
    applied.push(deliver(state, envelope).replace(/\.$/, ""));
    appliedIds.push(`${envelope.origin}:${envelope.seq}`);
  };
  const deliverReady = (envelope: OpEnvelope): void => {
    deliverNow(envelope);
    for (;;) {
      const index = state.buffer.findIndex((buffered) => ready(state, buffered));
      if (index < 0) break;
      const [next] = state.buffer.splice(index, 1);
      deliverNow(next as OpEnvelope);
    }
  };
  for (const envelope of envelopes) {
    if (envelope.seq <= (state.delivered[envelope.origin] ?? 0)) {
      duplicates.push(envelope);
    } else if (state.buffer.some((b) => b.origin === envelope.origin && b.seq === envelope.seq)) {
      duplicates.push(envelope);
    } else if (!ready(state, envelope)) {
      waiting.push(envelope);
      waitingText.push(
        `${opLabel(state, envelope)} must wait: it depends on ${missingDeps(state, envelope)}, not delivered here yet (causal delivery)`,
      );
      state.buffer.push(envelope);
    } else {
      deliverReady(envelope);
    }
  }
  const parts: string[] = [];
  if (applied.length > 0 && applied.length <= 2) parts.push(...applied);
  if (applied.length > 2) {
    parts.push(
      `${state.node} delivers ${applied.length} ops in causal order, and its ${state.type.name} goes from ${show(beforeValue)} to ${show(state.type.value(state.payload))}`,
      ...applied.filter((text) => NOTABLE.test(text)),
    );
  }
  if (duplicates.length > 0) {
    parts.push(
      `${opRange(duplicates)} ${verb(duplicates.length, "was")} already delivered or waiting, so ${duplicates.length === 1 ? "this copy is" : "these copies are"} discarded (op-based CRDTs need exactly-once delivery)`,
    );
  }
  parts.push(...waitingText);
  if (applied.length > 0) changed(ctx, state);
  const summary = parts.length === 0 ? "nothing to apply" : parts.join("; ");
  ctx.explain(`${state.node} handles ${kind} from ${from}: ${summary}.`, {
    delivered: appliedIds,
    duplicates: ids(duplicates),
    buffered: ids(waiting),
  });
  if (applied.length > 0) {
    reportValueChange(ctx, state, beforeValue, `delivering ${plural(applied.length, "op")}`, {
      kind: "deliver",
      from,
      ops: appliedIds,
    });
  }
}

export function onVersionVector(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  if (state.config.mode !== "op") {
    ctx.explain(`${state.node} runs in ${state.config.mode} mode and ignores a delivery vector.`);
    return;
  }
  const theirs = vectorFrom(message["delivered"]);
  learnDelivered(state, from, theirs);
  const missingThere = state.log.filter((envelope) => envelope.seq > (theirs[envelope.origin] ?? 0));
  const missingHere = Object.entries(theirs).filter(([node, count]) => count > (state.delivered[node] ?? 0));
  const parts: string[] = [];
  const tail = missingThere.length === 0 ? markSynced(ctx, state, from) : "";
  if (missingThere.length > 0)
    parts.push(`${from} lacks ${plural(missingThere.length, "op")} that ${state.node} has, so it sends them`);
  if (missingHere.length > 0) {
    parts.push(
      `${from} has ops ${state.node} lacks (${missingHere.map(([n, c]) => `${n} up to ${c}`).join(", ")}), so it answers with its own vector`,
    );
  }
  if (parts.length === 0) parts.push(`both have delivered the same ops`);
  // The explanation of the DELIVER must come before the sends it causes.
  ctx.explain(`${state.node} compares ${from}'s delivery vector with its own: ${parts.join("; ")}.${tail}`, {
    theirs,
    ours: { ...state.delivered },
    missingThere: ids(missingThere),
    missingHere: Object.fromEntries(missingHere),
  });
  if (missingHere.length === 0) {
    sendCounted(
      ctx,
      state,
      from,
      // With gc, the acker's own vector: causal stability needs its exact count of its own ops.
      state.config.gc
        ? { type: "ACK", digest: message["digest"] ?? null, delivered: { ...state.delivered } }
        : { type: "ACK", digest: message["digest"] ?? null },
      `${state.node} acknowledges: it has delivered every op ${from} has.`,
    );
  }
  if (missingThere.length > 0) {
    sendCounted(
      ctx,
      state,
      from,
      { type: "OPS", ops: missingThere },
      `${state.node} resends ${plural(missingThere.length, "op")} ${from} has not delivered (anti-entropy repairs lost messages).`,
    );
  }
  if (missingHere.length > 0) sendVector(ctx, state, from, `it lacks some of ${from}'s ops`);
}

/** A local update in op mode: deliver it here at once and broadcast it to every peer. */
export function issueOps(ctx: Context, state: CrdtReplicaState, ops: readonly Json[]): void {
  const issued: OpEnvelope[] = [];
  for (const op of ops) {
    if (!isJsonObject(op)) continue;
    state.ownSeq += 1;
    const envelope: OpEnvelope = { origin: state.node, seq: state.ownSeq, deps: { ...state.delivered }, op };
    deliver(state, envelope);
    issued.push(envelope);
  }
  if (issued.length === 0) return;
  const what =
    issued.length === 1
      ? `its op ${opLabel(state, issued[0] as OpEnvelope)}`
      : `its ${issued.length} ops ${opRange(issued)}`;
  for (const peer of state.peers) {
    sendCounted(
      ctx,
      state,
      peer,
      { type: "OP", ops: issued },
      `${state.node} broadcasts ${what} to ${peer}, which must deliver each exactly once, after what it depends on.`,
    );
  }
}
