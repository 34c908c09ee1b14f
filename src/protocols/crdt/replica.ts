import { canonicalJson, type Json, type JsonObject } from "../../sim/json";
import { list, verb } from "../../sim/english";
import type { ClientRequest, Context, Durable, Message, TimerFired } from "../../sim/types";
import type { CrdtConfig } from "./config";
import type { PrepareEnv, Stamp } from "./datatypes";
import { localDelta, onDelta, onDeltaAck, sendDelta } from "./delta-mode";
import { issueOps, onVersionVector, opRange, parseEnvelope, parseEnvelopes, receiveOps, sendVector } from "./op-mode";
import {
  GOSSIP_TIMER,
  armGossip,
  changed,
  collectsTombstones,
  computeDigest,
  computeMetadata,
  markSynced,
  metadataJson,
  reportValueChange,
  show,
  typeOf,
  unsynced,
  vectorFrom,
  wireJson,
  type CrdtReplicaState,
  type OpEnvelope,
} from "./replica-state";
import { collectStable } from "./stability";
import { describeDigest, onDigestAck, onState, sendState } from "./state-mode";

export { metadataJson, typeOf, type CrdtReplicaState } from "./replica-state";

/**
 * The network layer: puts one replica of a data type on each node, in one of three
 * gossip modes: state (state-mode.ts), op (op-mode.ts) and delta (delta-mode.ts).
 *
 * Quiescence: a replica stops gossiping as soon as every peer is in sync with it (or
 * at gossipUntilMs). When every replica has stopped and nothing is in flight, the
 * simulation has nothing left to do and the run ends "quiescent"; the
 * QuiescentConvergence checker then compares the replicas.
 */

function fresh(ctx: Context, config: CrdtConfig): CrdtReplicaState {
  const type = typeOf(config);
  const state: CrdtReplicaState = {
    node: ctx.node,
    config,
    type,
    peers: ctx.nodes.filter((node) => node !== ctx.node),
    payload: type.empty(),
    delivered: {},
    digest: "",
    synced: new Set(),
    gossiping: false,
    gossipStopped: false,
    tagCounter: 0,
    metadata: { tags: 0, tombstones: 0, vectorEntries: 0, log: 0, total: 0 },
    peakMetadata: 0,
    wire: { messages: 0, bytes: 0, byType: {} },
    elementsSeen: new Set(),
    ownSeq: 0,
    log: [],
    buffer: [],
    knownDelivered: {},
    stable: {},
    collected: { log: 0, tombstones: 0 },
    seenTags: {},
    witness: new Map(),
    deltaCounter: 0,
    deltas: new Map(),
    acked: {},
  };
  state.digest = computeDigest(state);
  state.metadata = computeMetadata(state);
  return state;
}

export function initReplica(ctx: Context, config: CrdtConfig): CrdtReplicaState {
  const state = fresh(ctx, config);
  // Every replica starts from the same empty payload, so all are in sync and quiet.
  for (const peer of state.peers) state.synced.add(peer);
  return state;
}

export function recoverReplica(ctx: Context, config: CrdtConfig, durable: Durable): CrdtReplicaState {
  const state = fresh(ctx, config);
  const payload = durable.get("payload");
  if (payload !== undefined) state.payload = state.type.decode(payload);
  const tagCounter = durable.get("tagCounter");
  if (typeof tagCounter === "number") state.tagCounter = tagCounter;
  state.delivered = vectorFrom(durable.get("delivered"));
  const seen = durable.get("elementsSeen");
  if (Array.isArray(seen)) for (const element of seen) if (typeof element === "string") state.elementsSeen.add(element);
  if (config.mode === "op") {
    const log = durable.get("log");
    if (Array.isArray(log)) state.log = log.map(parseEnvelope).filter((e): e is OpEnvelope => e !== undefined);
    const ownSeq = durable.get("ownSeq");
    if (typeof ownSeq === "number") state.ownSeq = ownSeq;
  }
  if (config.gc) state.stable = vectorFrom(durable.get("stable"));
  // The causal context of collected tags; the tombstones' witnesses are volatile, and the
  // next collection gives each the delivery vector it recovered with (it covers their removes).
  if (config.gc) state.seenTags = vectorFrom(durable.get("seenTags"));
  const deltaCounter = durable.get("deltaCounter");
  if (typeof deltaCounter === "number") state.deltaCounter = deltaCounter;
  state.digest = computeDigest(state);
  state.metadata = computeMetadata(state);
  state.peakMetadata = state.metadata.total;
  const value = state.type.value(state.payload);
  ctx.explain(
    `${ctx.node} restarts with its persisted ${state.type.name} (value ${show(value)}); it does not know what its peers hold now, so it gossips again until each one acknowledges it.`,
    { value, delivered: { ...state.delivered } },
  );
  armGossip(ctx, state);
  return state;
}

// ---------------------------------------------------------------- gossip

export function onTimer(ctx: Context, state: CrdtReplicaState, timer: TimerFired): void {
  if (timer.name !== GOSSIP_TIMER) return;
  state.gossiping = false;
  const until = state.config.gossipUntilMs;
  const waiting = unsynced(state);
  if (until !== null && ctx.now >= until) {
    state.gossipStopped = true;
    ctx.explain(
      `${state.node} stops anti-entropy for good: gossipUntilMs (${until} ms) has passed${waiting.length > 0 ? `, although ${list(waiting)} never acknowledged its current state` : ""}.`,
      { gossip: "stopped", gossipUntilMs: until, waitingFor: waiting },
    );
    return;
  }
  if (waiting.length === 0) {
    ctx.explain(`${state.node}'s gossip timer fires, but every peer is in sync with it: it stops gossiping.`, {
      gossip: "idle",
      waitingFor: [],
    });
    return;
  }
  const targets = pickTargets(ctx, waiting, state.config.fanout);
  ctx.explain(
    `${state.node} starts a gossip round: ${list(waiting)} ${verb(waiting.length, "has")} not acknowledged its current state; it contacts ${list(targets)} (fanout ${state.config.fanout}).`,
    { gossip: "round", waitingFor: waiting, targets },
  );
  for (const peer of targets) {
    if (!sendGossip(ctx, state, peer, "gossip round")) markSynced(ctx, state, peer);
  }
  if (unsynced(state).length === 0) return;
  state.gossiping = true;
  ctx.setTimer(GOSSIP_TIMER, state.config.gossipIntervalMs);
}

function pickTargets(ctx: Context, candidates: readonly string[], fanout: number): string[] {
  const pool = [...candidates];
  const chosen: string[] = [];
  while (chosen.length < fanout && pool.length > 0) {
    const index = ctx.rng.int(0, pool.length - 1);
    chosen.push(pool[index] as string);
    pool.splice(index, 1);
  }
  return chosen.sort();
}

/** Returns false when nothing had to be sent (delta mode: the peer already has every group it lacks). */
function sendGossip(ctx: Context, state: CrdtReplicaState, peer: string, why: string): boolean {
  if (state.config.mode === "state") sendState(ctx, state, peer, why);
  else if (state.config.mode === "op") sendVector(ctx, state, peer, why);
  else return sendDelta(ctx, state, peer, why);
  return true;
}

// ---------------------------------------------------------------- messages

export function onMessage(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  switch (message.type) {
    case "STATE":
      onState(ctx, state, from, message);
      break;
    case "ACK":
      if (state.config.mode === "delta") onDeltaAck(ctx, state, from, message);
      else onDigestAck(ctx, state, from, message);
      break;
    case "OP":
    case "OPS":
      receiveOps(ctx, state, from, parseEnvelopes(message["ops"]), message.type);
      break;
    case "VV":
      onVersionVector(ctx, state, from, message);
      break;
    case "DELTA":
      onDelta(ctx, state, from, message);
      break;
    default:
      ctx.explain(`${state.node} does not know the message type ${message.type} and ignores it.`);
      return;
  }
  afterChange(ctx, state);
}

/** What every handler does last: collect what became causally stable (gc: true). */
function afterChange(ctx: Context, state: CrdtReplicaState): void {
  collectStable(ctx, state);
}

// ---------------------------------------------------------------- clients

export function onClientRequest(ctx: Context, state: CrdtReplicaState, request: ClientRequest): void {
  const type = state.type;
  if (request.op === "read") {
    const value = type.value(state.payload);
    ctx.explain(
      `A client reads ${state.node}'s local replica: ${show(value)}. No coordination: it may not reflect updates made elsewhere.`,
      { value, delivered: { ...state.delivered } },
    );
    ctx.reply(request.id, { ok: true, value }, `${state.node} returns ${show(value)}.`);
    return;
  }
  const env: PrepareEnv = {
    replica: state.node,
    stamp: (observedTime): Stamp =>
      state.config.timestamps === "physical"
        ? { time: ctx.physicalClock(), replica: state.node }
        : { time: observedTime + 1, replica: state.node },
    uniqueTag: () => {
      state.tagCounter += 1;
      return `${state.node}#${state.tagCounter}`;
    },
  };
  const prepared = type.prepare(state.payload, { op: request.op, args: request.args }, env);
  if (!prepared.ok) {
    ctx.explain(`${state.node} refuses the client's ${request.op}: ${prepared.error}.`, { refused: prepared.error });
    ctx.reply(request.id, { ok: false, error: prepared.error }, `${state.node} answers that the ${request.op} failed.`);
    return;
  }
  ctx.explain(prepared.explanation, { ops: prepared.ops.map((op) => op as Json) });
  const beforeValue = type.value(state.payload);
  if (state.config.mode === "op") {
    issueOps(ctx, state, prepared.ops);
  } else {
    for (const op of prepared.ops) {
      if (state.config.mode === "delta") localDelta(state, op);
      else state.payload = type.apply(state.payload, op, "state");
      state.delivered[state.node] = (state.delivered[state.node] ?? 0) + 1;
    }
  }
  if (prepared.anomaly !== undefined) {
    ctx.note(prepared.anomaly.text, {
      anomaly: "causally-later-write-has-smaller-timestamp",
      ...prepared.anomaly.data,
    });
  }
  changed(ctx, state);
  reportValueChange(ctx, state, beforeValue, `its own ${request.op}`, { kind: "local", op: request.op });
  const value = type.value(state.payload);
  ctx.reply(
    request.id,
    { ok: true, value },
    `${state.node} applied the ${request.op} locally and answers at once: ${show(value)}.`,
  );
  afterChange(ctx, state);
}

// ---------------------------------------------------------------- view

export function viewOf(state: CrdtReplicaState): JsonObject {
  const value = state.type.value(state.payload);
  const view: JsonObject = {
    type: state.type.name,
    mode: state.config.mode,
    value,
    state: state.type.encode(state.payload),
    delivered: { ...state.delivered },
    metadata: metadataJson(state),
    gossip: {
      active: state.gossiping,
      stopped: state.gossipStopped,
      inSyncWith: [...state.synced].sort(),
      waitingFor: unsynced(state),
    },
    wire: wireJson(state.wire),
  };
  if (state.type.elements !== undefined && Array.isArray(value)) {
    const contains: JsonObject = {};
    const all = new Set([...state.elementsSeen, ...state.type.elements(state.payload)]);
    for (const element of [...all].sort()) contains[element] = value.includes(element);
    view["contains"] = contains;
  }
  if (state.config.mode === "op") {
    view["delivery"] = { delivered: { ...state.delivered }, buffered: state.buffer.length, log: state.log.length };
  }
  if (state.config.gc) {
    view["stability"] = {
      frontier: { ...state.stable },
      collected: { log: state.collected.log, tombstones: state.collected.tombstones },
    };
    if (collectsTombstones(state)) (view["stability"] as JsonObject)["seenTags"] = { ...state.seenTags };
  }
  if (state.config.mode === "delta") {
    view["deltas"] = { counter: state.deltaCounter, buffered: state.deltas.size, acked: { ...state.acked } };
  }
  return view;
}

export function describeMessage(message: Message): string {
  switch (message.type) {
    case "STATE":
      return `STATE(${describeDigest(message)})`;
    case "OP":
    case "OPS":
      return `${message.type}(${opRange(parseEnvelopes(message["ops"]))})`;
    case "VV":
      return `VV(${canonicalJson(message["delivered"] ?? null)})`;
    case "DELTA":
      return `DELTA(${message["full"] === true ? "full" : `${String(message["from"])}..${String(message["upTo"])}`})`;
    default:
      return message.type;
  }
}
