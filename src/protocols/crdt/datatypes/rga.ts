import type { Json, JsonObject } from "../../../sim/json";
import { asArray, quote, unknownOp, type CrdtType, type Prepared } from "./common";

/**
 * RGA, the Replicated Growable Array (Roh, Jeon, Kim & Lee, "Replicated abstract data
 * types: Building blocks for collaborative applications", JPDC 71(3), 2011; RR-7506
 * §3.5 describes it among the sequence CRDTs). A text is a linked list of elements,
 * each with a unique timestamp id (Lamport counter, replica) and the id of the element
 * it was inserted after (its reference). Deleted elements stay as tombstones, because
 * a concurrent insert may still name them as its reference.
 *
 * The insertion rule (Roh et al., the RGA "insert" remote algorithm): starting right
 * after the reference, skip every element whose timestamp is larger than the new
 * one's, and insert before the first smaller one. Since an element's counter is always
 * larger than its reference's, the list is the pre-order walk of the tree of
 * references with siblings in decreasing timestamp order: a function of the set of
 * elements, whatever order they arrived in. That is what makes the state-based merge
 * below (integrate the elements the other side has that this side lacks, in its list
 * order, which always puts a reference before the elements inserted after it) a join.
 */

export interface RgaNode {
  /** "counter@replica". */
  readonly key: string;
  readonly counter: number;
  readonly replica: string;
  /** Key of the element this one was inserted after; null for the start of the text. */
  readonly ref: string | null;
  readonly value: string;
  deleted: boolean;
  prev: RgaNode | RgaHead;
  next: RgaNode | null;
}

export interface RgaHead {
  readonly key: null;
  next: RgaNode | null;
}

/** Mutable for speed: `apply` edits in place, `merge` builds a new payload. */
export interface RgaPayload {
  readonly head: RgaHead;
  readonly index: Map<string, RgaNode>;
  /** The largest counter seen: a new element's id is counter + 1 (a Lamport clock). */
  counter: number;
  live: number;
  tombstones: number;
}

export type RgaOp =
  | ({ type: "insert"; id: string; ref: string | null; value: string } & JsonObject)
  | ({ type: "delete"; target: string } & JsonObject);

export function rgaKey(counter: number, replica: string): string {
  return `${counter}@${replica}`;
}

export function parseRgaKey(key: string): { counter: number; replica: string } {
  const at = key.indexOf("@");
  const counter = Number(key.slice(0, at));
  if (at <= 0 || !Number.isInteger(counter) || counter < 1)
    throw new Error(`bad RGA element id ${JSON.stringify(key)}`);
  return { counter, replica: key.slice(at + 1) };
}

/** Timestamp order: counter, then replica. */
function newer(a: { counter: number; replica: string }, b: { counter: number; replica: string }): boolean {
  if (a.counter !== b.counter) return a.counter > b.counter;
  return a.replica > b.replica;
}

export function rgaEmpty(): RgaPayload {
  return { head: { key: null, next: null }, index: new Map(), counter: 0, live: 0, tombstones: 0 };
}

/**
 * Integrates one element (RGA's remote insert). Idempotent: an element already present
 * only has its tombstone flag joined. Returns how many later-stamped elements were
 * skipped (concurrent inserts at the same place that sort first).
 */
export function rgaIntegrate(
  payload: RgaPayload,
  key: string,
  ref: string | null,
  value: string,
  deleted: boolean,
): number {
  const existing = payload.index.get(key);
  if (existing !== undefined) {
    if (deleted) rgaMarkDeleted(payload, existing);
    return 0;
  }
  const { counter, replica } = parseRgaKey(key);
  let prev: RgaNode | RgaHead = ref === null ? payload.head : (payload.index.get(ref) as RgaNode);
  if (prev === undefined) {
    throw new Error(`RGA: element ${key} refers to ${ref}, which is unknown here (causal order broken)`);
  }
  let skipped = 0;
  while (prev.next !== null && newer(prev.next, { counter, replica })) {
    prev = prev.next;
    skipped += 1;
  }
  const node: RgaNode = { key, counter, replica, ref, value, deleted, prev, next: prev.next };
  if (prev.next !== null) prev.next.prev = node;
  prev.next = node;
  payload.index.set(key, node);
  if (counter > payload.counter) payload.counter = counter;
  if (deleted) payload.tombstones += 1;
  else payload.live += 1;
  return skipped;
}

export function rgaMarkDeleted(payload: RgaPayload, node: RgaNode): void {
  if (node.deleted) return;
  node.deleted = true;
  payload.live -= 1;
  payload.tombstones += 1;
}

/** A local insert after the element `ref` (null: at the start); returns the new element's key. */
export function rgaInsertAfter(payload: RgaPayload, ref: string | null, value: string, replica: string): string {
  const key = rgaKey(payload.counter + 1, replica);
  rgaIntegrate(payload, key, ref, value, false);
  return key;
}

export function rgaDelete(payload: RgaPayload, key: string): void {
  const node = payload.index.get(key);
  if (node === undefined) throw new Error(`RGA: delete of unknown element ${key}`);
  rgaMarkDeleted(payload, node);
}

/** The visible element at a position (0-based), walking the list. */
export function rgaVisibleAt(payload: RgaPayload, position: number): RgaNode | undefined {
  let seen = 0;
  for (let node = payload.head.next; node !== null; node = node.next) {
    if (node.deleted) continue;
    if (seen === position) return node;
    seen += 1;
  }
  return undefined;
}

export function rgaText(payload: RgaPayload): string {
  const parts: string[] = [];
  for (let node = payload.head.next; node !== null; node = node.next) if (!node.deleted) parts.push(node.value);
  return parts.join("");
}

export function* rgaNodes(payload: RgaPayload): Generator<RgaNode> {
  for (let node = payload.head.next; node !== null; node = node.next) yield node;
}

export function rgaClone(payload: RgaPayload): RgaPayload {
  const copy = rgaEmpty();
  let prev: RgaNode | RgaHead = copy.head;
  for (const node of rgaNodes(payload)) {
    const clone: RgaNode = { ...node, prev, next: null };
    prev.next = clone;
    prev = clone;
    copy.index.set(clone.key, clone);
  }
  copy.counter = payload.counter;
  copy.live = payload.live;
  copy.tombstones = payload.tombstones;
  return copy;
}

/** State-based merge: a copy of `a` with every element of `b` integrated, in `b`'s order. */
export function rgaMerge(a: RgaPayload, b: RgaPayload): RgaPayload {
  const merged = rgaClone(a);
  for (const node of rgaNodes(b)) rgaIntegrate(merged, node.key, node.ref, node.value, node.deleted);
  return merged;
}

function encode(payload: RgaPayload): Json {
  const out: Json[] = [];
  for (const node of rgaNodes(payload)) out.push([node.key, node.ref, node.value, node.deleted ? 1 : 0]);
  return out;
}

function decode(json: Json): RgaPayload {
  const payload = rgaEmpty();
  for (const entry of asArray(json, "rga")) {
    const [key, ref, value, deleted] = asArray(entry, "rga element");
    if (typeof key !== "string" || (ref !== null && typeof ref !== "string") || typeof value !== "string") {
      throw new Error("rga element: expected [id, ref, value, deleted]");
    }
    rgaIntegrate(payload, key, ref ?? null, value, deleted === 1 || deleted === true);
  }
  return payload;
}

function shorten(text: string): string {
  return text.length <= 40 ? JSON.stringify(text) : JSON.stringify(text.slice(0, 37) + "...");
}

function describeRef(payload: RgaPayload, ref: string | null): string {
  if (ref === null) return "the start of the text";
  const node = payload.index.get(ref);
  return node === undefined ? ref : `${quote(node.value)} (${ref})`;
}

/** A sentence on how concurrent inserts after the same element were ordered, if any arrived. */
function concurrencyNote(after: RgaPayload, fresh: ReadonlySet<string>): string {
  const children = new Map<string | null, RgaNode[]>();
  for (const node of rgaNodes(after)) {
    const list = children.get(node.ref) ?? [];
    list.push(node);
    children.set(node.ref, list);
  }
  for (const [ref, siblings] of children) {
    if (siblings.length < 2 || !siblings.some((s) => fresh.has(s.key)) || siblings.every((s) => fresh.has(s.key))) {
      continue;
    }
    const [first, second] = siblings as [RgaNode, RgaNode];
    return ` ${quote(first.value)} (${first.key}) and ${quote(second.value)} (${second.key}) were inserted concurrently after ${describeRef(after, ref)}; RGA puts the larger timestamp first, so ${first.key} comes before ${second.key} on every replica.`;
  }
  return "";
}

export const rga: CrdtType<RgaPayload, RgaOp> = {
  name: "rga",
  citation: "Roh et al. 2011 (RGA); RR-7506 §3.5",
  updates: ["insert", "delete"],
  opBased: true,
  empty: rgaEmpty,
  prepare(payload, request, env): Prepared<RgaOp> {
    if (request.op !== "insert" && request.op !== "delete") return unknownOp("rga", request.op, rga.updates);
    const at = request.args["index"] ?? request.args["at"] ?? 0;
    if (typeof at !== "number" || !Number.isInteger(at) || at < 0) {
      return { ok: false, error: "index must be a non-negative integer position in the text" };
    }
    if (request.op === "insert") {
      const text = request.args["text"] ?? request.args["value"];
      if (typeof text !== "string" || text.length === 0) return { ok: false, error: "insert needs args.text" };
      if (at > payload.live)
        return { ok: false, error: `index ${at} is past the end of the text (length ${payload.live})` };
      const refNode = at === 0 ? undefined : rgaVisibleAt(payload, at - 1);
      let ref = refNode?.key ?? null;
      const ops: RgaOp[] = [];
      let counter = payload.counter;
      for (const char of text) {
        counter += 1;
        const id = rgaKey(counter, env.replica);
        ops.push({ type: "insert", id, ref, value: char });
        ref = id;
      }
      return {
        ok: true,
        ops,
        explanation: `${env.replica} types ${shorten(text)} at position ${at}, right after ${describeRef(payload, refNode?.key ?? null)}; each character gets a fresh timestamp id (${ops.length === 1 ? (ops[0] as { id: string }).id : `${(ops[0] as { id: string }).id} to ${(ops[ops.length - 1] as { id: string }).id}`}) and names the element it follows.`,
      };
    }
    const count = request.args["count"] ?? 1;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
      return { ok: false, error: "count must be a positive integer" };
    }
    if (at + count > payload.live) {
      return { ok: false, error: `cannot delete ${count} character(s) at ${at}: the text has length ${payload.live}` };
    }
    const ops: RgaOp[] = [];
    let node = rgaVisibleAt(payload, at);
    while (ops.length < count && node !== undefined && node !== null) {
      if (!node.deleted) ops.push({ type: "delete", target: node.key });
      node = node.next ?? undefined;
    }
    return {
      ok: true,
      ops,
      explanation: `${env.replica} deletes ${count} character(s) at position ${at}; they stay in the list as tombstones, since a concurrent insert may name them as its reference.`,
    };
  },
  apply(payload, op) {
    if (op.type === "insert") rgaIntegrate(payload, op.id, op.ref, op.value, false);
    else rgaDelete(payload, op.target);
    return payload;
  },
  merge: rgaMerge,
  value: rgaText,
  metadata: (payload) => ({ tags: payload.live, tombstones: payload.tombstones, vectorEntries: 0 }),
  encode,
  decode,
  explainMerge(before, incoming, after, self, from) {
    const fresh = new Set<string>();
    let newDeletes = 0;
    for (const node of rgaNodes(after)) {
      const old = before.index.get(node.key);
      if (old === undefined) fresh.add(node.key);
      else if (node.deleted && !old.deleted) newDeletes += 1;
    }
    if (fresh.size === 0 && newDeletes === 0) {
      return `${self} merges ${from}'s RGA (${incoming.index.size} elements): it already has every element and deletion; the text stays ${shorten(rgaText(after))}.`;
    }
    return `${self} merges ${from}'s RGA: ${fresh.size} new element(s) and ${newDeletes} new deletion(s); the text goes from ${shorten(rgaText(before))} to ${shorten(rgaText(after))}.${concurrencyNote(after, fresh)}`;
  },
  explainApply(_before, op, after, self) {
    if (op.type === "delete") {
      const node = after.index.get(op.target);
      return `${self} applies the deletion of ${node === undefined ? op.target : quote(node.value)} (${op.target}); the text is ${shorten(rgaText(after))}.`;
    }
    const node = after.index.get(op.id);
    let skipped = 0;
    for (let p = node?.prev; p !== undefined && p.key !== op.ref; p = p.key === null ? undefined : p.prev) skipped += 1;
    const why =
      skipped > 0
        ? `, after ${skipped} element(s) with larger timestamps inserted concurrently at the same place (RGA: larger timestamp first)`
        : "";
    return `${self} integrates ${quote(op.value)} (${op.id}) after ${describeRef(after, op.ref)}${why}; the text is ${shorten(rgaText(after))}.`;
  },
  describeOp: (op) =>
    op.type === "insert" ? `insert(${quote(op.value)} ${op.id} after ${op.ref ?? "start"})` : `delete(${op.target})`,
};
