import type { JsonObject } from "../../../sim/json";
import { asObject, positiveAmount, unknownOp, type CrdtType, type Prepared } from "./common";
import { vectorDecode, vectorEncode, vectorGrowth, vectorMerge, vectorSum, type Vector } from "./g-counter";

/** Two G-Counters: increments in P, decrements in N (RR-7506 Spec 7). */
export interface PnPayload {
  readonly p: Vector;
  readonly n: Vector;
}

export interface PnOp extends JsonObject {
  type: "inc" | "dec";
  replica: string;
  amount: number;
}

function valueOf(payload: PnPayload): number {
  return vectorSum(payload.p) - vectorSum(payload.n);
}

/**
 * PN-Counter, RR-7506 Spec 7: a G-Counter cannot go down (its merge is a maximum), so
 * a counter that also decrements keeps two of them and reads P − N. Each half merges
 * by entry-wise maximum on its own.
 */
export const pnCounter: CrdtType<PnPayload, PnOp> = {
  name: "pn-counter",
  citation: "RR-7506 Spec 7 (state-based PN-Counter); Spec 5 for the op-based counter",
  updates: ["inc", "dec"],
  opBased: true,
  empty: () => ({ p: {}, n: {} }),
  prepare(_payload, request, env): Prepared<PnOp> {
    if (request.op !== "inc" && request.op !== "dec") return unknownOp("pn-counter", request.op, pnCounter.updates);
    const amount = positiveAmount(request.args);
    if (amount === undefined) return { ok: false, error: "amount must be a positive integer" };
    const half = request.op === "inc" ? "P" : "N";
    return {
      ok: true,
      ops: [{ type: request.op, replica: env.replica, amount }],
      explanation: `${env.replica} adds ${amount} to its own entry of ${half} (Spec 7: ${request.op === "inc" ? "increments" : "decrements"} go to ${half}).`,
    };
  },
  apply(payload, op) {
    const half = op.type === "inc" ? payload.p : payload.n;
    const updated = { ...half, [op.replica]: (half[op.replica] ?? 0) + op.amount };
    return op.type === "inc" ? { p: updated, n: payload.n } : { p: payload.p, n: updated };
  },
  merge: (a, b) => ({ p: vectorMerge(a.p, b.p), n: vectorMerge(a.n, b.n) }),
  // Almeida et al. 2018, §3 (PNCounter as a pair of GCounters): the delta is the one changed entry.
  delta: (_before, op, after) =>
    op.type === "inc"
      ? { p: { [op.replica]: after.p[op.replica] ?? 0 }, n: {} }
      : { p: {}, n: { [op.replica]: after.n[op.replica] ?? 0 } },
  value: valueOf,
  metadata: (payload) => ({
    tags: 0,
    tombstones: 0,
    vectorEntries: Object.keys(payload.p).length + Object.keys(payload.n).length,
  }),
  encode: (payload) => ({ p: vectorEncode(payload.p), n: vectorEncode(payload.n) }),
  decode(json) {
    const object = asObject(json, "pn-counter");
    return { p: vectorDecode(object["p"], "pn-counter.p"), n: vectorDecode(object["n"], "pn-counter.n") };
  },
  explainMerge(before, incoming, after, self, from) {
    const grown = [
      ...vectorGrowth(before.p, after.p).map((g) => `P ${g}`),
      ...vectorGrowth(before.n, after.n).map((g) => `N ${g}`),
    ];
    if (grown.length === 0) {
      return `${self} merges ${from}'s PN-Counter (value ${valueOf(incoming)}): it already has every entry, so nothing changes (value ${valueOf(after)}).`;
    }
    return `${self} merges ${from}'s PN-Counter entry by entry in P and N (${grown.join(", ")}): value ${valueOf(before)} → ${valueOf(after)}.`;
  },
  explainApply(before, op, after, self) {
    return `${self} applies ${op.replica}'s ${op.type === "inc" ? "increment" : "decrement"} by ${op.amount}: value ${valueOf(before)} → ${valueOf(after)}.`;
  },
  describeOp: (op) => `${op.type}(${op.replica}, ${op.amount})`,
};
