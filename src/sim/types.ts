import type { Json, JsonObject } from "./json";
import type { Rng } from "./rng";

/** The kinds of trace event, exactly the EventKind enum of the API contract. */
export const EVENT_KINDS = [
  "SEND",
  "DELIVER",
  "DROP",
  "DUPLICATE",
  "TIMER",
  "CRASH",
  "RECOVER",
  "PARTITION",
  "HEAL",
  "CLIENT_INVOKE",
  "CLIENT_RETURN",
  "STATE_CHANGE",
  "NOTE",
  "VIOLATION",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The node name used for events that belong to the network as a whole (PARTITION, HEAL). */
export const NETWORK_NODE = "network";

/** One step of a run, as stored and served. */
export interface TraceEvent {
  readonly seq: number;
  readonly time: number;
  readonly node: string;
  readonly kind: EventKind;
  /** One plain-English sentence that explains the event to a learner. */
  readonly summary: string;
  readonly lamport: number;
  readonly vclock: Readonly<Record<string, number>>;
  readonly data: JsonObject | null;
}

/** A protocol message. `type` is what fault predicates and the trace name it by (PREPARE, VOTE_YES...). */
export interface Message {
  readonly type: string;
  readonly [field: string]: Json;
}

export interface ClientRequest {
  /** Unique within the run: "r1", "r2", ... in workload order. */
  readonly id: string;
  readonly op: string;
  readonly args: JsonObject;
}

/** What a protocol can do: the only way it affects the world (etcd raft's Ready, made synchronous). */
export interface Context {
  readonly node: string;
  /** Every node of the scenario, in scenario order. */
  readonly nodes: readonly string[];
  /** Virtual time in ticks (1 tick = 1 simulated millisecond). */
  readonly now: number;
  /** This node's stream of the run's PRNG. */
  readonly rng: Rng;
  /** This node's physical clock reading: virtual time skewed by the node's offset and drift. */
  physicalClock(): number;
  send(to: string, message: Message, explanation: string): void;
  /** Starts (or restarts) the timer with this name; it fires after delay ticks unless cancelled. */
  setTimer(name: string, delay: number, payload?: Json): void;
  cancelTimer(name: string): void;
  /** Answers a client request (a CLIENT_RETURN event). */
  reply(requestId: string, result: JsonObject, explanation: string): void;
  /** Writes a value to this node's durable storage; it survives a crash. */
  persist(key: string, value: Json): void;
  /** A NOTE event: something worth telling the learner that is not a state change. */
  note(explanation: string, data?: JsonObject): void;
  /** A STATE_CHANGE event: the protocol changed a visible part of its state. */
  stateChange(explanation: string, data?: JsonObject): void;
  /**
   * Replaces the summary of the event this handler is reacting to (the DELIVER,
   * TIMER, CLIENT_INVOKE or RECOVER), so that it says what the node made of it.
   */
  explain(explanation: string): void;
}

export interface TimerFired {
  readonly name: string;
  readonly payload: Json;
}

/** A node's durable storage as the protocol last persisted it. */
export type Durable = ReadonlyMap<string, Json>;

/**
 * A protocol is a pure state machine (etcd raft's Step): the core calls these
 * handlers, and the protocol answers only through the context. It never sees the
 * scheduler, a clock or a random source of its own.
 */
export interface Protocol<Config = unknown, State = unknown> {
  readonly name: string;
  readonly description: string;
  /**
   * Validates the scenario's `config:` block. Returns the config or a list of
   * problems, each with a path relative to `config` (e.g. ["electionTimeoutMs", "min"]).
   */
  parseConfig(raw: unknown, nodes: readonly string[]): ConfigResult<Config>;
  /** Client operations this protocol accepts, for validating workloads. */
  readonly operations: readonly string[];
  /** A node's first start, with empty durable storage. */
  init(ctx: Context, config: Config): State;
  /** A node's restart after a crash: only what it persisted survives. */
  recover(ctx: Context, config: Config, durable: Durable): State;
  onMessage(ctx: Context, state: State, from: string, message: Message): void;
  onTimer(ctx: Context, state: State, timer: TimerFired): void;
  onClientRequest(ctx: Context, state: State, request: ClientRequest): void;
  /** The node's state as a learner should see it. Must be a pure function of state. */
  view(state: State): JsonObject;
  /** Short form of a message for summaries, e.g. "VOTE_YES(t1)". Defaults to the type. */
  describeMessage?(message: Message): string;
  /**
   * The names of the invariants its safety checkers judge (each checker's
   * `invariant`), for every config: what a scenario's `expect: violations:` may name.
   * The loader reads these instead of building checkers just to learn their names.
   */
  readonly invariants: readonly string[];
  /** Safety checkers that run on every run of this protocol; their names are `invariants`. */
  checkers(config: Config): Checker<State>[];
}

export type ConfigResult<Config> =
  { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export interface ConfigProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** What a checker sees after every step: the event that was just handled and every node's live state. */
export interface CheckerStep<State> {
  readonly event: TraceEvent;
  readonly time: number;
  /** Live state of each up node; a crashed node is absent. Read only: never mutate. */
  readonly states: ReadonlyMap<string, State>;
  /** Each node's durable storage (read only). */
  readonly durable: ReadonlyMap<string, Durable>;
  /**
   * The nodes whose state may have changed since the previous step (a handler ran
   * there, or it crashed or recovered). A checker may look at only these; when
   * absent (a hand-built step in a test), any node may have changed.
   */
  readonly changed?: ReadonlySet<string>;
  /**
   * The events recorded since the checkers last looked, in order (the step's events,
   * `event` last), so that a checker can judge the trace itself. Absent in a
   * hand-built step that gives only `event`.
   */
  readonly events?: readonly TraceEvent[];
}

export interface CheckerViolation {
  readonly message: string;
  /** The node the violation is about, if one; otherwise it is reported at the network. */
  readonly node?: string;
  readonly data?: JsonObject;
}

/**
 * A safety property, checked after every step (Porcupine's lesson: small, and
 * independent of the protocol code it judges: it reads states, never internals
 * of the handlers). A checker reports each distinct violation once.
 */
export interface Checker<State> {
  readonly invariant: string;
  /** One sentence a learner can read: what the property promises. */
  readonly description: string;
  observe(step: CheckerStep<State>): readonly CheckerViolation[];
  /** Called once when the run stops, for properties judged on the final state (convergence). */
  finish?(step: CheckerStep<State>): readonly CheckerViolation[];
  /**
   * Called once when the run stops, after finish(): what the checker saw over the
   * whole run (e.g. the peak CRDT metadata size), recorded as a NOTE at the network.
   */
  summary?(step: CheckerStep<State>): CheckerSummary | undefined;
}

export interface CheckerSummary {
  /** One sentence a learner can read. */
  readonly explanation: string;
  readonly data?: JsonObject;
}

export interface Violation {
  readonly invariant: string;
  /** The seq of the event after which the violation was detected. */
  readonly seq: number;
  readonly message: string;
}

/**
 * Why a run stopped: nothing left to do, the scenario's limits, a replay's stop, or
 * queueLimit: the scheduler held CORE_LIMITS.maxScheduledItems (src/sim/limits.ts).
 */
export type StopReason = "quiescent" | "maxTime" | "maxEvents" | "stopAtSeq" | "queueLimit";
