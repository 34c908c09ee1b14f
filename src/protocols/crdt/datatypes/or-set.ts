import type { JsonObject } from "../../../sim/json";
import {
  asArray,
  asObject,
  elementArg,
  list,
  quote,
  sortedKeys,
  unknownOp,
  type CrdtType,
  type Prepared,
  type TombstoneGc,
} from "./common";

/**
 * OR-Set (observed-remove, add-wins), RR-7506 §3.3.5 and Spec 15. Every add attaches
 * a fresh unique tag to the element; a remove deletes exactly the tags its source had
 * observed. A concurrent add carries a tag the remove never saw, so it survives: add
 * wins.
 *
 * Spec 15 is op-based: causal delivery guarantees an add is applied before any remove
 * that observed it, so a removed tag can simply be forgotten. The state-based form
 * (used with `mode: state`) cannot rely on delivery order: a merge must tell "tag
 * removed" from "tag not yet heard of", so removed tags stay as tombstones (the 2P-Set
 * construction of Spec 12 applied to (element, tag) pairs) and merge is
 * live = (A.live ∪ B.live) \ (A.tombstones ∪ B.tombstones), tombstones = union.
 */
export interface OrSetPayload {
  /** Tags of adds not yet removed, per element. */
  readonly live: Readonly<Record<string, readonly string[]>>;
  /** Tags that some remove observed (state-based mode only), per element. */
  readonly tombstones: Readonly<Record<string, readonly string[]>>;
}

export type OrSetOp =
  | ({ type: "add"; element: string; tag: string } & JsonObject)
  | ({ type: "remove"; element: string; tags: string[] } & JsonObject);

/** Tags are "replica#counter"; order them by replica, then numerically, so n1#10 follows n1#9. */
export function compareTags(a: string, b: string): number {
  const i = a.lastIndexOf("#");
  const j = b.lastIndexOf("#");
  const ra = i < 0 ? a : a.slice(0, i);
  const rb = j < 0 ? b : b.slice(0, j);
  if (ra !== rb) return ra < rb ? -1 : 1;
  const na = Number(a.slice(i + 1));
  const nb = Number(b.slice(j + 1));
  if (na !== nb) return na < nb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function union(a: readonly string[] = [], b: readonly string[] = []): string[] {
  return [...new Set([...a, ...b])].sort(compareTags);
}

function minus(a: readonly string[] = [], b: readonly string[] = []): string[] {
  if (b.length === 0) return [...a];
  const drop = new Set(b);
  return a.filter((tag) => !drop.has(tag));
}

function withEntry(
  record: Readonly<Record<string, readonly string[]>>,
  key: string,
  tags: readonly string[],
): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = { ...record };
  if (tags.length === 0) delete out[key];
  else out[key] = tags;
  return out;
}

function members(payload: OrSetPayload): string[] {
  return sortedKeys(payload.live).filter((element) => (payload.live[element]?.length ?? 0) > 0);
}

function count(record: Readonly<Record<string, readonly string[]>>): number {
  let total = 0;
  for (const tags of Object.values(record)) total += tags.length;
  return total;
}

function encodeTags(record: Readonly<Record<string, readonly string[]>>): JsonObject {
  const out: JsonObject = {};
  for (const key of sortedKeys(record)) {
    const tags = record[key] as readonly string[];
    if (tags.length > 0) out[key] = [...tags].sort(compareTags);
  }
  return out;
}

function decodeTags(json: JsonObject[string] | undefined, what: string): Record<string, readonly string[]> {
  const object = asObject(json, what);
  const out: Record<string, readonly string[]> = {};
  for (const key of sortedKeys(object)) {
    const tags = asArray(object[key], `${what}.${key}`).map((tag) => {
      if (typeof tag !== "string") throw new Error(`${what}.${key}: tags are strings`);
      return tag;
    });
    if (tags.length > 0) out[key] = tags.sort(compareTags);
  }
  return out;
}

/** "n1#7" -> ["n1", 7]; undefined for a tag not made by uniqueTag(). */
function tagParts(tag: string): [string, number] | undefined {
  const at = tag.lastIndexOf("#");
  const counter = Number(tag.slice(at + 1));
  return at <= 0 || !Number.isInteger(counter) ? undefined : [tag.slice(0, at), counter];
}

/**
 * The state-based OR-Set's tombstones collected by causal stability (common.ts,
 * TombstoneGc). Tags are "replica#counter" with the counter of uniqueTag(), which
 * every replica's payload holds as a prefix per replica (a state or delta-interval
 * carries all earlier updates of its origin), so the highest counter seen per replica
 * is a causal context: a tag at or below it that the payload no longer holds was
 * removed and collected here.
 */
const orSetGc: TombstoneGc<OrSetPayload> = {
  // A tag is unique to one add of one element, so it names its tombstone.
  keys: (payload) => sortedKeys(payload.tombstones).flatMap((element) => [...(payload.tombstones[element] ?? [])]),
  drop(payload, keys) {
    const tombstones: Record<string, readonly string[]> = {};
    for (const element of sortedKeys(payload.tombstones)) {
      const kept = (payload.tombstones[element] ?? []).filter((tag) => !keys.has(tag));
      if (kept.length > 0) tombstones[element] = kept;
    }
    return { live: payload.live, tombstones };
  },
  context(payload) {
    const seen: Record<string, number> = {};
    for (const record of [payload.live, payload.tombstones])
      for (const tags of Object.values(record))
        for (const tag of tags) {
          const parts = tagParts(tag);
          if (parts !== undefined && parts[1] > (seen[parts[0]] ?? 0)) seen[parts[0]] = parts[1];
        }
    return seen;
  },
  forget(incoming, local, seen) {
    let ignored = 0;
    const keep =
      (element: string) =>
      (tag: string): boolean => {
        const parts = tagParts(tag);
        const covered = parts !== undefined && parts[1] <= (seen[parts[0]] ?? 0);
        const held = (local.live[element] ?? []).includes(tag) || (local.tombstones[element] ?? []).includes(tag);
        if (covered && !held) ignored += 1;
        return !covered || held;
      };
    const filter = (record: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> => {
      const out: Record<string, readonly string[]> = {};
      for (const element of sortedKeys(record)) {
        const kept = (record[element] ?? []).filter(keep(element));
        if (kept.length > 0) out[element] = kept;
      }
      return out;
    };
    const payload = { live: filter(incoming.live), tombstones: filter(incoming.tombstones) };
    return { payload, ignored };
  },
};

export const orSet: CrdtType<OrSetPayload, OrSetOp> = {
  name: "or-set",
  citation: "RR-7506 §3.3.5, Spec 15 (OR-Set, op-based); state-based form with tombstones",
  updates: ["add", "remove"],
  opBased: true,
  empty: () => ({ live: {}, tombstones: {} }),
  prepare(payload, request, env): Prepared<OrSetOp> {
    if (request.op !== "add" && request.op !== "remove") return unknownOp("or-set", request.op, orSet.updates);
    const element = elementArg(request.args);
    if (element === undefined) return { ok: false, error: `${request.op} needs args.element (a string or number)` };
    if (request.op === "add") {
      const tag = env.uniqueTag();
      return {
        ok: true,
        ops: [{ type: "add", element, tag }],
        explanation: `${env.replica} adds ${quote(element)} with the fresh tag ${tag} (Spec 15: add(e) inserts (e, unique())).`,
      };
    }
    const observed = payload.live[element] ?? [];
    if (observed.length === 0) {
      return { ok: false, error: `${quote(element)} is not in the set here (Spec 15: remove(e) requires lookup(e))` };
    }
    return {
      ok: true,
      ops: [{ type: "remove", element, tags: [...observed] }],
      explanation: `${env.replica} removes ${quote(element)}: exactly the tags it has observed, ${list(observed)}; a tag added elsewhere and not yet seen here is not affected.`,
    };
  },
  apply(payload, op, mode) {
    if (op.type === "add") {
      if ((payload.tombstones[op.element] ?? []).includes(op.tag)) return payload;
      if ((payload.live[op.element] ?? []).includes(op.tag)) return payload;
      return {
        live: withEntry(payload.live, op.element, union(payload.live[op.element], [op.tag])),
        tombstones: payload.tombstones,
      };
    }
    const live = withEntry(payload.live, op.element, minus(payload.live[op.element], op.tags));
    if (mode === "op") return { live, tombstones: payload.tombstones };
    return {
      live,
      tombstones: withEntry(payload.tombstones, op.element, union(payload.tombstones[op.element], op.tags)),
    };
  },
  // Almeida et al. 2018, Fig. 3 (AWORSet) in spirit: the delta of an add or remove is
  // the update applied to the empty payload, the one tag, stamp or element it adds.
  delta: (_before, op) => orSet.apply(orSet.empty(), op, "state"),
  tombstoneGc: orSetGc,
  merge(a, b) {
    const live: Record<string, readonly string[]> = {};
    const tombstones: Record<string, readonly string[]> = {};
    for (const element of sortedKeys({ ...a.live, ...b.live, ...a.tombstones, ...b.tombstones })) {
      const dead = union(a.tombstones[element], b.tombstones[element]);
      const alive = minus(union(a.live[element], b.live[element]), dead);
      if (alive.length > 0) live[element] = alive;
      if (dead.length > 0) tombstones[element] = dead;
    }
    return { live, tombstones };
  },
  value: members,
  elements: (payload) => sortedKeys({ ...payload.live, ...payload.tombstones }),
  metadata: (payload) => ({ tags: count(payload.live), tombstones: count(payload.tombstones), vectorEntries: 0 }),
  encode: (payload) => ({ live: encodeTags(payload.live), tombstones: encodeTags(payload.tombstones) }),
  decode(json) {
    const object = asObject(json, "or-set");
    return {
      live: decodeTags(object["live"], "or-set.live"),
      tombstones: decodeTags(object["tombstones"], "or-set.tombstones"),
    };
  },
  explainMerge(before, incoming, after, self, from) {
    const changes: string[] = [];
    for (const element of sortedKeys({ ...after.live, ...after.tombstones })) {
      const was = before.live[element] ?? [];
      const is = after.live[element] ?? [];
      const dead = after.tombstones[element] ?? [];
      const newDead = minus(dead, before.tombstones[element]);
      const newLive = minus(is, was);
      if (was.length > 0 && is.length === 0) {
        changes.push(
          `${quote(element)} leaves the set: every tag it had (${list(was)}) is now a tombstone, so a remove had observed them all`,
        );
      } else if (is.length > 0 && dead.length > 0 && (newDead.length > 0 || newLive.length > 0)) {
        changes.push(
          `tag ${list(is)} for ${quote(element)} survives because the removes of ${quote(element)} only saw tags ${list(dead)}`,
        );
      } else if (was.length === 0 && is.length > 0) {
        changes.push(`${quote(element)} joins the set with tag ${list(is)}`);
      }
    }
    const incomingSize = count(incoming.live) + count(incoming.tombstones);
    if (changes.length === 0) {
      const carried =
        incomingSize === 1 ? "the one tag it carries" : `all ${incomingSize} tags and tombstones it carries`;
      return `${self} merges ${from}'s OR-Set: it already knew ${carried}, so nothing changes; the set is {${members(after).join(", ")}}.`;
    }
    return `${self} merges ${from}'s OR-Set: ${changes.join("; ")}. The set is now {${members(after).join(", ")}}.`;
  },
  explainApply(before, op, after, self) {
    if (op.type === "add") {
      if (after === before) return `${self} already has tag ${op.tag} of ${quote(op.element)}: nothing changes.`;
      return `${self} applies the add of ${quote(op.element)} with tag ${op.tag}; ${quote(op.element)} is in the set.`;
    }
    const left = after.live[op.element] ?? [];
    if (left.length === 0) {
      return `${self} applies the remove of ${quote(op.element)}: it deletes the observed tags ${list(op.tags)}, and no other tag is left, so ${quote(op.element)} is gone.`;
    }
    return `${self} applies the remove of ${quote(op.element)}: it deletes tags ${list(op.tags)}, but tag ${list(left)} survives because the remove never saw it (add wins).`;
  },
  describeOp: (op) =>
    op.type === "add" ? `add(${op.element}, ${op.tag})` : `remove(${op.element}, [${op.tags.join(", ")}])`,
};
