import { isJsonObject, type Json, type JsonObject } from "../../sim/json";
import type { ClientRequest, Context, TimerFired } from "../../sim/types";
import type { SpannerConfig, SpannerState, Version, Waiting } from "./types";

/**
 * Spanner's commit wait (Corbett et al. 2012, "Spanner: Google's Globally-Distributed
 * Database", OSDI): TrueTime (section 3, Table 1) gives TT.now() as an interval
 * [earliest, latest] that contains the absolute time; here it is the node's physical
 * clock -/+ config.epsilonMs. A leader assigns a read-write transaction the commit
 * timestamp s = TT.now().latest (section 4.1.2, "Start"), made larger than any it
 * assigned before (4.1.1, monotonic within a Paxos group), and acknowledges only when
 * TT.after(s) holds, i.e. TT.now().earliest > s ("Commit Wait"). Then s lies in the
 * past at the acknowledgement, so a transaction that starts after it gets a larger
 * timestamp: external consistency (4.1.2, the proof after "Commit Wait").
 */

export interface TrueTimeInterval {
  readonly earliest: number;
  readonly latest: number;
}

/** TT.now() (section 3). */
export function ttNow(ctx: Context, config: SpannerConfig): TrueTimeInterval {
  const clock = ctx.physicalClock();
  return { earliest: clock - config.epsilonMs, latest: clock + config.epsilonMs };
}

export function initNode(ctx: Context, config: SpannerConfig): SpannerState {
  return { node: ctx.node, config, store: new Map(), waiting: new Map(), lastTimestamp: 0 };
}

const WAIT_TIMER = "commit-wait:";

export function onClientRequest(ctx: Context, state: SpannerState, request: ClientRequest): void {
  const key = request.args["key"];
  if (typeof key !== "string") {
    ctx.reply(
      request.id,
      { ok: false, error: "args.key must be a string" },
      `${ctx.node} refuses ${request.op}: no key.`,
    );
    return;
  }
  if (request.op === "put") startCommit(ctx, state, request.id, key, request.args["value"] ?? null);
  else read(ctx, state, request.id, key);
}

function startCommit(ctx: Context, state: SpannerState, request: string, key: string, value: Json): void {
  const config = state.config;
  const now = ttNow(ctx, config);
  // 4.1.2 Start: s_i no less than TT.now().latest; 4.1.1: larger than any earlier timestamp of this leader.
  const timestamp = Math.max(now.latest, state.lastTimestamp + 1);
  state.lastTimestamp = timestamp;
  ctx.explain(
    `${ctx.node} starts the commit of ${request} (${key} = ${JSON.stringify(value)}): TT.now() is [${now.earliest}, ${now.latest}], so its commit timestamp is s = ${timestamp}.`,
  );
  const facts: JsonObject = {
    fact: "timestamp-assigned",
    request,
    key,
    value,
    timestamp,
    earliest: now.earliest,
    latest: now.latest,
    epsilonMs: config.epsilonMs,
  };
  ctx.stateChange(`${ctx.node} assigns ${request} the commit timestamp ${timestamp} (TT.now().latest).`, facts);
  const waiting: Waiting = { request, key, value, timestamp, startedAt: ctx.now };
  if (!config.commitWait) {
    ctx.note(
      `${ctx.node} skips commit wait (config.commitWait is false): it acknowledges ${request} although TT.now().earliest = ${now.earliest} is not yet past s = ${timestamp}.`,
      { fact: "commit-wait-skipped", request, timestamp, earliest: now.earliest, latest: now.latest },
    );
    finish(ctx, state, waiting, now);
    return;
  }
  state.waiting.set(request, waiting);
  const waitMs = timestamp - now.earliest + 1;
  ctx.note(
    `${ctx.node} begins commit wait for ${request}: it may acknowledge only when TT.after(${timestamp}) holds, when TT.now().earliest passes ${timestamp}, about ${waitMs} ms from now.`,
    {
      fact: "commit-wait-started",
      request,
      timestamp,
      earliest: now.earliest,
      latest: now.latest,
      expectedWaitMs: waitMs,
    },
  );
  ctx.setTimer(WAIT_TIMER + request, waitMs, request);
}

export function onTimer(ctx: Context, state: SpannerState, timer: TimerFired): void {
  if (!timer.name.startsWith(WAIT_TIMER) || typeof timer.payload !== "string") return;
  const waiting = state.waiting.get(timer.payload);
  if (waiting === undefined) return;
  const now = ttNow(ctx, state.config);
  if (now.earliest <= waiting.timestamp) {
    // The physical clock may run slow (drift): check TT.after(s) again, as the paper's wait loops until it holds.
    const more = waiting.timestamp - now.earliest + 1;
    ctx.explain(
      `${ctx.node}'s commit wait for ${waiting.request} goes on: TT.now().earliest = ${now.earliest} is not yet past ${waiting.timestamp}.`,
    );
    ctx.setTimer(WAIT_TIMER + waiting.request, more, waiting.request);
    return;
  }
  state.waiting.delete(waiting.request);
  ctx.explain(
    `${ctx.node} ends commit wait for ${waiting.request}: TT.after(${waiting.timestamp}) holds (TT.now().earliest = ${now.earliest}).`,
  );
  ctx.note(`${ctx.node} waited ${ctx.now - waiting.startedAt} ms so that ${waiting.timestamp} is surely in the past.`, {
    fact: "commit-wait-ended",
    request: waiting.request,
    timestamp: waiting.timestamp,
    earliest: now.earliest,
    latest: now.latest,
    waitedMs: ctx.now - waiting.startedAt,
  });
  finish(ctx, state, waiting, now);
}

function finish(ctx: Context, state: SpannerState, waiting: Waiting, now: TrueTimeInterval): void {
  const versions = state.store.get(waiting.key) ?? [];
  // Keep versions in timestamp order; a new one is almost always the newest, so walk back from the end.
  let at = versions.length;
  while (at > 0 && (versions[at - 1] as Version).timestamp > waiting.timestamp) at--;
  versions.splice(at, 0, { value: waiting.value, timestamp: waiting.timestamp, request: waiting.request });
  state.store.set(waiting.key, versions);
  ctx.reply(
    waiting.request,
    { ok: true, timestamp: waiting.timestamp, committedAt: ctx.now, earliest: now.earliest },
    `${ctx.node} acknowledges ${waiting.request}: committed at timestamp ${waiting.timestamp}.`,
  );
}

/** A read at s_read = TT.now().latest returns the newest version committed at or before it (4.1.3, simplified to one leader). */
function read(ctx: Context, state: SpannerState, request: string, key: string): void {
  const now = ttNow(ctx, state.config);
  const versions = state.store.get(key) ?? [];
  let found: Version | undefined;
  for (let i = versions.length - 1; i >= 0 && found === undefined; i--) {
    const version = versions[i] as Version;
    if (version.timestamp <= now.latest) found = version;
  }
  const value = found?.value ?? null;
  ctx.reply(
    request,
    { ok: true, value, timestamp: found?.timestamp ?? null, readTimestamp: now.latest },
    found === undefined
      ? `${ctx.node} reads ${key} at ${now.latest}: no version yet.`
      : `${ctx.node} reads ${key} at ${now.latest}: ${JSON.stringify(value)}, committed at ${found.timestamp}.`,
  );
}

export function view(state: SpannerState): JsonObject {
  const store: JsonObject = {};
  for (const [key, versions] of state.store) {
    store[key] = versions.map((v) => ({ value: v.value, timestamp: v.timestamp, request: v.request }));
  }
  const waiting: JsonObject[] = [...state.waiting.values()].map((w) => ({
    request: w.request,
    key: w.key,
    timestamp: w.timestamp,
  }));
  return {
    epsilonMs: state.config.epsilonMs,
    commitWait: state.config.commitWait,
    lastTimestamp: state.lastTimestamp,
    store,
    waiting,
  };
}

export function isFact(data: Json | null | undefined, fact: string): data is JsonObject {
  return isJsonObject(data) && data["fact"] === fact;
}
