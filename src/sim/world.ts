import { canonicalJson, cloneJson, type Json, type JsonObject } from "./json";
import { eventMatches } from "./predicate";
import { Rng } from "./rng";
import { Scheduler } from "./scheduler";
import { hasEveryEventField, TraceHasher } from "./trace-hash";
import type { EventPredicate, FaultAction, SimulationSpec, TriggerSpec, WorkloadSpec } from "./spec";
import {
  NETWORK_NODE,
  type Checker,
  type CheckerStep,
  type CheckerViolation,
  type ClientRequest,
  type Context,
  type Durable,
  type EventKind,
  type Message,
  type Protocol,
  type StopReason,
  type TraceEvent,
  type Violation,
} from "./types";

/** A link's delay, loss and duplication as the scenario sets them. */
interface BaseLink {
  readonly delay: { readonly min: number; readonly max: number };
  readonly drop: number;
  readonly duplicate: number;
}

/** What the scheduler holds. */
type QueueItem =
  | {
      readonly type: "deliver";
      readonly messageId: number;
      readonly from: string;
      readonly to: string;
      readonly message: Message;
      readonly lamport: number;
      readonly vclock: Readonly<Record<string, number>>;
      readonly duplicate: boolean;
    }
  | {
      readonly type: "timer";
      readonly node: string;
      readonly name: string;
      readonly timerId: number;
      readonly payload: Json;
    }
  | {
      readonly type: "client";
      readonly request: ClientRequest;
      readonly node: string;
      readonly workload: WorkloadSpec;
      readonly attempt: number;
    }
  | { readonly type: "callback"; readonly id: number };

type DeliverItem = Extract<QueueItem, { type: "deliver" }>;

export interface SimulationOptions {
  /** Keep every event in memory (default true). Turn off for huge runs that stream through onEvent. */
  readonly keepEvents?: boolean;
  /** Called for every event as it is recorded. */
  readonly onEvent?: (event: TraceEvent) => void;
  /** Stop right after the event with this seq has been recorded and its step has finished. */
  readonly stopAtSeq?: number;
  /**
   * Called after the nodes start and after every step that recorded events, with the
   * seq of the last event so far and lazy readers of the state at that point (what a
   * stopAtSeq replay to any seq of the step would show), so that one replay can serve
   * many snapshots (src/explore/timeline.ts).
   */
  readonly onStep?: (lastSeq: number, reader: StepReader) => void;
}

/** A timer a node has set and not yet seen fire or cancelled: its virtual-time deadline. */
export interface TimerView {
  readonly node: string;
  readonly name: string;
  readonly deadline: number;
}

/** What onStep can read of the world between steps (read only; each call copies). */
export interface StepReader {
  views(): NodeView[];
  timers(): TimerView[];
}

export interface NodeView {
  readonly node: string;
  readonly up: boolean;
  readonly state: JsonObject | null;
}

export interface SimulationResult {
  readonly events: readonly TraceEvent[];
  readonly eventCount: number;
  readonly traceHash: string;
  readonly violations: readonly Violation[];
  readonly stopReason: StopReason;
  /** A sentence that says why the run stopped. */
  readonly stopMessage: string;
  readonly endTime: number;
  readonly nodes: readonly NodeView[];
  /** Client requests that were invoked and never answered. */
  readonly pendingRequests: readonly string[];
}

interface NodeRecord<State> {
  readonly name: string;
  up: boolean;
  /** Bumped on every crash: timers and contexts of an older incarnation are dead. */
  incarnation: number;
  state: State | undefined;
  durable: Map<string, Json>;
  timers: Map<string, number>;
  /** Each set timer's deadline, by timer id (read only through onStep; stale ids are ignored). */
  deadlines: Map<number, number>;
  lamport: number;
  vclock: Record<string, number>;
  clockOffset: number;
  clockDrift: number;
  rng: Rng;
  ctx: Context | undefined;
}

interface PendingTrigger {
  readonly predicate: EventPredicate;
  seen: number;
  readonly fire: () => void;
  readonly after: number;
}

/**
 * One run of one protocol on one scenario. All time is virtual, all randomness
 * comes from the seed, and every effect is an event in the trace, so the same
 * spec and seed always give the same trace hash.
 */
export class Simulation<Config, State> {
  private readonly scheduler = new Scheduler<QueueItem>();
  private readonly nodes = new Map<string, NodeRecord<State>>();
  private readonly networkRng: Rng;
  private readonly hasher = new TraceHasher(canonicalEventLine);
  private readonly events: TraceEvent[] = [];
  private readonly violations: Violation[] = [];
  private readonly checkers: Checker<State>[];
  private readonly triggers: PendingTrigger[] = [];
  private readonly openRequests = new Map<
    string,
    { node: string; op: string; workload: WorkloadSpec; attempt: number }
  >();
  private readonly linkLastDelivery = new Map<string, number>();
  private readonly held: DeliverItem[] = [];
  /** Nodes whose state may have changed since the checkers last looked. */
  private changed = new Set<string>();
  /** Events recorded since the checkers last looked (kept only when there are checkers). */
  private stepEvents: TraceEvent[] = [];

  private now = 0;
  private seq = 0;
  private nextMessageId = 1;
  private nextTimerId = 1;
  private nextRequestId = 1;
  private networkLamport = 0;
  /** The event the running handler reacts to, which ctx.explain() rewrites. */
  private handlingEvent: { index: number; event: TraceEvent } | undefined;
  private stopped = false;

  // Network faults in force: all cleared by heal.
  private partitionGroup = new Map<string, number>();
  private readonly cutLinks = new Set<string>();
  private readonly linkDrop = new Map<string, number>();
  private readonly linkDuplicate = new Map<string, number>();
  private readonly linkDelay = new Map<string, { min: number; max: number }>();
  private readonly ignored: { message: string; node?: string }[] = [];

  constructor(
    private readonly protocol: Protocol<Config, State>,
    private readonly config: Config,
    private readonly spec: SimulationSpec,
    private readonly options: SimulationOptions = {},
  ) {
    if (spec.nodes.length === 0) throw new Error("Simulation: a scenario needs at least one node");
    this.networkRng = new Rng(spec.seed, "network");
    for (const name of spec.nodes) {
      const clock = spec.clocks[name];
      this.nodes.set(name, {
        name,
        up: true,
        incarnation: 0,
        state: undefined,
        durable: new Map(),
        timers: new Map(),
        deadlines: new Map(),
        lamport: 0,
        vclock: {},
        clockOffset: clock?.offset ?? 0,
        clockDrift: clock?.drift ?? 0,
        rng: new Rng(spec.seed, `node:${name}`),
        ctx: undefined,
      });
    }
    this.checkers = protocol.checkers(config);
  }

  /** Runs to quiescence or a limit, and returns the trace. */
  run(): SimulationResult {
    const limits = this.spec.limits;
    for (const node of this.nodes.values()) {
      const ctx = this.contextFor(node);
      node.ctx = ctx;
      node.state = this.protocol.init(ctx, this.config);
      this.changed.add(node.name);
      this.checkerMaps = undefined;
    }
    for (const item of this.spec.workload) this.arm(item.trigger, () => this.scheduleClient(item));
    for (const fault of this.spec.faults) this.arm(fault.trigger, () => this.applyFault(fault.action));
    const reader: StepReader = { views: () => this.views(), timers: () => this.timerViews() };
    if (this.options.onStep !== undefined && this.seq > 0) this.options.onStep(this.seq - 1, reader);
    let stopReason: StopReason = "quiescent";
    let stopMessage = "the run stopped because nothing was left to happen: no message in flight, no timer set";
    for (;;) {
      if (this.options.stopAtSeq !== undefined && this.seq > this.options.stopAtSeq) {
        stopReason = "stopAtSeq";
        stopMessage = `the replay stopped after event ${this.options.stopAtSeq}`;
        break;
      }
      if (this.seq >= limits.maxEvents) {
        stopReason = "maxEvents";
        stopMessage = `the run stopped at the scenario's limit of ${limits.maxEvents} events (limits.maxEvents), with ${this.scheduler.size} things still scheduled`;
        break;
      }
      const next = this.scheduler.peek();
      if (next === undefined) break;
      if (this.isStale(next.item)) {
        // A cancelled or superseded timer, or one of a crashed incarnation: it
        // neither advances time nor keeps the run alive.
        this.scheduler.pop();
        continue;
      }
      if (next.time > limits.maxTime) {
        stopReason = "maxTime";
        stopMessage = `the run stopped at the scenario's time limit of ${limits.maxTime} ms (limits.maxTime), with ${this.scheduler.size} things still scheduled`;
        break;
      }
      this.scheduler.pop();
      this.now = next.time;
      const stepStart = this.seq;
      this.step(next.item);
      if (this.seq > stepStart) {
        this.runCheckers(false);
        this.options.onStep?.(this.seq - 1, reader);
      }
    }
    this.stopped = true;
    if (stopReason !== "stopAtSeq") {
      this.runCheckers(true);
      this.record(NETWORK_NODE, "NOTE", capitalize(stopMessage) + ".", { stopReason }, this.networkClock());
    }
    this.flushHash();
    return {
      events: this.events,
      eventCount: this.seq,
      traceHash: this.digest(),
      violations: this.violations,
      stopReason,
      stopMessage,
      endTime: this.now,
      nodes: this.views(),
      pendingRequests: [...this.openRequests.keys()],
    };
  }

  views(): NodeView[] {
    return [...this.nodes.values()].map((node) => ({
      node: node.name,
      up: node.up,
      state: node.up && node.state !== undefined ? cloneJson(this.protocol.view(node.state)) : null,
    }));
  }

  private timerViews(): TimerView[] {
    const timers: TimerView[] = [];
    for (const node of this.nodes.values()) {
      for (const [name, id] of node.timers) {
        const deadline = node.deadlines.get(id);
        if (deadline !== undefined) timers.push({ node: node.name, name, deadline });
      }
    }
    return timers;
  }

  // ---------------------------------------------------------------- steps

  private isStale(item: QueueItem): boolean {
    if (item.type !== "timer") return false;
    const node = this.node(item.node);
    return !node.up || node.timers.get(item.name) !== item.timerId;
  }

  private step(item: QueueItem): void {
    switch (item.type) {
      case "deliver":
        this.deliver(item);
        return;
      case "timer":
        this.fireTimer(item);
        return;
      case "client":
        this.invokeClient(item);
        return;
      case "callback": {
        const callback = this.callbacks.get(item.id);
        this.callbacks.delete(item.id);
        callback?.();
        return;
      }
    }
  }

  private deliver(item: DeliverItem): void {
    const to = this.node(item.to);
    const label = this.describe(item.message);
    const data = { from: item.from, to: item.to, message: item.message as JsonObject, messageId: item.messageId };
    if (this.isBlocked(item.from, item.to)) {
      if (this.spec.network.partitionInFlight === "hold" && !this.cutLinks.has(linkKey(item.from, item.to))) {
        this.held.push(item);
        return;
      }
      this.recordObserved(
        item.to,
        "DROP",
        `${label} from ${item.from} to ${item.to} is lost: a partition cut the link while it was in flight.`,
        data,
        item,
      );
      return;
    }
    if (!to.up) {
      this.recordObserved(item.to, "DROP", `${label} from ${item.from} is lost: ${item.to} is down.`, data, item);
      return;
    }
    if (
      this.ignored.length > 0 &&
      this.ignored.some(
        (rule) => rule.message === item.message.type && (rule.node === undefined || rule.node === item.to),
      )
    ) {
      this.recordObserved(
        item.to,
        "DROP",
        `${label} from ${item.from} to ${item.to} is discarded by an ignore fault for ${item.message.type}.`,
        data,
        item,
      );
      return;
    }
    to.lamport = Math.max(to.lamport, item.lamport) + 1;
    for (const name in item.vclock) {
      to.vclock[name] = Math.max(to.vclock[name] ?? 0, item.vclock[name] as number);
    }
    to.vclock[to.name] = (to.vclock[to.name] ?? 0) + 1;
    const event = this.record(to.name, "DELIVER", `${item.to} receives ${label} from ${item.from}.`, data, {
      lamport: to.lamport,
      vclock: { ...to.vclock },
    });
    this.handle(to, event, (ctx, state) => this.protocol.onMessage(ctx, state, item.from, item.message));
  }

  private fireTimer(item: Extract<QueueItem, { type: "timer" }>): void {
    const node = this.node(item.node);
    if (!node.up || node.timers.get(item.name) !== item.timerId) return;
    node.timers.delete(item.name);
    const event = this.recordLocal(node, "TIMER", `${node.name}'s ${item.name} timer fires.`, {
      timer: item.name,
      payload: item.payload,
    });
    this.handle(node, event, (ctx, state) =>
      this.protocol.onTimer(ctx, state, { name: item.name, payload: item.payload }),
    );
  }

  private invokeClient(item: Extract<QueueItem, { type: "client" }>): void {
    const node = this.node(item.node);
    const { request } = item;
    const event = this.recordLocal(
      node,
      "CLIENT_INVOKE",
      `A client asks ${node.name} to ${request.op} ${canonicalJson(request.args)}.`,
      {
        request: request.id,
        op: request.op,
        args: request.args,
        attempt: item.attempt,
      },
    );
    if (!node.up) {
      this.record(
        node.name,
        "CLIENT_RETURN",
        `${node.name} is down, so the client's ${request.op} fails.`,
        {
          request: request.id,
          op: request.op,
          result: { ok: false, error: "unavailable: node is down" },
        },
        { lamport: node.lamport, vclock: { ...node.vclock } },
      );
      return;
    }
    this.openRequests.set(request.id, {
      node: node.name,
      op: request.op,
      workload: item.workload,
      attempt: item.attempt,
    });
    this.handle(node, event, (ctx, state) => this.protocol.onClientRequest(ctx, state, request));
  }

  /** Runs one handler with the node's live context; a crash inside it silences the rest of the handler. */
  private handle(node: NodeRecord<State>, event: TraceEvent, body: (ctx: Context, state: State) => void): void {
    this.changed.add(node.name);
    if (!node.up || node.state === undefined || node.ctx === undefined) return;
    const previous = this.handlingEvent;
    this.handlingEvent = { index: this.events.length - 1, event };
    try {
      body(node.ctx, node.state);
    } finally {
      this.handlingEvent = previous;
    }
  }

  // ---------------------------------------------------------------- clients

  /** A workload item whose trigger fired: the client's request reaches its node now. */
  private scheduleClient(workload: WorkloadSpec): void {
    const request: ClientRequest = { id: `r${this.nextRequestId++}`, op: workload.op, args: workload.args };
    this.invokeClient({ type: "client", request, node: workload.node, workload, attempt: 0 });
  }

  private scheduleRedirect(workload: WorkloadSpec, attempt: number, node: string, requestId: string): void {
    const target: WorkloadSpec = { ...workload, node };
    const base = requestId.split(".")[0] as string;
    const request: ClientRequest = { id: `${base}.${attempt + 1}`, op: workload.op, args: workload.args };
    this.scheduler.schedule(this.now + 1, { type: "client", request, node, workload: target, attempt: attempt + 1 });
  }

  // ---------------------------------------------------------------- faults and triggers

  private arm(trigger: TriggerSpec, fire: () => void): void {
    if (trigger.type === "at") this.scheduleCallback(trigger.at, fire);
    else this.triggers.push({ predicate: trigger.when, seen: 0, fire, after: trigger.after });
  }

  private checkTriggers(event: TraceEvent): void {
    if (this.triggers.length === 0 || this.stopped) return;
    for (let i = 0; i < this.triggers.length; i++) {
      const trigger = this.triggers[i] as PendingTrigger;
      if (!eventMatches(trigger.predicate, event)) continue;
      trigger.seen += 1;
      if (trigger.seen < trigger.predicate.count) continue;
      this.triggers.splice(i, 1);
      i -= 1;
      // With after: 0 the action happens inside the step that recorded the event, so
      // "crash when the coordinator has received the third vote" is exact.
      if (trigger.after === 0) trigger.fire();
      else this.scheduleCallback(this.now + trigger.after, trigger.fire);
    }
  }

  private readonly callbacks = new Map<number, () => void>();
  private nextCallbackId = 1;
  private scheduleCallback(at: number, fire: () => void): void {
    const id = this.nextCallbackId++;
    this.callbacks.set(id, fire);
    this.scheduler.schedule(at, { type: "callback", id });
  }

  private applyFault(action: FaultAction): void {
    switch (action.do) {
      case "crash":
        this.crash(action.node);
        return;
      case "recover":
        this.recover(action.node);
        return;
      case "partition":
        this.partition(action.groups);
        return;
      case "isolate": {
        const rest = this.spec.nodes.filter((name) => name !== action.node);
        this.partition([[action.node], rest]);
        return;
      }
      case "heal":
        this.heal();
        return;
      case "cut":
        this.cutLinks.add(linkKey(action.from, action.to));
        this.networkEvent(
          "PARTITION",
          `The link from ${action.from} to ${action.to} is cut: messages that way are lost, the other direction still works.`,
          { cut: { from: action.from, to: action.to } },
        );
        return;
      case "drop":
        for (const key of this.linksMatching(action.from, action.to)) this.linkDrop.set(key, action.probability);
        this.networkEvent(
          "NOTE",
          `Messages ${linkPhrase(action.from, action.to)} are now lost with probability ${action.probability}.`,
          { drop: action as unknown as JsonObject },
        );
        return;
      case "duplicate":
        for (const key of this.linksMatching(action.from, action.to)) this.linkDuplicate.set(key, action.probability);
        this.networkEvent(
          "NOTE",
          `Messages ${linkPhrase(action.from, action.to)} are now duplicated with probability ${action.probability}.`,
          { duplicate: action as unknown as JsonObject },
        );
        return;
      case "delay":
        for (const key of this.linksMatching(action.from, action.to))
          this.linkDelay.set(key, { min: action.min, max: action.max });
        this.networkEvent(
          "NOTE",
          `Messages ${linkPhrase(action.from, action.to)} now take ${action.min}-${action.max} ms.`,
          { delay: action as unknown as JsonObject },
        );
        return;
      case "ignore":
        this.ignored.push({ message: action.message, ...(action.node === undefined ? {} : { node: action.node }) });
        this.networkEvent(
          "NOTE",
          `${action.message} messages${action.node === undefined ? "" : ` to ${action.node}`} are now discarded on arrival.`,
          { ignore: action as unknown as JsonObject },
        );
        return;
      case "clock": {
        const node = this.node(action.node);
        node.clockOffset = action.offset;
        if (action.drift !== undefined) node.clockDrift = action.drift;
        this.recordLocal(
          node,
          "NOTE",
          `${node.name}'s physical clock is set ${action.offset} ms off true time${action.drift === undefined ? "" : ` with drift ${action.drift}`}.`,
          { clock: { offset: action.offset, drift: node.clockDrift } },
        );
        return;
      }
    }
  }

  private crash(name: string): void {
    const node = this.node(name);
    if (!node.up) return;
    this.changed.add(name);
    this.checkerMaps = undefined;
    node.up = false;
    node.incarnation += 1;
    node.state = undefined;
    node.ctx = undefined;
    node.timers.clear();
    node.deadlines.clear();
    this.recordLocal(
      node,
      "CRASH",
      `${name} crashes: its volatile state and timers are lost; only what it persisted survives.`,
      {
        durableKeys: [...node.durable.keys()],
      },
    );
    // Requests it was serving will never be answered by this incarnation.
  }

  private recover(name: string): void {
    const node = this.node(name);
    if (node.up) return;
    this.changed.add(name);
    this.checkerMaps = undefined;
    node.up = true;
    const ctx = this.contextFor(node);
    node.ctx = ctx;
    const durable: Durable = new Map([...node.durable].map(([key, value]) => [key, cloneJson(value)]));
    const event = this.recordLocal(node, "RECOVER", `${name} restarts from its durable storage.`, {
      durableKeys: [...node.durable.keys()],
    });
    const previous = this.handlingEvent;
    this.handlingEvent = { index: this.events.length - 1, event };
    try {
      node.state = this.protocol.recover(ctx, this.config, durable);
    } finally {
      this.handlingEvent = previous;
    }
  }

  private partition(groups: readonly (readonly string[])[]): void {
    this.partitionGroup = new Map();
    groups.forEach((group, index) => group.forEach((name) => this.partitionGroup.set(name, index)));
    const rest = this.spec.nodes.filter((name) => !this.partitionGroup.has(name));
    rest.forEach((name) => this.partitionGroup.set(name, groups.length));
    const all = rest.length > 0 ? [...groups, rest] : groups;
    const text = all.map((group) => `{${group.join(", ")}}`).join(" | ");
    this.networkEvent("PARTITION", `The network splits into ${text}: messages between the groups are lost.`, {
      groups: all.map((group) => [...group]),
    });
  }

  private heal(): void {
    this.partitionGroup = new Map();
    this.cutLinks.clear();
    this.linkDrop.clear();
    this.linkDuplicate.clear();
    this.linkDelay.clear();
    this.ignored.length = 0;
    this.networkEvent(
      "HEAL",
      "The network heals: every node can reach every other, with the scenario's original delays and loss.",
      {
        released: this.held.length,
      },
    );
    const held = this.held.splice(0);
    for (const item of held) this.scheduler.schedule(this.now + this.delayFor(item.from, item.to), item);
  }

  // ---------------------------------------------------------------- network

  private isBlocked(from: string, to: string): boolean {
    if (this.cutLinks.size > 0 && this.cutLinks.has(linkKey(from, to))) return true;
    if (this.partitionGroup.size === 0) return false;
    return this.partitionGroup.get(from) !== this.partitionGroup.get(to);
  }

  private linksMatching(from: string | undefined, to: string | undefined): string[] {
    const keys: string[] = [];
    for (const a of this.spec.nodes) {
      if (from !== undefined && a !== from) continue;
      for (const b of this.spec.nodes) {
        if (a === b || (to !== undefined && b !== to)) continue;
        keys.push(linkKey(a, b));
      }
    }
    return keys;
  }

  /** The scenario's own settings of each link (they never change in a run), by sender and receiver. */
  private readonly baseLinks = new Map<string, Map<string, BaseLink>>();

  private baseLink(from: string, to: string): BaseLink {
    let byReceiver = this.baseLinks.get(from);
    if (byReceiver === undefined) {
      byReceiver = new Map();
      this.baseLinks.set(from, byReceiver);
    }
    let base = byReceiver.get(to);
    if (base === undefined) {
      const network = this.spec.network;
      const link = network.links.find((l) => l.from === from && l.to === to);
      base = {
        delay: link?.delay ?? network.delay,
        drop: link?.drop ?? network.drop,
        duplicate: link?.duplicate ?? network.duplicate,
      };
      byReceiver.set(to, base);
    }
    return base;
  }

  /** A fault's setting for one link, if a fault set one (the link key is only built when some fault is in force). */
  private linkFault<T>(faults: ReadonlyMap<string, T>, from: string, to: string): T | undefined {
    return faults.size === 0 ? undefined : faults.get(linkKey(from, to));
  }

  private delayFor(from: string, to: string): number {
    const delay = this.linkFault(this.linkDelay, from, to) ?? this.baseLink(from, to).delay;
    let at = this.networkRng.int(delay.min, delay.max);
    if (this.spec.network.fifo) {
      const key = linkKey(from, to);
      const last = this.linkLastDelivery.get(key) ?? 0;
      at = Math.max(at, last - this.now);
      this.linkLastDelivery.set(key, this.now + at);
    }
    return at;
  }

  private transmit(sender: NodeRecord<State>, to: string, message: Message, explanation: string): void {
    if (!this.nodes.has(to)) {
      throw new Error(`protocol ${this.protocol.name}: ${sender.name} sent ${message.type} to unknown node "${to}"`);
    }
    sender.lamport += 1;
    sender.vclock[sender.name] = (sender.vclock[sender.name] ?? 0) + 1;
    const messageId = this.nextMessageId++;
    const frozen = cloneJson(message as JsonObject) as Message;
    const label = this.describe(frozen);
    const lamport = sender.lamport;
    const vclock = { ...sender.vclock };
    const data = { from: sender.name, to, message: frozen as JsonObject, messageId };
    this.record(sender.name, "SEND", explanation, data, { lamport, vclock });
    // A trigger on this SEND may have crashed the sender just now: this message is on
    // the wire all the same; the context drops every later effect of the step.
    const base = this.baseLink(sender.name, to);
    const item: DeliverItem = {
      type: "deliver",
      messageId,
      from: sender.name,
      to,
      message: frozen,
      lamport,
      vclock,
      duplicate: false,
    };
    if (this.isBlocked(sender.name, to)) {
      this.recordObserved(
        to,
        "DROP",
        `${label} from ${sender.name} to ${to} is lost: the two are on different sides of a partition.`,
        data,
        item,
      );
      return;
    }
    if (this.networkRng.chance(this.linkFault(this.linkDrop, sender.name, to) ?? base.drop)) {
      this.recordObserved(to, "DROP", `${label} from ${sender.name} to ${to} is lost by the network.`, data, item);
      return;
    }
    this.scheduler.schedule(this.now + this.delayFor(sender.name, to), item);
    if (this.networkRng.chance(this.linkFault(this.linkDuplicate, sender.name, to) ?? base.duplicate)) {
      this.recordObserved(
        to,
        "DUPLICATE",
        `The network duplicates ${label} from ${sender.name} to ${to}: it will arrive twice.`,
        data,
        item,
      );
      this.scheduler.schedule(this.now + this.delayFor(sender.name, to), { ...item, duplicate: true });
    }
  }

  // ---------------------------------------------------------------- context

  private contextFor(node: NodeRecord<State>): Context {
    const incarnation = node.incarnation;
    const alive = (): boolean => node.up && node.incarnation === incarnation && !this.stopped;
    const readNow = (): number => this.now;
    return {
      node: node.name,
      nodes: this.spec.nodes,
      get now(): number {
        return readNow();
      },
      rng: node.rng,
      physicalClock: () => this.physicalClock(node),
      send: (to, message, explanation) => {
        if (alive()) this.transmit(node, to, message, explanation);
      },
      setTimer: (name, delay, payload = null) => {
        if (!alive()) return;
        if (!Number.isInteger(delay) || delay < 0) {
          throw new Error(
            `protocol ${this.protocol.name}: ${node.name} set timer ${name} with delay ${delay}; delays are non-negative integer ticks`,
          );
        }
        const timerId = this.nextTimerId++;
        if (this.options.onStep !== undefined) {
          const replaced = node.timers.get(name);
          if (replaced !== undefined) node.deadlines.delete(replaced);
          node.deadlines.set(timerId, this.now + delay);
        }
        node.timers.set(name, timerId);
        this.scheduler.schedule(this.now + delay, { type: "timer", node: node.name, name, timerId, payload });
      },
      cancelTimer: (name) => {
        if (alive()) node.timers.delete(name);
      },
      reply: (requestId, result, explanation) => {
        if (!alive()) return;
        const open = this.openRequests.get(requestId);
        this.openRequests.delete(requestId);
        this.recordLocal(node, "CLIENT_RETURN", explanation, { request: requestId, op: open?.op ?? null, result });
        const redirect = result["redirect"];
        if (
          open !== undefined &&
          typeof redirect === "string" &&
          this.nodes.has(redirect) &&
          open.attempt < open.workload.followRedirects
        ) {
          this.scheduleRedirect(open.workload, open.attempt, redirect, requestId);
        }
      },
      persist: (key, value) => {
        if (alive()) node.durable.set(key, cloneJson(value));
      },
      note: (explanation, data) => {
        if (alive()) this.recordLocal(node, "NOTE", explanation, data ?? null);
      },
      stateChange: (explanation, data) => {
        if (alive()) this.recordLocal(node, "STATE_CHANGE", explanation, data ?? null);
      },
      explain: (explanation) => {
        if (!alive() || this.handlingEvent === undefined) return;
        this.rewriteSummary(this.handlingEvent.index, explanation);
      },
    };
  }

  private physicalClock(node: NodeRecord<State>): number {
    return this.now + node.clockOffset + Math.floor(this.now * node.clockDrift);
  }

  // ---------------------------------------------------------------- trace

  /** A process event at a node: it ticks the node's Lamport clock and its own vector clock entry. */
  private recordLocal(node: NodeRecord<State>, kind: EventKind, summary: string, data: JsonObject | null): TraceEvent {
    node.lamport += 1;
    node.vclock[node.name] = (node.vclock[node.name] ?? 0) + 1;
    return this.record(node.name, kind, summary, data, { lamport: node.lamport, vclock: { ...node.vclock } });
  }

  /** A network event about a message: it carries the message's clock and ticks no process. */
  private recordObserved(
    node: string,
    kind: EventKind,
    summary: string,
    data: JsonObject,
    item: DeliverItem,
  ): TraceEvent {
    return this.record(node, kind, summary, data, { lamport: item.lamport, vclock: item.vclock });
  }

  private networkEvent(kind: EventKind, summary: string, data: JsonObject): void {
    this.networkLamport += 1;
    this.record(NETWORK_NODE, kind, summary, data, this.networkClock());
  }

  private networkClock(): { lamport: number; vclock: Record<string, number> } {
    return { lamport: this.networkLamport, vclock: { [NETWORK_NODE]: this.networkLamport } };
  }

  /**
   * Events are hashed when the next one is recorded (or at the end), because a
   * handler may still rewrite the summary of the event it is reacting to.
   */
  private pendingHash: number | undefined;
  /** The trace hash of the events hashed so far. */
  private digest(): string {
    return this.hasher.digest();
  }

  private record(
    node: string,
    kind: EventKind,
    summary: string,
    data: JsonObject | null,
    clock: { lamport: number; vclock: Readonly<Record<string, number>> },
  ): TraceEvent {
    this.flushHash();
    const event: TraceEvent = {
      seq: this.seq++,
      time: this.now,
      node,
      kind,
      summary,
      lamport: clock.lamport,
      vclock: clock.vclock,
      data,
    };
    this.events.push(event);
    if (this.checkers.length > 0) this.stepEvents.push(event);
    this.pendingHash = this.events.length - 1;
    this.checkTriggers(event);
    return event;
  }

  private rewriteSummary(index: number, summary: string): void {
    const event = this.events[index];
    if (event === undefined) return;
    if (this.pendingHash !== index) {
      throw new Error(`ctx.explain() came too late: event ${event.seq} was already followed by another event`);
    }
    const rewritten = { ...event, summary };
    this.events[index] = rewritten;
    const last = this.stepEvents.length - 1;
    if (this.stepEvents[last] === event) this.stepEvents[last] = rewritten;
  }

  private flushHash(): void {
    if (this.pendingHash === undefined) return;
    const event = this.events[this.pendingHash] as TraceEvent;
    this.hasher.update(event);
    this.options.onEvent?.(event);
    this.pendingHash = undefined;
    if (this.options.keepEvents === false) this.events.length = 0;
  }

  /** What runCheckers shows the checkers; undefined when a node started, crashed or recovered since. */
  private checkerMaps: { states: Map<string, State>; durable: Map<string, Durable> } | undefined;

  private runCheckers(finishing: boolean): void {
    if (this.checkers.length === 0) return;
    const last = this.events[this.events.length - 1];
    if (last === undefined) return;
    // Which nodes are up, and their state objects, change only on a start, crash or
    // recovery: the maps are built again only then (checkers only read them).
    if (this.checkerMaps === undefined) {
      const states = new Map<string, State>();
      const durable = new Map<string, Durable>();
      for (const node of this.nodes.values()) {
        if (node.up && node.state !== undefined) states.set(node.name, node.state);
        durable.set(node.name, node.durable);
      }
      this.checkerMaps = { states, durable };
    }
    const { states, durable } = this.checkerMaps;
    const step: CheckerStep<State> = {
      event: last,
      time: this.now,
      states,
      durable,
      changed: this.changed,
      events: this.stepEvents,
    };
    this.changed = new Set();
    this.stepEvents = [];
    for (const checker of this.checkers) {
      const found: readonly CheckerViolation[] = finishing ? (checker.finish?.(step) ?? []) : checker.observe(step);
      for (const violation of found) this.reportViolation(checker.invariant, last.seq, violation);
    }
    if (!finishing) return;
    for (const checker of this.checkers) {
      const summary = checker.summary?.(step);
      if (summary !== undefined) {
        this.networkEvent("NOTE", summary.explanation, { invariant: checker.invariant, ...(summary.data ?? {}) });
      }
    }
  }

  private reportViolation(invariant: string, seq: number, violation: CheckerViolation): void {
    this.violations.push({ invariant, seq, message: violation.message });
    const node = violation.node !== undefined ? this.nodes.get(violation.node) : undefined;
    const clock = node !== undefined ? { lamport: node.lamport, vclock: { ...node.vclock } } : this.networkClock();
    this.record(
      violation.node ?? NETWORK_NODE,
      "VIOLATION",
      `${invariant} is violated: ${violation.message}`,
      {
        invariant,
        afterSeq: seq,
        ...(violation.data === undefined ? {} : { details: violation.data }),
      },
      clock,
    );
  }

  private node(name: string): NodeRecord<State> {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`unknown node "${name}"`);
    return node;
  }

  private describe(message: Message): string {
    return this.protocol.describeMessage?.(message) ?? message.type;
  }
}

/**
 * The line of the canonical event log that the trace hash covers: the event as
 * canonical JSON (src/sim/json.ts), then a newline. The event's own keys are always
 * the same eight, so they are written in their sorted order directly; only data and
 * vclock go through canonicalJson. An event missing one of them (never made by the
 * core) takes the general path, which leaves the key out.
 */
export function canonicalEventLine(event: TraceEvent): string {
  const { data, kind, lamport, node, seq, summary, time, vclock } = event;
  if (!hasEveryEventField(event)) {
    return canonicalJson({ seq, time, node, kind, summary, lamport, vclock: vclock as JsonObject, data }) + "\n";
  }
  return (
    '{"data":' +
    canonicalJson(data) +
    ',"kind":' +
    canonicalJson(kind) +
    ',"lamport":' +
    canonicalJson(lamport) +
    ',"node":' +
    canonicalJson(node) +
    ',"seq":' +
    canonicalJson(seq) +
    ',"summary":' +
    canonicalJson(summary) +
    ',"time":' +
    canonicalJson(time) +
    ',"vclock":' +
    canonicalJson(vclock as JsonObject) +
    "}\n"
  );
}

/** The trace hash of a whole event list, for checking a stored trace against its recorded hash. */
export function hashEvents(events: Iterable<TraceEvent>): string {
  const hasher = new TraceHasher(canonicalEventLine);
  for (const event of events) hasher.update(event);
  return hasher.digest();
}

function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

function linkPhrase(from: string | undefined, to: string | undefined): string {
  if (from === undefined && to === undefined) return "on every link";
  if (from === undefined) return `to ${to}`;
  if (to === undefined) return `from ${from}`;
  return `from ${from} to ${to}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
