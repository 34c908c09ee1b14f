import { hashLabel } from "../../sim/rng";
import { canonicalJson, isJsonObject, type Json, type JsonObject } from "../../sim/json";
import type { ClientRequest, Context, Durable, Message, TimerFired } from "../../sim/types";
import type { CrdtConfig } from "./config";
import { DATA_TYPES, type AnyCrdtType, type Metadata, type PrepareEnv, type Stamp } from "./datatypes";

/**
 * The network layer: puts one replica of a data type on each node.
 *
 * State mode (CvRDT, RR-7506 §2.2.1): a replica whose payload some peer has not yet
 * acknowledged gossips it every gossipIntervalMs to `fanout` such peers (STATE). The
 * receiver merges, answers ACK with the digest of what it received, and, when it holds
 * something the sender lacks, sends its own payload straight back (push-pull). A peer
 * is "in sync" once it has acknowledged this replica's current digest: it then holds
 * at least this payload. Any change here makes every peer out of sync again.
 *
 * Op mode (CmRDT, RR-7506 §2.2.2): each update is broadcast to every peer as an OP
 * carrying (origin, seq) and the origin's delivery vector. An OP is delivered exactly
 * once and in causal order: duplicates are discarded, early ones wait in a buffer
 * until what they depend on is delivered. Anti-entropy repairs losses: replicas
 * exchange delivery vectors (VV) and send each other the ops the other lacks (OPS),
 * taken from the log of every delivered op.
 *
 * Quiescence: a replica stops gossiping as soon as every peer is in sync with it (or
 * at gossipUntilMs). When every replica has stopped and nothing is in flight, the
 * simulation has nothing left to do and the run ends "quiescent"; the Convergence
 * checker then compares the replicas.
 */

export interface OpEnvelope extends JsonObject {
  origin: string;
  seq: number;
  /** The origin's delivery vector when it issued the op: what the op causally depends on. */
  deps: Record<string, number>;
  op: JsonObject;
}

export interface CrdtMetadata extends Metadata {
  /** Op mode: delivered ops kept for retransmission. */
  readonly log: number;
  readonly total: number;
}

export interface CrdtReplicaState {
  readonly node: string;
  readonly config: CrdtConfig;
  readonly type: AnyCrdtType;
  readonly peers: readonly string[];
  payload: unknown;
  /** Digest of what this replica holds (state mode: the payload; op mode: the delivery vector). */
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
  // Op mode only.
  delivered: Record<string, number>;
  ownSeq: number;
  log: OpEnvelope[];
  buffer: OpEnvelope[];
}

const GOSSIP_TIMER = "gossip";

export function typeOf(config: CrdtConfig): AnyCrdtType {
  return DATA_TYPES[config.type];
}

function digestOf(json: Json): string {
  const text = canonicalJson(json);
  return `${hashLabel(text).toString(16).padStart(8, "0")}.${text.length}`;
}

function computeDigest(state: CrdtReplicaState): string {
  return state.config.mode === "state" ? digestOf(state.type.encode(state.payload)) : canonicalJson(state.delivered);
}

function computeMetadata(state: CrdtReplicaState): CrdtMetadata {
  const base = state.type.metadata(state.payload);
  const vectorEntries = base.vectorEntries + (state.config.mode === "op" ? Object.keys(state.delivered).length : 0);
  const log = state.log.length;
  return {
    tags: base.tags,
    tombstones: base.tombstones,
    vectorEntries,
    log,
    total: base.tags + base.tombstones + vectorEntries + log,
  };
}

function fresh(ctx: Context, config: CrdtConfig): CrdtReplicaState {
  const type = typeOf(config);
  const state: CrdtReplicaState = {
    node: ctx.node,
    config,
    type,
    peers: ctx.nodes.filter((node) => node !== ctx.node),
    payload: type.empty(),
    digest: "",
    synced: new Set(),
    gossiping: false,
    gossipStopped: false,
    tagCounter: 0,
    metadata: { tags: 0, tombstones: 0, vectorEntries: 0, log: 0, total: 0 },
    peakMetadata: 0,
    delivered: {},
    ownSeq: 0,
    log: [],
    buffer: [],
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
  if (config.mode === "op") {
    const delivered = durable.get("delivered");
    if (isJsonObject(delivered)) {
      for (const [key, value] of Object.entries(delivered)) if (typeof value === "number") state.delivered[key] = value;
    }
    const log = durable.get("log");
    if (Array.isArray(log)) state.log = log.map(parseEnvelope).filter((e): e is OpEnvelope => e !== undefined);
    const ownSeq = durable.get("ownSeq");
    if (typeof ownSeq === "number") state.ownSeq = ownSeq;
  }
  state.digest = computeDigest(state);
  state.metadata = computeMetadata(state);
  state.peakMetadata = state.metadata.total;
  ctx.explain(
    `${ctx.node} restarts with its persisted ${state.type.name} (value ${show(state.type.value(state.payload))}); it does not know what its peers hold now, so it gossips again until each one acknowledges it.`,
  );
  armGossip(ctx, state);
  return state;
}

// ---------------------------------------------------------------- changes and gossip

function show(value: Json): string {
  const text = canonicalJson(value);
  return text.length <= 60 ? text : text.slice(0, 57) + "...";
}

/** After the payload (or delivery vector) changed: persist, recount metadata, and make every peer out of sync. */
function changed(ctx: Context, state: CrdtReplicaState): void {
  const digest = computeDigest(state);
  state.metadata = computeMetadata(state);
  state.peakMetadata = Math.max(state.peakMetadata, state.metadata.total);
  ctx.persist("payload", state.type.encode(state.payload));
  ctx.persist("tagCounter", state.tagCounter);
  if (state.config.mode === "op") {
    ctx.persist("delivered", state.delivered);
    ctx.persist("log", state.log);
    ctx.persist("ownSeq", state.ownSeq);
  }
  if (digest === state.digest) return;
  state.digest = digest;
  state.synced.clear();
  armGossip(ctx, state);
}

function armGossip(ctx: Context, state: CrdtReplicaState): void {
  if (state.gossiping || state.gossipStopped) return;
  state.gossiping = true;
  ctx.setTimer(GOSSIP_TIMER, state.config.gossipIntervalMs);
}

function unsynced(state: CrdtReplicaState): string[] {
  return state.peers.filter((peer) => !state.synced.has(peer));
}

/** Called when a peer is found to be in sync; stops gossip once all are. Returns a clause for the explanation. */
function markSynced(ctx: Context, state: CrdtReplicaState, peer: string): string {
  if (state.synced.has(peer)) return "";
  state.synced.add(peer);
  if (unsynced(state).length > 0 || !state.gossiping) return "";
  state.gossiping = false;
  ctx.cancelTimer(GOSSIP_TIMER);
  return ` Every peer now holds at least ${state.node}'s state, so ${state.node} stops gossiping (it has nothing new to tell).`;
}

export function onTimer(ctx: Context, state: CrdtReplicaState, timer: TimerFired): void {
  if (timer.name !== GOSSIP_TIMER) return;
  state.gossiping = false;
  const until = state.config.gossipUntilMs;
  const waiting = unsynced(state);
  if (until !== null && ctx.now >= until) {
    state.gossipStopped = true;
    ctx.explain(
      `${state.node} stops anti-entropy for good: gossipUntilMs (${until} ms) has passed${waiting.length > 0 ? `, although ${waiting.join(", ")} never acknowledged its current state` : ""}.`,
    );
    return;
  }
  if (waiting.length === 0) {
    ctx.explain(`${state.node}'s gossip timer fires, but every peer is in sync with it: it stops gossiping.`);
    return;
  }
  const targets = pickTargets(ctx, waiting, state.config.fanout);
  ctx.explain(
    `${state.node} starts a gossip round: ${waiting.join(", ")} ha${waiting.length === 1 ? "s" : "ve"} not acknowledged its current state; it contacts ${targets.join(", ")} (fanout ${state.config.fanout}).`,
  );
  for (const peer of targets) sendGossip(ctx, state, peer, "gossip round");
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

function sendGossip(ctx: Context, state: CrdtReplicaState, peer: string, why: string): void {
  if (state.config.mode === "state") {
    ctx.send(
      peer,
      { type: "STATE", state: state.type.encode(state.payload), digest: state.digest },
      `${state.node} sends its whole ${state.type.name} payload to ${peer} (${why}): value ${show(state.type.value(state.payload))}, metadata ${state.metadata.total} entries.`,
    );
  } else {
    ctx.send(
      peer,
      { type: "VV", delivered: { ...state.delivered }, digest: state.digest },
      `${state.node} tells ${peer} which ops it has delivered (${canonicalJson(state.delivered)}), so that each can send the other what it lacks (${why}).`,
    );
  }
}

// ---------------------------------------------------------------- messages

export function onMessage(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  switch (message.type) {
    case "STATE":
      onState(ctx, state, from, message);
      return;
    case "ACK": {
      const digest = message["digest"];
      if (digest !== state.digest) {
        ctx.explain(
          `${state.node} ignores ${from}'s ACK: it acknowledges an older state of ${state.node}, which has changed since.`,
        );
        return;
      }
      const stop = markSynced(ctx, state, from);
      ctx.explain(`${from} acknowledges ${state.node}'s current state: ${from} is in sync with ${state.node}.${stop}`);
      return;
    }
    case "OP":
    case "OPS": {
      const raw = message["ops"];
      const ops = (Array.isArray(raw) ? raw : []).map(parseEnvelope).filter((e): e is OpEnvelope => e !== undefined);
      receiveOps(ctx, state, from, ops, message.type);
      return;
    }
    case "VV":
      onVersionVector(ctx, state, from, message);
      return;
    default:
      ctx.explain(`${state.node} does not know the message type ${message.type} and ignores it.`);
  }
}

function onState(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  if (state.config.mode !== "state") {
    ctx.explain(`${state.node} runs in op mode and ignores a whole-state message.`);
    return;
  }
  const incoming = state.type.decode(message["state"] ?? null);
  const before = state.payload;
  const beforeValue = state.type.value(before);
  const merged = state.type.merge(before, incoming);
  const explanation = state.type.explainMerge(before, incoming, merged, state.node, from);
  state.payload = merged;
  changed(ctx, state);
  const incomingDigest = typeof message["digest"] === "string" ? message["digest"] : "";
  let tail = "";
  if (state.digest === incomingDigest) {
    // Both now hold exactly what from sent, and from's payload only grows: from is in sync with us.
    tail = markSynced(ctx, state, from);
  }
  ctx.explain(explanation + tail);
  reportValueChange(ctx, state, beforeValue, `merging ${from}'s state`);
  ctx.send(
    from,
    { type: "ACK", digest: incomingDigest },
    `${state.node} acknowledges ${from}'s state: it now holds at least everything ${from} sent.`,
  );
  // Push back whenever this replica holds more than what arrived, even if `from` was in sync
  // before: an update need not inflate (Spec 9's assign with a skewed clock can lower the
  // timestamp), so a peer that was ahead may have fallen behind.
  if (state.digest !== incomingDigest) {
    sendGossip(ctx, state, from, `push-pull: it holds updates ${from} lacks`);
  }
}

function reportValueChange(ctx: Context, state: CrdtReplicaState, beforeValue: Json, cause: string): void {
  const afterValue = state.type.value(state.payload);
  if (canonicalJson(afterValue) === canonicalJson(beforeValue)) return;
  ctx.stateChange(
    `${state.node}'s ${state.type.name} now reads ${show(afterValue)} (was ${show(beforeValue)}) after ${cause}; its metadata is ${state.metadata.total} entries.`,
    { value: afterValue, previous: beforeValue, metadata: metadataJson(state) },
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
function deliver(state: CrdtReplicaState, envelope: OpEnvelope): string {
  const before = state.payload;
  state.payload = state.type.apply(before, envelope.op, "op");
  state.delivered[envelope.origin] = envelope.seq;
  state.log.push(envelope);
  return state.type.explainApply(before, envelope.op, state.payload, state.node);
}

/** The envelope fields of an OP message or of one entry of OPS; undefined if malformed. */
function parseEnvelope(json: Json): OpEnvelope | undefined {
  if (!isJsonObject(json)) return undefined;
  const { origin, seq, deps, op } = json;
  if (typeof origin !== "string" || typeof seq !== "number" || !isJsonObject(deps) || !isJsonObject(op))
    return undefined;
  const vector: Record<string, number> = {};
  for (const [node, count] of Object.entries(deps)) if (typeof count === "number") vector[node] = count;
  return { origin, seq, deps: vector, op };
}

function opLabel(state: CrdtReplicaState, envelope: OpEnvelope): string {
  return `${envelope.origin}:${envelope.seq} ${state.type.describeOp(envelope.op)}`;
}

/** "n1:6..11" for a run of ops, or "n1:6". */
function opRange(envelopes: readonly OpEnvelope[]): string {
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

/** Sentences that explain an outcome a learner should not miss (concurrent inserts ordered, a tag that survives, a write ignored). */
const NOTABLE = /larger timestamp|survives|ignores|stays/;

function receiveOps(ctx: Context, state: CrdtReplicaState, from: string, envelopes: OpEnvelope[], kind: string): void {
  if (state.config.mode !== "op") {
    ctx.explain(`${state.node} runs in state mode and ignores ${kind}.`);
    return;
  }
  const beforeValue = state.type.value(state.payload);
  const applied: string[] = [];
  const duplicates: OpEnvelope[] = [];
  const waiting: string[] = [];
  const deliverReady = (envelope: OpEnvelope): void => {
    applied.push(deliver(state, envelope).replace(/\.$/, ""));
    for (let progress = true; progress;) {
      progress = false;
      const index = state.buffer.findIndex((buffered) => ready(state, buffered));
      if (index < 0) break;
      const [next] = state.buffer.splice(index, 1);
      applied.push(deliver(state, next as OpEnvelope).replace(/\.$/, ""));
      progress = true;
    }
  };
  for (const envelope of envelopes) {
    if (envelope.seq <= (state.delivered[envelope.origin] ?? 0)) {
      duplicates.push(envelope);
    } else if (state.buffer.some((b) => b.origin === envelope.origin && b.seq === envelope.seq)) {
      duplicates.push(envelope);
    } else if (!ready(state, envelope)) {
      waiting.push(
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
      `${opRange(duplicates)} ${duplicates.length === 1 ? "was" : "were"} already delivered or waiting, so ${duplicates.length === 1 ? "this copy is" : "these copies are"} discarded (op-based CRDTs need exactly-once delivery)`,
    );
  }
  parts.push(...waiting);
  if (applied.length > 0) changed(ctx, state);
  const summary = parts.length === 0 ? "nothing to apply" : parts.join("; ");
  ctx.explain(`${state.node} handles ${kind} from ${from}: ${summary}.`);
  if (applied.length > 0) reportValueChange(ctx, state, beforeValue, `delivering ${applied.length} op(s)`);
}

function onVersionVector(ctx: Context, state: CrdtReplicaState, from: string, message: Message): void {
  if (state.config.mode !== "op") {
    ctx.explain(`${state.node} runs in state mode and ignores a delivery vector.`);
    return;
  }
  const theirs: Record<string, number> = {};
  const raw = message["delivered"];
  if (isJsonObject(raw))
    for (const [key, value] of Object.entries(raw)) if (typeof value === "number") theirs[key] = value;
  const missingThere = state.log.filter((envelope) => envelope.seq > (theirs[envelope.origin] ?? 0));
  const missingHere = Object.entries(theirs).filter(([node, count]) => count > (state.delivered[node] ?? 0));
  const parts: string[] = [];
  const tail = missingThere.length === 0 ? markSynced(ctx, state, from) : "";
  if (missingThere.length > 0)
    parts.push(`${from} lacks ${missingThere.length} op(s) that ${state.node} has, so it sends them`);
  if (missingHere.length > 0) {
    parts.push(
      `${from} has ops ${state.node} lacks (${missingHere.map(([n, c]) => `${n} up to ${c}`).join(", ")}), so it answers with its own vector`,
    );
  }
  if (parts.length === 0) parts.push(`both have delivered the same ops`);
  // The explanation of the DELIVER must come before the sends it causes.
  ctx.explain(`${state.node} compares ${from}'s delivery vector with its own: ${parts.join("; ")}.${tail}`);
  if (missingHere.length === 0) {
    ctx.send(
      from,
      { type: "ACK", digest: message["digest"] ?? null },
      `${state.node} acknowledges: it has delivered every op ${from} has.`,
    );
  }
  if (missingThere.length > 0) {
    ctx.send(
      from,
      { type: "OPS", ops: missingThere },
      `${state.node} resends ${missingThere.length} op(s) ${from} has not delivered (anti-entropy repairs lost messages).`,
    );
  }
  if (missingHere.length > 0) sendGossip(ctx, state, from, `it lacks some of ${from}'s ops`);
}

// ---------------------------------------------------------------- clients

export function onClientRequest(ctx: Context, state: CrdtReplicaState, request: ClientRequest): void {
  const type = state.type;
  if (request.op === "read") {
    const value = type.value(state.payload);
    ctx.explain(
      `A client reads ${state.node}'s local replica: ${show(value)}. No coordination: it may not reflect updates made elsewhere.`,
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
    ctx.explain(`${state.node} refuses the client's ${request.op}: ${prepared.error}.`);
    ctx.reply(request.id, { ok: false, error: prepared.error }, `${state.node} answers that the ${request.op} failed.`);
    return;
  }
  ctx.explain(prepared.explanation);
  const beforeValue = type.value(state.payload);
  const issued: OpEnvelope[] = [];
  for (const op of prepared.ops) {
    if (state.config.mode === "state") {
      state.payload = type.apply(state.payload, op, "state");
      continue;
    }
    state.ownSeq += 1;
    const envelope: OpEnvelope = { origin: state.node, seq: state.ownSeq, deps: { ...state.delivered }, op };
    deliver(state, envelope);
    issued.push(envelope);
  }
  if (issued.length > 0) {
    const what =
      issued.length === 1
        ? `its op ${opLabel(state, issued[0] as OpEnvelope)}`
        : `its ${issued.length} ops ${opRange(issued)}`;
    for (const peer of state.peers) {
      ctx.send(
        peer,
        { type: "OP", ops: issued },
        `${state.node} broadcasts ${what} to ${peer}, which must deliver each exactly once, after what it depends on.`,
      );
    }
  }
  if (prepared.anomaly !== undefined)
    ctx.note(prepared.anomaly, { anomaly: "causally-later-write-has-smaller-timestamp" });
  changed(ctx, state);
  reportValueChange(ctx, state, beforeValue, `its own ${request.op}`);
  const value = type.value(state.payload);
  ctx.reply(
    request.id,
    { ok: true, value },
    `${state.node} applied the ${request.op} locally and answers at once: ${show(value)}.`,
  );
}

// ---------------------------------------------------------------- view

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

export function viewOf(state: CrdtReplicaState): JsonObject {
  const value = state.type.value(state.payload);
  const view: JsonObject = {
    type: state.type.name,
    mode: state.config.mode,
    value,
    state: state.type.encode(state.payload),
    metadata: metadataJson(state),
    gossip: {
      active: state.gossiping,
      stopped: state.gossipStopped,
      inSyncWith: [...state.synced].sort(),
      waitingFor: unsynced(state),
    },
  };
  if (state.type.elements !== undefined && Array.isArray(value)) {
    const contains: JsonObject = {};
    for (const element of state.type.elements(state.payload)) contains[element] = value.includes(element);
    view["contains"] = contains;
  }
  if (state.config.mode === "op") {
    view["delivery"] = { delivered: { ...state.delivered }, buffered: state.buffer.length, log: state.log.length };
  }
  return view;
}

export function describeMessage(message: Message): string {
  switch (message.type) {
    case "STATE":
      return `STATE(${typeof message["digest"] === "string" ? message["digest"].split(".")[0] : "?"})`;
    case "OP":
    case "OPS": {
      const raw = message["ops"];
      const ops = (Array.isArray(raw) ? raw : []).map(parseEnvelope).filter((e): e is OpEnvelope => e !== undefined);
      return `${message.type}(${opRange(ops)})`;
    }
    case "VV":
      return `VV(${canonicalJson(message["delivered"] ?? null)})`;
    default:
      return message.type;
  }
}
