import type { Json, JsonObject } from "../../../sim/json";

/**
 * The pure replicated data types, after Shapiro, Preguiça, Baquero & Zawirski, "A
 * comprehensive study of Convergent and Commutative Replicated Data Types", INRIA
 * RR-7506, 2011 (cited below as RR-7506), and, for RGA, Roh, Jeon, Kim & Lee,
 * "Replicated abstract data types: Building blocks for collaborative applications",
 * JPDC 71(3), 2011. Nothing here depends on the simulation: the property tests and
 * the RGA benchmark use these modules directly.
 *
 * Each type follows RR-7506's two outlines at once. An update is split as in an
 * op-based object (Spec 2): `prepare` is the "at source" part that reads the local
 * state and produces an operation, `apply` is the "downstream" effect. In a
 * state-based object (Spec 1) the replica applies the operation to its own payload
 * and ships whole payloads, which `merge` joins (the least upper bound of a
 * semilattice: commutative, associative, idempotent).
 */

export const CRDT_TYPES = ["g-counter", "pn-counter", "lww-register", "lww-set", "or-set", "2p-set", "rga"] as const;
export type CrdtTypeName = (typeof CRDT_TYPES)[number];

/** How the replicas exchange updates: whole payloads (CvRDT) or operations (CmRDT). */
export type Mode = "state" | "op";

/** How replicas exchange updates on the network: whole payloads, operations, or deltas (which apply like state). */
export type GossipMode = "state" | "op" | "delta";

/**
 * What a replica stores besides the user-visible value, counted in entries. This is
 * the price of convergence without coordination: unique tags, tombstones of removed
 * elements, per-replica vector entries, and (op-based) the log kept for retransmission.
 */
export interface Metadata {
  /** Unique tags or timestamps attached to live values (OR-Set tags, LWW timestamps, RGA element ids). */
  readonly tags: number;
  /** Entries kept only to remember a removal (OR-Set and LWW-Set remove sets, 2P-Set R, RGA deleted elements). */
  readonly tombstones: number;
  /** Per-replica counters (G-Counter and PN-Counter vectors, the op-based delivery vector). */
  readonly vectorEntries: number;
}

/** A timestamp for last-writer-wins and RGA: a time, made unique by the replica that issued it. */
export interface Stamp {
  readonly time: number;
  readonly replica: string;
}

/** The total order on stamps: by time, then by replica name (RR-7506 §3.1.1: timestamps must be unique and totally ordered). */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.replica === b.replica) return 0;
  return a.replica < b.replica ? -1 : 1;
}

export function formatStamp(stamp: Stamp): string {
  return `${stamp.time}@${stamp.replica}`;
}

export function stampToJson(stamp: Stamp): JsonObject {
  return { time: stamp.time, replica: stamp.replica };
}

export function stampFromJson(json: Json | undefined): Stamp {
  const object = asObject(json, "stamp");
  const time = object["time"];
  const replica = object["replica"];
  if (typeof time !== "number" || typeof replica !== "string")
    throw new Error("a stamp needs a numeric time and a replica");
  return { time, replica };
}

/** What a replica lends a data type when a client asks for an update. */
export interface PrepareEnv {
  /** The replica issuing the update (RR-7506's myID()). */
  readonly replica: string;
  /**
   * A timestamp for a last-writer-wins write, given the largest time the payload has
   * observed: the physical clock (`timestamps: physical`) or observed + 1 (`lamport`).
   */
  stamp(observedTime: number): Stamp;
  /** A tag never issued before anywhere (RR-7506's unique(): replica name and a counter that survives crashes). */
  uniqueTag(): string;
}

/** A client request as the data type sees it. */
export interface Request {
  readonly op: string;
  readonly args: JsonObject;
}

export type Prepared<Op> =
  | {
      readonly ok: true;
      readonly ops: readonly Op[];
      readonly explanation: string;
      /** Something the learner must not miss, recorded as a NOTE with these facts in its data. */
      readonly anomaly?: { readonly text: string; readonly data: JsonObject };
    }
  | { readonly ok: false; readonly error: string };

/**
 * A replicated data type: pure functions over a payload. `apply` may update the
 * payload in place and return it (the RGA does, for speed); `merge` never changes
 * its arguments.
 */
export interface CrdtType<Payload, Op extends JsonObject> {
  readonly name: CrdtTypeName;
  /** Where the specification comes from, for explanations and the README. */
  readonly citation: string;
  /** Client operations that update the payload ("read" is always available as well). */
  readonly updates: readonly string[];
  /** Whether RR-7506 (or Roh et al.) defines an op-based form, so `mode: op` is allowed. */
  readonly opBased: boolean;
  empty(): Payload;
  /** At source: read the local payload and turn the request into operations, or refuse it (a failed precondition). */
  prepare(payload: Payload, request: Request, env: PrepareEnv): Prepared<Op>;
  /** Downstream: the effect of one operation. In op mode it is applied exactly once, in causal order. */
  apply(payload: Payload, op: Op, mode: Mode): Payload;
  /** The least upper bound of two payloads (state-based). */
  merge(a: Payload, b: Payload): Payload;
  /**
   * Delta-state (Almeida, Shoker & Baquero 2018, §3 and Fig. 2): the delta-mutator's
   * result for an update that took the payload from `before` to `after` (the state
   * form of apply): a small payload d with after = before ⊔ d. Types without it have
   * no delta mode.
   */
  delta?(before: Payload, op: Op, after: Payload): Payload;
  /**
   * Garbage collection by causal stability (Baquero, Almeida & Shoker 2014): drops
   * the tombstones of op-mode payloads whose removing op is stable. None of the types
   * here keeps a tombstone in op mode except the RGA.
   */
  collect?(payload: Payload, isStable: (origin: string, seq: number) => boolean): { payload: Payload; removed: number };
  /**
   * State and delta modes with gc (stability.ts): the payload's tombstones, each named
   * by a key, and what is needed to collect them safely. Only types whose tombstones
   * name unique tags (the OR-Set) have it: a collected tombstone must never come back
   * with an old message, and a tag counter per replica says which tags were seen.
   */
  readonly tombstoneGc?: TombstoneGc<Payload>;
  /** The value a client reads. */
  value(payload: Payload): Json;
  /** For sets: every element the payload knows of, present or removed (the view's `contains` map). */
  elements?(payload: Payload): string[];
  metadata(payload: Payload): Metadata;
  /** A canonical JSON form: equal payloads give equal canonical JSON. */
  encode(payload: Payload): Json;
  decode(json: Json): Payload;
  /** One sentence: what merging `incoming` (from `from`) into `before` did at `self`. */
  explainMerge(before: Payload, incoming: Payload, after: Payload, self: string, from: string): string;
  /** One sentence: what applying a remote operation did. */
  explainApply(before: Payload, op: Op, after: Payload, self: string): string;
  /** Short form of an operation, e.g. "add(x, n1#3)". */
  describeOp(op: Op): string;
}

export function asObject(json: Json | undefined, what: string): JsonObject {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error(`${what}: expected an object`);
  return json;
}

export function asArray(json: Json | undefined, what: string): Json[] {
  if (!Array.isArray(json)) throw new Error(`${what}: expected an array`);
  return json;
}

/** An element of a set: scenario files may write numbers, the sets hold strings. */
export function elementArg(args: JsonObject, name = "element"): string | undefined {
  const value = args[name];
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

export function positiveAmount(args: JsonObject): number | undefined {
  const value = args["amount"] ?? args["by"] ?? 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) return undefined;
  return value;
}

/** Sorted keys of a record, so every encoding is canonical. */
export function sortedKeys(record: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(record).sort();
}

export function quote(element: string): string {
  return JSON.stringify(element);
}

export function list(items: readonly string[]): string {
  if (items.length === 0) return "none";
  if (items.length === 1) return items[0] as string;
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export function unknownOp(type: CrdtTypeName, op: string, updates: readonly string[]): { ok: false; error: string } {
  return { ok: false, error: `a ${type} has no operation "${op}"; it accepts ${[...updates, "read"].join(", ")}` };
}

/**
 * Collecting a state-based type's tombstones by causal stability (Baquero, Almeida &
 * Shoker 2014, applied to whole states and deltas): once every
 * replica has delivered the remove that made a tombstone, no replica holds the tag alive
 * any more, so the tombstone is only needed against old messages still in flight. A
 * causal context (per replica, the highest tag counter seen) stands in for them: a tag
 * it covers that the payload no longer holds was collected, and an old message's copy
 * is ignored (the compact causal context of Bieniusa et al., "An optimized
 * conflict-free replicated set", 2012).
 */
export interface TombstoneGc<Payload> {
  /** Every tombstone, by a key unique within the payload. */
  keys(payload: Payload): string[];
  /** The payload without the tombstones named. */
  drop(payload: Payload, keys: ReadonlySet<string>): Payload;
  /** Per replica, the highest tag counter the payload holds (live or tombstone). */
  context(payload: Payload): Record<string, number>;
  /** `incoming` without the tags that `seen` covers but `local` no longer holds (collected here). */
  forget(
    incoming: Payload,
    local: Payload,
    seen: Readonly<Record<string, number>>,
  ): { payload: Payload; ignored: number };
}
