import type { JsonObject } from "../../../sim/json";
import {
  asObject,
  compareStamps,
  elementArg,
  formatStamp,
  quote,
  sortedKeys,
  stampFromJson,
  stampToJson,
  unknownOp,
  type CrdtType,
  type Prepared,
  type Stamp,
} from "./common";

/**
 * LWW-element-Set, RR-7506 §3.3.3: an add set A and a remove set R of (element,
 * timestamp) pairs. Only the largest timestamp per element matters to lookup, so each
 * side keeps one stamp per element.
 */
export interface LwwSetPayload {
  readonly adds: Readonly<Record<string, Stamp>>;
  readonly removes: Readonly<Record<string, Stamp>>;
}

export interface LwwSetOp extends JsonObject {
  type: "add" | "remove";
  element: string;
  stamp: JsonObject;
}

/** e is in the set when its latest add is not older than its latest remove (ties go to add: RR-7506's "bias towards add"). */
export function lwwContains(payload: LwwSetPayload, element: string): boolean {
  const added = payload.adds[element];
  if (added === undefined) return false;
  const removed = payload.removes[element];
  return removed === undefined || compareStamps(added, removed) >= 0;
}

function maxStamps(a: Readonly<Record<string, Stamp>>, b: Readonly<Record<string, Stamp>>): Record<string, Stamp> {
  const out: Record<string, Stamp> = {};
  for (const key of sortedKeys({ ...a, ...b })) {
    const x = a[key];
    const y = b[key];
    out[key] = x === undefined ? (y as Stamp) : y === undefined || compareStamps(x, y) >= 0 ? x : y;
  }
  return out;
}

function members(payload: LwwSetPayload): string[] {
  return sortedKeys(payload.adds).filter((element) => lwwContains(payload, element));
}

function observedTime(payload: LwwSetPayload): number {
  let max = 0;
  for (const stamp of Object.values(payload.adds)) max = Math.max(max, stamp.time);
  for (const stamp of Object.values(payload.removes)) max = Math.max(max, stamp.time);
  return max;
}

function encodeStamps(stamps: Readonly<Record<string, Stamp>>): JsonObject {
  const out: JsonObject = {};
  for (const key of sortedKeys(stamps)) out[key] = stampToJson(stamps[key] as Stamp);
  return out;
}

function decodeStamps(json: JsonObject[string] | undefined, what: string): Record<string, Stamp> {
  const object = asObject(json, what);
  const out: Record<string, Stamp> = {};
  for (const key of sortedKeys(object)) out[key] = stampFromJson(object[key]);
  return out;
}

function why(payload: LwwSetPayload, element: string): string {
  const added = payload.adds[element];
  const removed = payload.removes[element];
  if (added === undefined) return `it was never added`;
  if (removed === undefined) return `it has an add (${formatStamp(added)}) and no remove`;
  return lwwContains(payload, element)
    ? `its latest add ${formatStamp(added)} is not older than its latest remove ${formatStamp(removed)}`
    : `its latest remove ${formatStamp(removed)} is later than its latest add ${formatStamp(added)}`;
}

export const lwwSet: CrdtType<LwwSetPayload, LwwSetOp> = {
  name: "lww-set",
  citation: "RR-7506 §3.3.3 (LWW-element-Set)",
  updates: ["add", "remove"],
  opBased: true,
  empty: () => ({ adds: {}, removes: {} }),
  prepare(payload, request, env): Prepared<LwwSetOp> {
    if (request.op !== "add" && request.op !== "remove") return unknownOp("lww-set", request.op, lwwSet.updates);
    const element = elementArg(request.args);
    if (element === undefined) return { ok: false, error: `${request.op} needs args.element (a string or number)` };
    const stamp = env.stamp(observedTime(payload));
    const verb = request.op === "add" ? "adds" : "removes";
    return {
      ok: true,
      ops: [{ type: request.op, element, stamp: stampToJson(stamp) }],
      explanation: `${env.replica} ${verb} ${quote(element)} with timestamp ${formatStamp(stamp)}; where an add and a remove of ${quote(element)} meet, the later timestamp wins.`,
    };
  },
  apply(payload, op) {
    const stamp = stampFromJson(op.stamp);
    const side = op.type === "add" ? payload.adds : payload.removes;
    const current = side[op.element];
    if (current !== undefined && compareStamps(current, stamp) >= 0) return payload;
    const updated = { ...side, [op.element]: stamp };
    return op.type === "add" ? { adds: updated, removes: payload.removes } : { adds: payload.adds, removes: updated };
  },
  // Almeida et al. 2018, Fig. 3 (AWORSet) in spirit: the delta of an add or remove is
  // the update applied to the empty payload, the one tag, stamp or element it adds.
  delta: (_before, op) => lwwSet.apply(lwwSet.empty(), op, "state"),
  merge: (a, b) => ({ adds: maxStamps(a.adds, b.adds), removes: maxStamps(a.removes, b.removes) }),
  value: members,
  elements: (payload) => sortedKeys({ ...payload.adds, ...payload.removes }),
  metadata: (payload) => ({
    tags: Object.keys(payload.adds).length,
    tombstones: Object.keys(payload.removes).length,
    vectorEntries: 0,
  }),
  encode: (payload) => ({ adds: encodeStamps(payload.adds), removes: encodeStamps(payload.removes) }),
  decode(json) {
    const object = asObject(json, "lww-set");
    return {
      adds: decodeStamps(object["adds"], "lww-set.adds"),
      removes: decodeStamps(object["removes"], "lww-set.removes"),
    };
  },
  explainMerge(before, incoming, after, self, from) {
    const changes: string[] = [];
    for (const element of sortedKeys({ ...after.adds, ...after.removes })) {
      const was = lwwContains(before, element);
      const is = lwwContains(after, element);
      if (was && !is) changes.push(`${quote(element)} leaves the set because ${why(after, element)} (the add is lost)`);
      else if (!was && is) changes.push(`${quote(element)} joins the set because ${why(after, element)}`);
      else if (is && incoming.removes[element] !== undefined && before.removes[element] === undefined) {
        changes.push(`${quote(element)} stays because ${why(after, element)}`);
      }
    }
    if (changes.length === 0) {
      return `${self} merges ${from}'s LWW-element-Set (latest stamp per element on each side): no element changes; the set is {${members(after).join(", ")}}.`;
    }
    return `${self} merges ${from}'s LWW-element-Set: ${changes.join("; ")}. The set is now {${members(after).join(", ")}}.`;
  },
  explainApply(before, op, after, self) {
    const was = lwwContains(before, op.element);
    const is = lwwContains(after, op.element);
    const what = `${op.type} of ${quote(op.element)} stamped ${formatStamp(stampFromJson(op.stamp))}`;
    if (was === is)
      return `${self} applies the ${what}: ${quote(op.element)} stays ${is ? "in" : "out of"} the set (${why(after, op.element)}).`;
    return `${self} applies the ${what}: ${quote(op.element)} is now ${is ? "in" : "out of"} the set (${why(after, op.element)}).`;
  },
  describeOp: (op) => `${op.type}(${op.element}, ${formatStamp(stampFromJson(op.stamp))})`,
};
