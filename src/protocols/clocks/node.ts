import { compareVectorClocks } from "../../sim/causality";
import type { Json, JsonObject } from "../../sim/json";
import type { ClientRequest, Context, Durable, Message, TimerFired } from "../../sim/types";
import { compareHlc, formatHlc, hlcLocalOrSend, hlcReceive, type Hlc, type HlcStep } from "./hlc";
import type { AppMessage, ClockEvent, ClockEventKind, ClocksConfig, ClocksState, KnownEvent } from "./types";

/** The durable key under which every event writes the node's clocks. */
export const CLOCKS_KEY = "clocks";
const CHATTER_TIMER = "chatter";

/**
 * One node of the clocks protocol: every event of its process (a local write, a
 * send, a receive, a restart) ticks three clocks that the node keeps itself:
 *
 * - Lamport's clock (Lamport 1978, §2): IR1, increment between any two events; IR2,
 *   a message carries the send's timestamp and the receiver sets its clock past it.
 * - A vector clock (Mattern 1988; Fidge 1988): tick your own entry on every event,
 *   take the entrywise maximum with the message's vector on a receive.
 * - A hybrid logical clock (Kulkarni et al. 2014, Figure 5), from this node's own
 *   skewed physical clock (ctx.physicalClock()).
 *
 * These are the protocol's clocks, separate from the observer clocks the core puts
 * on every trace event, which also tick on NOTEs, timers and state changes.
 */

function vcText(vc: Readonly<Record<string, number>>, nodes: readonly string[]): string {
  const parts = nodes.filter((node) => (vc[node] ?? 0) > 0).map((node) => `${node}:${vc[node]}`);
  return `{${parts.join(", ")}}`;
}

function pushBounded<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

/** Lamport's total order "⇒" (Lamport 1978, §2): by timestamp, ties broken by a fixed order of the processes. */
export function lamportOrder(nodes: readonly string[], a: KnownEvent, b: KnownEvent): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport;
  const byNode = nodes.indexOf(a.node) - nodes.indexOf(b.node);
  if (byNode !== 0) return byNode;
  return (a.vc[a.node] ?? 0) - (b.vc[b.node] ?? 0);
}

/** Reads the physical clock and folds its offset from true time into what the node has seen. */
function readClock(ctx: Context, state: ClocksState): number {
  const pt = ctx.physicalClock();
  const offset = pt - ctx.now;
  state.offsetsSeen.min = Math.min(state.offsetsSeen.min, offset);
  state.offsetsSeen.max = Math.max(state.offsetsSeen.max, offset);
  return pt;
}

export function initNode(ctx: Context, config: ClocksConfig): ClocksState {
  const pt = ctx.physicalClock();
  const offset = pt - ctx.now;
  const state: ClocksState = {
    node: ctx.node,
    config,
    nodes: [...ctx.nodes],
    lamport: 0,
    vc: {},
    // Figure 5 starts l at 0 with physical clocks far above it. Our virtual clocks
    // start near 0 and can read below it with a negative offset, so a node boots
    // with l = its own reading: l stays a real physical time and l ≥ pt holds from the start.
    hlc: { l: pt, c: 0 },
    pt,
    offsetsSeen: { min: offset, max: offset },
    maxHlcAheadMs: 0,
    events: [],
    known: [],
    concurrentPairs: [],
    chatterLeft: config.chatter?.messages ?? 0,
  };
  if (config.chatter !== null && state.chatterLeft > 0) {
    ctx.setTimer(CHATTER_TIMER, ctx.rng.int(config.chatter.intervalMs.min, config.chatter.intervalMs.max));
  }
  return state;
}

interface Persisted {
  lamport: number;
  vc: Record<string, number>;
  hlc: Hlc | null;
  chatterLeft: number;
}

function persistClocks(ctx: Context, state: ClocksState, config: ClocksConfig): void {
  const record: JsonObject = {
    lamport: state.lamport,
    vc: { ...state.vc },
    hlc: config.persistHlc ? { l: state.hlc.l, c: state.hlc.c } : null,
    chatterLeft: state.chatterLeft,
  };
  ctx.persist(CLOCKS_KEY, record);
}

function readPersisted(durable: Durable): Persisted | undefined {
  const value = durable.get(CLOCKS_KEY);
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return value as unknown as Persisted;
}

export function recoverNode(ctx: Context, config: ClocksConfig, durable: Durable): ClocksState {
  const state = { ...initNode(ctx, { ...config, chatter: null }), config };
  const saved = readPersisted(durable);
  if (saved === undefined) {
    ctx.explain(`${ctx.node} restarts with nothing on disk: its clocks start again from zero and its physical clock.`);
    return state;
  }
  state.lamport = saved.lamport;
  state.vc = { ...saved.vc };
  state.chatterLeft = saved.chatterLeft;
  const restored = saved.hlc;
  const before = restored === null ? "its HLC was not saved" : `its HLC was ${formatHlc(restored)}`;
  // The restart is an event of the node's process: it reads the physical clock, so
  // the HLC takes the local-event rule of Figure 5 from whatever survived.
  const previous: Hlc = restored ?? { l: Number.NEGATIVE_INFINITY, c: 0 };
  const pt = readClock(ctx, state);
  const step = hlcLocalOrSend(previous, pt);
  const event = tick(state, config, "restart", "restart", pt, step);
  persistClocks(ctx, state, config);
  ctx.explain(
    `${ctx.node} restarts from disk (Lamport ${saved.lamport}, vector ${vcText(saved.vc, state.nodes)}; ${before}) and reads its physical clock (${pt}): restart event ${event.id} gets HLC ${formatHlc(event.hlc)}.`,
    {
      ...eventFacts(event, step),
      saved: {
        lamport: saved.lamport,
        vc: { ...saved.vc },
        hlc: restored === null ? null : { l: restored.l, c: restored.c },
      },
    },
  );
  if (restored !== null && restored.l > pt) {
    ctx.stateChange(
      `${ctx.node}'s HLC keeps l=${restored.l} from before the crash, ${restored.l - pt} ms ahead of its physical clock: saving it is what keeps its stamps increasing across the restart.`,
      { clockChange: "kept-after-restart", hlc: { ...event.hlc }, pt, aheadMs: restored.l - pt },
    );
  } else if (restored === null) {
    ctx.stateChange(
      `${ctx.node}'s HLC restarts from its physical clock alone at ${formatHlc(event.hlc)}: if a message had pushed l beyond that before the crash, its new events now carry smaller stamps than its old ones.`,
      { clockChange: "reset-after-restart", hlc: { ...event.hlc }, pt },
    );
  }
  if (config.chatter !== null && state.chatterLeft > 0) {
    ctx.setTimer(CHATTER_TIMER, ctx.rng.int(config.chatter.intervalMs.min, config.chatter.intervalMs.max));
  }
  return state;
}

/**
 * Ticks Lamport's clock and the vector clock (merging a received message's first),
 * installs the new HLC, and records the event. IR1: every event increments.
 */
function tick(
  state: ClocksState,
  config: ClocksConfig,
  kind: ClockEventKind,
  text: string,
  pt: number,
  step: HlcStep,
  received?: { from: string; message: AppMessage },
  to?: readonly string[],
): ClockEvent {
  if (received !== undefined) {
    // IR2(b): the receiver's clock goes past the message's timestamp.
    state.lamport = Math.max(state.lamport, received.message.lamport) + 1;
    for (const [name, count] of Object.entries(received.message.vc)) {
      state.vc[name] = Math.max(state.vc[name] ?? 0, count);
    }
  } else {
    state.lamport += 1;
  }
  state.vc[state.node] = (state.vc[state.node] ?? 0) + 1;
  state.hlc = step.next;
  state.pt = pt;
  state.maxHlcAheadMs = Math.max(state.maxHlcAheadMs, state.hlc.l - pt);
  const event: ClockEvent = {
    id: `${state.node}:${state.vc[state.node]}`,
    node: state.node,
    kind,
    text,
    ...(to === undefined ? {} : { to: [...to] }),
    ...(received === undefined ? {} : { from: received.from, of: received.message.id }),
    lamport: state.lamport,
    vc: { ...state.vc },
    hlc: { ...state.hlc },
    pt,
  };
  pushBounded(state.events, event, config.historyLimit);
  return event;
}

/** Adds an application event to what the node knows, in Lamport order, and returns the known events concurrent with it. */
function learn(state: ClocksState, config: ClocksConfig, event: KnownEvent): KnownEvent[] {
  if (state.known.some((known) => known.id === event.id)) return [];
  const concurrent = state.known.filter((known) => compareVectorClocks(known.vc, event.vc) === "CONCURRENT");
  let index = state.known.length;
  while (index > 0 && lamportOrder(state.nodes, state.known[index - 1] as KnownEvent, event) > 0) index -= 1;
  state.known.splice(index, 0, event);
  if (state.known.length > config.historyLimit) state.known.splice(0, state.known.length - config.historyLimit);
  for (const other of concurrent) {
    const pair: [string, string] =
      lamportOrder(state.nodes, other, event) < 0 ? [other.id, event.id] : [event.id, other.id];
    if (state.concurrentPairs.length < config.historyLimit) state.concurrentPairs.push(pair);
  }
  return concurrent;
}

function knownOf(event: ClockEvent, kind: "local" | "send"): KnownEvent {
  return {
    id: event.id,
    node: event.node,
    kind,
    text: event.text,
    lamport: event.lamport,
    vc: event.vc,
    hlc: event.hlc,
  };
}

/** "a", "a and b", "a, b and c", or a count when the list is long. */
function listIds(events: readonly KnownEvent[]): string {
  const ids = events.map((event) => event.id);
  if (ids.length > 4) return `${ids.length} events it knows`;
  if (ids.length === 1) return ids[0] as string;
  return `${ids.slice(0, -1).join(", ")} and ${ids.at(-1) as string}`;
}

function describeKnown(event: KnownEvent, nodes: readonly string[]): string {
  return `${event.id} "${event.text}" (Lamport ${event.lamport}, vector ${vcText(event.vc, nodes)})`;
}

/** Says how the HLC moved at a local or send event, in the words of Figure 5. */
function explainLocalRule(before: Hlc, pt: number, step: HlcStep): string {
  if (step.rule === "physical") {
    return `its physical clock (${pt}) is past l=${before.l}, so l = pt and c = 0`;
  }
  return `its physical clock (${pt}) has not passed l=${before.l}, so l stays and c counts up to ${step.next.c}`;
}

/** A STATE_CHANGE when the HLC returns to physical time after running ahead of it. */
function noteCatchUp(
  ctx: Context,
  state: ClocksState,
  before: Hlc,
  previousPt: number,
  step: HlcStep,
  pt: number,
): void {
  if (step.rule === "physical" && before.l > previousPt) {
    ctx.stateChange(
      `${ctx.node}'s physical clock (${pt}) has caught up with its HLC (l was ${before.l}): l follows physical time again and c resets to 0.`,
      { clockChange: "caught-up", hlc: { ...state.hlc }, pt, previousL: before.l },
    );
  }
}

function localEvent(ctx: Context, state: ClocksState, config: ClocksConfig, text: string): ClockEvent {
  const before = state.hlc;
  const previousPt = state.pt;
  const pt = readClock(ctx, state);
  const step = hlcLocalOrSend(before, pt);
  const event = tick(state, config, "local", text, pt, step);
  learn(state, config, knownOf(event, "local"));
  persistClocks(ctx, state, config);
  ctx.explain(
    `${ctx.node} records local event ${event.id} "${text}": Lamport ${event.lamport}, vector ${vcText(event.vc, state.nodes)}, HLC ${formatHlc(event.hlc)} (${explainLocalRule(before, pt, step)}).`,
    { ...eventFacts(event, step), text, hlcBefore: { l: before.l, c: before.c } },
  );
  noteCatchUp(ctx, state, before, previousPt, step, pt);
  return event;
}

function sendEvent(
  ctx: Context,
  state: ClocksState,
  config: ClocksConfig,
  to: readonly string[],
  text: string,
  why: string,
): ClockEvent {
  const before = state.hlc;
  const previousPt = state.pt;
  const pt = readClock(ctx, state);
  const step = hlcLocalOrSend(before, pt);
  const event = tick(state, config, "send", text, pt, step, undefined, to);
  learn(state, config, knownOf(event, "send"));
  persistClocks(ctx, state, config);
  const message: AppMessage = {
    type: "APP",
    id: event.id,
    text,
    lamport: event.lamport,
    vc: { ...event.vc },
    l: event.hlc.l,
    c: event.hlc.c,
    pt,
    offsetMin: state.offsetsSeen.min,
    offsetMax: state.offsetsSeen.max,
  };
  ctx.explain(`${why} Send event ${event.id}: ${explainLocalRule(before, pt, step)}.`, {
    ...eventFacts(event, step),
    text,
    to: [...to],
    hlcBefore: { l: before.l, c: before.c },
  });
  for (const peer of to) {
    ctx.send(
      peer,
      message,
      `${ctx.node} sends "${text}" to ${peer}, stamped Lamport ${event.lamport}, vector ${vcText(event.vc, state.nodes)}, HLC ${formatHlc(event.hlc)}.`,
    );
  }
  noteCatchUp(ctx, state, before, previousPt, step, pt);
  return event;
}

function isAppMessage(message: Message): message is Message & AppMessage {
  return (
    message.type === "APP" &&
    typeof message["id"] === "string" &&
    typeof message["lamport"] === "number" &&
    typeof message["l"] === "number" &&
    typeof message["c"] === "number" &&
    typeof message["vc"] === "object" &&
    message["vc"] !== null
  );
}

export function onMessage(
  ctx: Context,
  state: ClocksState,
  config: ClocksConfig,
  from: string,
  message: Message,
): void {
  if (!isAppMessage(message)) {
    ctx.explain(`${ctx.node} ignores a ${message.type} message it does not understand.`);
    return;
  }
  const before = state.hlc;
  const previousPt = state.pt;
  const pt = readClock(ctx, state);
  state.offsetsSeen.min = Math.min(state.offsetsSeen.min, message.offsetMin);
  state.offsetsSeen.max = Math.max(state.offsetsSeen.max, message.offsetMax);
  const stamp: Hlc = { l: message.l, c: message.c };
  const lamportBefore = state.lamport;
  const step = hlcReceive(before, stamp, pt);
  const event = tick(state, config, "receive", message.text, pt, step, { from, message });
  const sent: KnownEvent = {
    id: message.id,
    node: from,
    kind: "send",
    text: message.text,
    lamport: message.lamport,
    vc: { ...message.vc },
    hlc: stamp,
  };
  const alreadyKnown = state.known.some((known) => known.id === sent.id);
  const earlier = state.known.filter((known) => compareVectorClocks(known.vc, sent.vc) === "BEFORE");
  const concurrent = learn(state, config, sent);
  persistClocks(ctx, state, config);
  const relation = alreadyKnown
    ? `; ${ctx.node} already knew ${sent.id} (a duplicate)`
    : `${earlier.length === 0 ? "" : `; by vector clocks it comes after ${listIds(earlier)}`}${concurrent.length === 0 ? "" : `; it is concurrent with ${listIds(concurrent)}`}`;

  const rule = {
    tie: `l = l' = l_m = ${step.next.l}, so c = max(${before.c}, ${stamp.c}) + 1`,
    local: `l' = ${before.l} is the largest of l', l_m=${stamp.l} and pt=${pt}, so l stays and c = ${before.c} + 1`,
    message: `l_m = ${stamp.l} is the largest of l'=${before.l}, l_m and pt=${pt}, so l = l_m and c = c_m + 1 = ${step.next.c}`,
    physical: `pt = ${pt} is past both l'=${before.l} and l_m=${stamp.l}, so l = pt and c = 0`,
  }[step.rule];
  ctx.explain(
    `${ctx.node} receives "${message.text}" (${message.id}) from ${from}: Lamport max(${lamportBefore}, ${message.lamport}) + 1 = ${event.lamport}; vector ${vcText(event.vc, state.nodes)}; HLC ${formatHlc(event.hlc)} because ${rule}${relation}.`,
    {
      ...eventFacts(event, step),
      of: message.id,
      lamportBefore,
      messageLamport: message.lamport,
      hlcBefore: { l: before.l, c: before.c },
      messageHlc: { l: stamp.l, c: stamp.c },
      duplicate: alreadyKnown,
      after: earlier.map((known) => known.id),
      concurrentWith: concurrent.map((known) => known.id),
    },
  );

  if (step.rule === "message" && stamp.l > pt) {
    const source =
      message.pt === stamp.l
        ? `${from}'s own clock read ${stamp.l} when it sent, before the message travelled, so ${from}'s clock runs at least ${stamp.l - pt} ms ahead of ${ctx.node}'s`
        : `${from} had itself taken that time from a message: some clock ${from} heard of runs ahead`;
    ctx.stateChange(
      `${ctx.node}'s HLC jumps to l=${stamp.l} from ${from}'s message, ${stamp.l - pt} ms ahead of its own physical clock (${pt}): ${source}.`,
      { clockChange: "jump", hlc: { ...state.hlc }, pt, aheadMs: stamp.l - pt, from },
    );
  } else {
    noteCatchUp(ctx, state, before, previousPt, step, pt);
  }

  if (config.noteConcurrency && concurrent.length > 0) {
    // The pair to spell out: the earliest concurrent event in Lamport's order.
    const other = concurrent[0] as KnownEvent;
    const [first, second] = lamportOrder(state.nodes, other, sent) < 0 ? [other, sent] : [sent, other];
    const why =
      first.lamport === second.lamport
        ? `both have Lamport ${first.lamport} and the tie goes to ${first.node} by node order`
        : `its Lamport timestamp ${first.lamport} is smaller than ${second.lamport}`;
    const others =
      concurrent.length === 1
        ? ""
        : ` (${sent.id} is concurrent with ${concurrent.length} events ${ctx.node} knows: ${concurrent.map((event) => event.id).join(", ")})`;
    ctx.note(
      `${describeKnown(first, state.nodes)} and ${describeKnown(second, state.nodes)} are concurrent, as neither vector is ≤ the other${others}; Lamport's total order puts ${first.id} first only because ${why}, not because one caused the other.`,
      { concurrent: concurrent.map((event) => event.id), with: sent.id, first: first.id, second: second.id },
    );
  }
}

export function onTimer(ctx: Context, state: ClocksState, config: ClocksConfig, timer: TimerFired): void {
  if (timer.name !== CHATTER_TIMER || config.chatter === null || state.chatterLeft <= 0) {
    ctx.explain(`${ctx.node}'s ${timer.name} timer fires, but it has no chatter left to send.`);
    return;
  }
  const peers = state.nodes.filter((node) => node !== state.node);
  if (peers.length === 0) {
    ctx.explain(`${ctx.node} has no peer to chatter with.`);
    return;
  }
  const peer = peers[ctx.rng.int(0, peers.length - 1)] as string;
  const number = (config.chatter.messages - state.chatterLeft + 1).toString();
  state.chatterLeft -= 1;
  sendEvent(
    ctx,
    state,
    config,
    [peer],
    `chat ${number} from ${state.node}`,
    `${ctx.node}'s chatter timer fires: it sends message ${number} of ${config.chatter.messages} to ${peer}, picked at random.`,
  );
  if (state.chatterLeft > 0) {
    ctx.setTimer(CHATTER_TIMER, ctx.rng.int(config.chatter.intervalMs.min, config.chatter.intervalMs.max));
  }
}

function receivers(args: JsonObject, state: ClocksState): string[] | string {
  const to: Json | undefined = args["to"];
  const list = typeof to === "string" ? [to] : Array.isArray(to) ? to : undefined;
  if (list === undefined || list.length === 0) return "args.to must be a node name or a non-empty list of node names";
  const names: string[] = [];
  for (const item of list) {
    if (typeof item !== "string" || !state.nodes.includes(item)) {
      return `args.to: ${JSON.stringify(item)} is not one of the scenario's nodes (${state.nodes.join(", ")})`;
    }
    if (item === state.node) return `args.to: ${state.node} cannot send to itself`;
    if (!names.includes(item)) names.push(item);
  }
  return names;
}

/** The facts an event's sentence states, for its data: id, kind, the three stamps, pt and the HLC rule (Figure 5's case). */
function eventFacts(event: ClockEvent, step: HlcStep): JsonObject {
  return {
    event: event.id,
    eventKind: event.kind,
    lamport: event.lamport,
    vc: { ...event.vc },
    hlc: { l: event.hlc.l, c: event.hlc.c },
    pt: event.pt,
    hlcRule: step.rule,
  };
}

function stamps(event: ClockEvent): JsonObject {
  return {
    ok: true,
    event: event.id,
    lamport: event.lamport,
    vc: { ...event.vc },
    hlc: { l: event.hlc.l, c: event.hlc.c },
    pt: event.pt,
  };
}

export function onClientRequest(ctx: Context, state: ClocksState, config: ClocksConfig, request: ClientRequest): void {
  const rawText = request.args["text"];
  const text = typeof rawText === "string" ? rawText : rawText === undefined ? request.op : JSON.stringify(rawText);
  if (request.op === "local") {
    const event = localEvent(ctx, state, config, text);
    ctx.reply(request.id, stamps(event), `${ctx.node} has recorded "${text}" as ${event.id}.`);
    return;
  }
  if (request.op === "send") {
    const to = receivers(request.args, state);
    if (typeof to === "string") {
      ctx.explain(`${ctx.node} cannot send: ${to}.`);
      ctx.reply(request.id, { ok: false, error: to }, `${ctx.node} refuses the send: ${to}.`);
      return;
    }
    const event = sendEvent(
      ctx,
      state,
      config,
      to,
      text,
      `A client asks ${ctx.node} to send "${text}" to ${to.join(", ")}.`,
    );
    ctx.reply(request.id, stamps(event), `${ctx.node} has sent "${text}" as ${event.id}.`);
    return;
  }
  ctx.explain(`${ctx.node} does not know the operation ${request.op}.`);
  ctx.reply(
    request.id,
    { ok: false, error: `unknown operation ${request.op}; use send or local` },
    `${ctx.node} refuses ${request.op}.`,
  );
}

export function view(state: ClocksState): JsonObject {
  const known: JsonObject = {};
  for (const event of state.known) {
    known[event.id] = {
      node: event.node,
      kind: event.kind,
      text: event.text,
      lamport: event.lamport,
      vc: { ...event.vc },
      hlc: { l: event.hlc.l, c: event.hlc.c },
    };
  }
  return {
    lamport: state.lamport,
    vectorClock: { ...state.vc },
    hlc: { l: state.hlc.l, c: state.hlc.c },
    physicalClock: state.pt,
    hlcAheadMs: state.hlc.l - state.pt,
    maxHlcAheadMs: state.maxHlcAheadMs,
    offsetsSeenMs: { min: state.offsetsSeen.min, max: state.offsetsSeen.max },
    lamportOrder: state.known.map((event) => event.id),
    known,
    concurrentPairs: state.concurrentPairs.map(([a, b]) => [a, b]),
    events: state.events.map((event) => ({
      id: event.id,
      kind: event.kind,
      text: event.text,
      ...(event.to === undefined ? {} : { to: [...event.to] }),
      ...(event.from === undefined ? {} : { from: event.from }),
      ...(event.of === undefined ? {} : { of: event.of }),
      lamport: event.lamport,
      vc: { ...event.vc },
      hlc: { l: event.hlc.l, c: event.hlc.c },
      pt: event.pt,
    })),
    chatterLeft: state.chatterLeft,
  };
}

export function describeMessage(message: Message): string {
  if (!isAppMessage(message)) return message.type;
  return `APP ${message.id} "${message.text}"`;
}

/** Compares two events' HLC stamps; exported for checkers and tests. */
export { compareHlc };
