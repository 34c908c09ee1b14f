import type { JsonObject } from "../../../sim/json";
import { asArray, asObject, elementArg, quote, unknownOp, type CrdtType, type Prepared } from "./common";

/** Two grow-only sets: A of added elements, R of removed ones (RR-7506 Spec 12). */
export interface TwoPhasePayload {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface TwoPhaseOp extends JsonObject {
  type: "add" | "remove";
  element: string;
}

function insertSorted(items: readonly string[], item: string): readonly string[] {
  if (items.includes(item)) return items;
  return [...items, item].sort();
}

function unionSorted(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function members(payload: TwoPhasePayload): string[] {
  const removed = new Set(payload.removed);
  return payload.added.filter((element) => !removed.has(element));
}

function strings(json: JsonObject[string] | undefined, what: string): string[] {
  return asArray(json, what)
    .map((item) => {
      if (typeof item !== "string") throw new Error(`${what}: elements are strings`);
      return item;
    })
    .sort();
}

/**
 * 2P-Set, RR-7506 Spec 12: an element is in the set when it is in A and not in R.
 * Both are grow-only sets merged by union, so a removal is final: once removed, an
 * element can never come back (R is a tombstone set that never shrinks).
 */
export const twoPhaseSet: CrdtType<TwoPhasePayload, TwoPhaseOp> = {
  name: "2p-set",
  citation: "RR-7506 Spec 12 (2P-Set)",
  updates: ["add", "remove"],
  opBased: true,
  empty: () => ({ added: [], removed: [] }),
  prepare(payload, request, env): Prepared<TwoPhaseOp> {
    if (request.op !== "add" && request.op !== "remove") return unknownOp("2p-set", request.op, twoPhaseSet.updates);
    const element = elementArg(request.args);
    if (element === undefined) return { ok: false, error: `${request.op} needs args.element (a string or number)` };
    if (request.op === "add") {
      const explanation = payload.removed.includes(element)
        ? `${env.replica} adds ${quote(element)}, but ${quote(element)} was removed before and R never shrinks: a 2P-Set can never hold it again.`
        : `${env.replica} adds ${quote(element)} to A.`;
      return { ok: true, ops: [{ type: "add", element }], explanation };
    }
    if (!members(payload).includes(element)) {
      return { ok: false, error: `${quote(element)} is not in the set here (Spec 12: remove(e) requires lookup(e))` };
    }
    return {
      ok: true,
      ops: [{ type: "remove", element }],
      explanation: `${env.replica} removes ${quote(element)} for good: it goes into R, the tombstone set.`,
    };
  },
  apply(payload, op) {
    if (op.type === "add") return { added: insertSorted(payload.added, op.element), removed: payload.removed };
    return { added: payload.added, removed: insertSorted(payload.removed, op.element) };
  },
  // Almeida et al. 2018, Fig. 3 (AWORSet) in spirit: the delta of an add or remove is
  // the update applied to the empty payload, the one tag, stamp or element it adds.
  delta: (_before, op) => twoPhaseSet.apply(twoPhaseSet.empty(), op, "state"),
  merge: (a, b) => ({ added: unionSorted(a.added, b.added), removed: unionSorted(a.removed, b.removed) }),
  value: members,
  elements: (payload) => [...new Set([...payload.added, ...payload.removed])].sort(),
  metadata: (payload) => ({ tags: 0, tombstones: payload.removed.length, vectorEntries: 0 }),
  encode: (payload) => ({ added: [...payload.added], removed: [...payload.removed] }),
  decode(json) {
    const object = asObject(json, "2p-set");
    return { added: strings(object["added"], "2p-set.added"), removed: strings(object["removed"], "2p-set.removed") };
  },
  explainMerge(before, incoming, after, self, from) {
    const joined = members(after).filter((e) => !members(before).includes(e));
    const left = members(before).filter((e) => !members(after).includes(e));
    const parts: string[] = [];
    if (joined.length > 0) parts.push(`${joined.map(quote).join(", ")} joins`);
    if (left.length > 0) parts.push(`${left.map(quote).join(", ")} leaves for good (it is in ${from}'s R)`);
    if (parts.length === 0) {
      return `${self} merges ${from}'s 2P-Set (union of A, union of R): nothing changes; the set is {${members(after).join(", ")}}.`;
    }
    return `${self} merges ${from}'s 2P-Set by union of A and of R: ${parts.join("; ")}. The set is now {${members(after).join(", ")}}.`;
  },
  explainApply(before, op, after, self) {
    if (op.type === "add") {
      return after.removed.includes(op.element)
        ? `${self} applies the add of ${quote(op.element)}, but ${quote(op.element)} is already in R: it stays out.`
        : `${self} applies the add of ${quote(op.element)}.`;
    }
    return `${self} applies the remove of ${quote(op.element)}: it is in R now and can never return.`;
  },
  describeOp: (op) => `${op.type}(${op.element})`,
};
