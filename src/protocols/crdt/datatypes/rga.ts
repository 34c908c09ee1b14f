import { count, plural } from "../../../sim/english";
import type { Json } from "../../../sim/json";
import { asArray, quote, type CrdtType } from "./common";
import {
  elementOf,
  elementsBetween,
  integrateRun,
  markDeleted,
  parseRgaKey,
  rgaElements,
  rgaGet,
  rgaKey,
  rgaMerge,
  rgaText,
  type RgaElement,
} from "./rga-edit";
import { describeRef, prepareRga, shorten, type RgaOp } from "./rga-ops";
import { locateVisible, RgaPayload, visibleBefore } from "./rga-tree";

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
 *
 * The list is stored as runs of elements in a B-tree that counts visible elements
 * (rga-tree.ts), so an editor's positional insert and delete (rgaInsertText,
 * rgaDeleteRange) and the position of a remote element (rgaPositionOf) cost O(log n);
 * the rule above is applied to whole runs (rga-edit.ts).
 */

export { RgaPayload } from "./rga-tree";
export { parseRgaKey, rgaClone, rgaElements, rgaGet, rgaKey, rgaMerge, rgaText, type RgaElement } from "./rga-edit";
export { rgaDeleteRange, rgaInsertText } from "./rga-positional";
export { RGA_MAX_DELETE, RGA_MAX_TEXT, type RgaOp } from "./rga-ops";

export function rgaEmpty(): RgaPayload {
  return new RgaPayload();
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
  const { counter, replica } = parseRgaKey(key);
  const from = ref === null ? null : parseRgaKey(ref);
  return integrateRun(payload, replica, counter, 1, value, from?.replica ?? null, from?.counter ?? 0, deleted);
}

/** A local insert after the element `ref` (null: at the start); returns the new element's key. */
export function rgaInsertAfter(payload: RgaPayload, ref: string | null, value: string, replica: string): string {
  const key = rgaKey(payload.counter + 1, replica);
  rgaIntegrate(payload, key, ref, value, false);
  return key;
}

/** Deletes the element `key` (a tombstone from now on). */
export function rgaDelete(payload: RgaPayload, key: string): void {
  const { counter, replica } = parseRgaKey(key);
  const run = payload.findRun(replica, counter);
  if (run === undefined) throw new Error(`RGA: delete of unknown element ${key}`);
  markDeleted(payload, run, counter - run.counter, 1);
}

/** The visible element at a position (0-based), found down the tree in O(log n). */
export function rgaVisibleAt(payload: RgaPayload, position: number): RgaElement | undefined {
  if (!Number.isInteger(position) || position < 0 || position >= payload.live) return undefined;
  const { run, offset } = locateVisible(payload, position);
  return elementOf(run, offset);
}

/**
 * Where element `key` is in the text: how many visible elements come before it (a
 * deleted element reports where it would be). Up the tree in O(log n): an editor
 * uses it to show where a remote edit or a remote cursor is.
 */
export function rgaPositionOf(payload: RgaPayload, key: string): number {
  const { counter, replica } = parseRgaKey(key);
  const run = payload.findRun(replica, counter);
  if (run === undefined) throw new Error(`rgaPositionOf: unknown element ${key}`);
  return visibleBefore(run, counter - run.counter);
}

function encode(payload: RgaPayload): Json {
  const out: Json[] = [];
  for (const node of rgaElements(payload)) out.push([node.key, node.ref, node.value, node.deleted ? 1 : 0]);
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

/** A sentence on how a new element and an old one after the same element were ordered, if any arrived. */
function concurrencyNote(after: RgaPayload, fresh: ReadonlySet<string>): string {
  const children = new Map<string | null, RgaElement[]>();
  for (const node of rgaElements(after)) {
    const list = children.get(node.ref) ?? [];
    list.push(node);
    children.set(node.ref, list);
  }
  // Two siblings with the same counter were certainly concurrent (an insert made after
  // seeing another has a larger Lamport counter); with different counters they may not
  // have been, so the sentence then says only that both follow the same element.
  let fallback: string | undefined;
  for (const [ref, siblings] of children) {
    for (let i = 0; i < siblings.length; i++) {
      for (let j = i + 1; j < siblings.length; j++) {
        const first = siblings[i] as RgaElement;
        const second = siblings[j] as RgaElement;
        if (fresh.has(first.key) === fresh.has(second.key)) continue;
        const pair = `${quote(first.value)} (${first.key}) and ${quote(second.value)} (${second.key})`;
        const order = `RGA puts the larger timestamp first, so ${first.key} comes before ${second.key} on every replica.`;
        if (first.counter === second.counter) {
          return ` ${pair} were inserted concurrently after ${describeRef(after, ref)} (the same counter: neither replica had seen the other's); ${order}`;
        }
        fallback ??= ` ${pair} both follow ${describeRef(after, ref)}; ${order}`;
      }
    }
  }
  return fallback ?? "";
}

export const rga: CrdtType<RgaPayload, RgaOp> = {
  name: "rga",
  citation: "Roh et al. 2011 (RGA); RR-7506 §3.5",
  updates: ["insert", "delete"],
  opBased: true,
  empty: rgaEmpty,
  prepare: prepareRga,
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
    for (const node of rgaElements(after)) {
      const old = rgaGet(before, node.key);
      if (old === undefined) fresh.add(node.key);
      else if (node.deleted && !old.deleted) newDeletes += 1;
    }
    if (fresh.size === 0 && newDeletes === 0) {
      return `${self} merges ${from}'s RGA (${plural(incoming.size, "element")}): it already has every element and deletion; the text stays ${shorten(rgaText(after))}.`;
    }
    return `${self} merges ${from}'s RGA: ${count(fresh.size, "new element")} and ${count(newDeletes, "new deletion")}; the text goes from ${shorten(rgaText(before))} to ${shorten(rgaText(after))}.${concurrencyNote(after, fresh)}`;
  },
  explainApply(_before, op, after, self) {
    if (op.type === "delete") {
      const node = rgaGet(after, op.target);
      return `${self} applies the deletion of ${node === undefined ? op.target : quote(node.value)} (${op.target}); the text is ${shorten(rgaText(after))}.`;
    }
    const node = rgaGet(after, op.id);
    const skipped = node === undefined ? 0 : elementsBetween(after, op.ref, op.id);
    const why =
      skipped > 0
        ? `, after ${skipped} element(s) with larger timestamps inserted concurrently at the same place (RGA: larger timestamp first)`
        : "";
    return `${self} integrates ${quote(op.value)} (${op.id}) after ${describeRef(after, op.ref)}${why}; the text is ${shorten(rgaText(after))}.`;
  },
  describeOp: (op) =>
    op.type === "insert" ? `insert(${quote(op.value)} ${op.id} after ${op.ref ?? "start"})` : `delete(${op.target})`,
};
