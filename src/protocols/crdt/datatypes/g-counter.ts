import type { Json, JsonObject } from "../../../sim/json";
import { asObject, positiveAmount, sortedKeys, unknownOp, type CrdtType, type Prepared } from "./common";

/** One entry per replica: how many increments that replica has made (RR-7506 Spec 6, payload P). */
export type Vector = Record<string, number>;

export interface IncOp extends JsonObject {
  type: "inc";
  replica: string;
  amount: number;
}

export function vectorMerge(a: Readonly<Vector>, b: Readonly<Vector>): Vector {
  const merged: Vector = {};
  for (const key of sortedKeys({ ...a, ...b })) merged[key] = Math.max(a[key] ?? 0, b[key] ?? 0);
  return merged;
}

export function vectorSum(vector: Readonly<Vector>): number {
  let sum = 0;
  for (const key of Object.keys(vector)) sum += vector[key] as number;
  return sum;
}

export function vectorEncode(vector: Readonly<Vector>): JsonObject {
  const out: JsonObject = {};
  for (const key of sortedKeys(vector)) out[key] = vector[key] as number;
  return out;
}

export function vectorDecode(json: Json | undefined, what: string): Vector {
  const object = asObject(json, what);
  const out: Vector = {};
  for (const key of sortedKeys(object)) {
    const value = object[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new Error(`${what}.${key}: expected a count`);
    }
    out[key] = value;
  }
  return out;
}

/** Entries where `after` grew beyond `before`, as "n1 2→5". */
export function vectorGrowth(before: Readonly<Vector>, after: Readonly<Vector>): string[] {
  const grown: string[] = [];
  for (const key of sortedKeys(after)) {
    const old = before[key] ?? 0;
    const now = after[key] as number;
    if (now > old) grown.push(`${key} ${old}→${now}`);
  }
  return grown;
}

/**
 * G-Counter, RR-7506 Spec 6 (state-based increment-only counter): each replica
 * counts its own increments in its own entry; value() is the sum; merge takes the
 * entry-wise maximum, so an increment counted twice (a duplicated message) is still
 * counted once.
 */
export const gCounter: CrdtType<Vector, IncOp> = {
  name: "g-counter",
  citation: "RR-7506 Spec 6 (state-based G-Counter); Spec 5 for the op-based counter",
  updates: ["inc"],
  opBased: true,
  empty: () => ({}),
  prepare(_payload, request, env): Prepared<IncOp> {
    if (request.op !== "inc") return unknownOp("g-counter", request.op, gCounter.updates);
    const amount = positiveAmount(request.args);
    if (amount === undefined) return { ok: false, error: "a G-Counter only grows: amount must be a positive integer" };
    return {
      ok: true,
      ops: [{ type: "inc", replica: env.replica, amount }],
      explanation: `${env.replica} adds ${amount} to its own entry of the vector (Spec 6: P[myID] += 1 per increment).`,
    };
  },
  apply(payload, op) {
    return { ...payload, [op.replica]: (payload[op.replica] ?? 0) + op.amount };
  },
  merge: vectorMerge,
  // Almeida et al. 2018, Fig. 2 (GCounter): inc^δ_i(m) = {i ↦ m(i) + 1}, only the replica's own entry.
  delta: (_before, op, after) => ({ [op.replica]: after[op.replica] ?? 0 }),
  value: vectorSum,
  metadata: (payload) => ({ tags: 0, tombstones: 0, vectorEntries: Object.keys(payload).length }),
  encode: vectorEncode,
  decode: (json) => vectorDecode(json, "g-counter"),
  explainMerge(before, incoming, after, self, from) {
    const grown = vectorGrowth(before, after);
    if (grown.length === 0) {
      return `${self} merges ${from}'s G-Counter ${JSON.stringify(vectorEncode(incoming))}: every entry is already at least as high, so nothing changes (value ${vectorSum(after)}).`;
    }
    return `${self} merges ${from}'s G-Counter by taking each entry's maximum (${grown.join(", ")}): value ${vectorSum(before)} → ${vectorSum(after)}.`;
  },
  explainApply(before, op, after, self) {
    return `${self} applies ${op.replica}'s increment by ${op.amount}: value ${vectorSum(before)} → ${vectorSum(after)}.`;
  },
  describeOp: (op) => `inc(${op.replica}, ${op.amount})`,
};
