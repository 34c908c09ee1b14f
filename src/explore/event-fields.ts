import type { Json, JsonObject } from "../sim/json";
import { NETWORK_NODE, type TraceEvent } from "../sim/types";

/**
 * The typed fields of a trace event (issue 12), derived from what the trace records,
 * so a frontend never folds `data` of nine shapes: the message of a message event,
 * the event it was a step of (`cause`), and the state fields a STATE_CHANGE moved.
 */

/** A message as SEND, DELIVER, DROP and DUPLICATE carry it; a DUPLICATE's copies share the id. */
export interface MessageFields {
  readonly id: string;
  readonly type: string;
  readonly from: string;
  readonly to: string;
  /** The message as the protocol sent it (its `type` included). */
  readonly payload: Json;
}

/** One state field a STATE_CHANGE moved, from before to after (null where the event does not record it). */
export interface StateChangeFields {
  readonly path: string;
  readonly before: Json;
  readonly after: Json;
}

const MESSAGE_KINDS = new Set(["SEND", "DELIVER", "DROP", "DUPLICATE"]);
/** The events whose handler the protocol's later events of the same step belong to. */
const HANDLER_KINDS = new Set(["DELIVER", "TIMER", "CLIENT_INVOKE", "RECOVER"]);

export function messageOf(event: TraceEvent): MessageFields | null {
  if (!MESSAGE_KINDS.has(event.kind) || event.data === null) return null;
  const { messageId, type, from, to, message } = event.data;
  if (typeof messageId !== "number" || typeof type !== "string" || typeof from !== "string" || typeof to !== "string")
    return null;
  return { id: String(messageId), type, from, to, payload: message ?? null };
}

/**
 * The state fields a STATE_CHANGE moved. Protocols record a change as the field's new
 * value beside its old one, named `previousX` for field `x` (Raft: term/previousTerm,
 * role/previousRole, commitIndex/previousCommitIndex), or as `value` beside `previous` (the CRDTs'
 * value as a reader sees it). Each such pair is one change; a STATE_CHANGE that records
 * only new facts (a 2PC participant's `state`, a Dynamo replica's stored `values`)
 * lists those facts as changes whose `before` is null. Null for other kinds.
 */
export function changesOf(event: TraceEvent): StateChangeFields[] | null {
  if (event.kind !== "STATE_CHANGE") return null;
  const data = event.data;
  if (data === null) return [];
  const changes: StateChangeFields[] = [];
  if ("value" in data && "previous" in data) {
    changes.push({ path: "value", before: data["previous"] ?? null, after: data["value"] ?? null });
  }
  for (const key of Object.keys(data).sort()) {
    const match = /^previous([A-Z]\w*)$/.exec(key);
    if (match === null) continue;
    const field = (match[1] as string).charAt(0).toLowerCase() + (match[1] as string).slice(1);
    if (!(field in data)) continue;
    changes.push({ path: field, before: data[key] ?? null, after: data[field] ?? null });
  }
  if (changes.length > 0) return changes;
  // Only new facts: the fields the event states, minus the ones that explain it.
  for (const key of Object.keys(data).sort()) {
    if (EXPLANATORY.has(key) || key.startsWith("previous")) continue;
    changes.push({ path: key, before: null, after: data[key] ?? null });
  }
  return changes;
}

/** Data fields that say why or what kind of change, not a state field. */
const EXPLANATORY = new Set(["event", "fact", "rule", "reason", "cause", "why", "clockChange"]);

/**
 * The seq of the event this one was a step of. The core records it in `data.cause`
 * for the events it makes (SEND, DROP, CRASH, RECOVER, PARTITION, HEAL, CLIENT_*,
 * fault NOTEs, a TIMER fired inside a handler). A protocol's own STATE_CHANGE and NOTE
 * are steps of the handler that was running at their node: walking back through the
 * same node's events at the same virtual time, the first handler event (DELIVER,
 * TIMER, CLIENT_INVOKE, RECOVER) is their cause, and the first event with a recorded
 * cause gives that cause; none (a node's start) gives null. `earlier` must hold the
 * node's events before this one in seq order (more are ignored); a few at the same
 * time suffice.
 */
export function causeOf(event: TraceEvent, earlier: readonly TraceEvent[]): number | null {
  const recorded = event.data?.["cause"];
  if (typeof recorded === "number") return recorded;
  if ((event.kind !== "STATE_CHANGE" && event.kind !== "NOTE") || event.node === NETWORK_NODE) return null;
  if (event.data !== null && "stopReason" in event.data) return null;
  for (let index = earlier.length - 1; index >= 0; index -= 1) {
    const before = earlier[index] as TraceEvent;
    if (before.seq >= event.seq || before.node !== event.node) continue;
    if (before.time !== event.time) return null;
    if (HANDLER_KINDS.has(before.kind)) return before.seq;
    const cause = before.data?.["cause"];
    if (typeof cause === "number") return cause;
  }
  return null;
}

/** Whether causeOf needs the node's earlier events to answer for this event. */
export function needsEarlierEvents(event: TraceEvent): boolean {
  return (
    typeof event.data?.["cause"] !== "number" &&
    (event.kind === "STATE_CHANGE" || event.kind === "NOTE") &&
    event.node !== NETWORK_NODE
  );
}

/** How many seqs before an event its cause is looked for in (a handler's steps longer than this get null). */
export const CAUSE_LOOKBACK_SEQS = 256;

/** The typed fields of one event. */
export interface TypedEventFields {
  readonly message: MessageFields | null;
  readonly cause: number | null;
  readonly changes: StateChangeFields[] | null;
}

/** A JSON object's field as a string, or null. */
export function stringField(state: JsonObject | null, field: string): string | null {
  const value = state?.[field];
  return typeof value === "string" ? value : null;
}

/** A JSON object's field as a number, or null. */
export function numberField(state: JsonObject | null, field: string): number | null {
  const value = state?.[field];
  return typeof value === "number" ? value : null;
}
