import { canonicalJson, type Json, type JsonObject } from "../../../sim/json";
import {
  asObject,
  compareStamps,
  formatStamp,
  stampFromJson,
  stampToJson,
  unknownOp,
  type CrdtType,
  type Prepared,
  type Stamp,
} from "./common";

/** The value and the timestamp of the write that produced it (RR-7506 Spec 9, payload x, t). */
export interface LwwRegisterPayload {
  readonly value: Json;
  readonly stamp: Stamp | null;
}

export interface SetOp extends JsonObject {
  type: "set";
  value: Json;
  stamp: JsonObject;
}

function show(payload: LwwRegisterPayload): string {
  return payload.stamp === null ? "nothing" : `${canonicalJson(payload.value)} (stamped ${formatStamp(payload.stamp)})`;
}

function newer(a: LwwRegisterPayload, b: LwwRegisterPayload): boolean {
  if (b.stamp === null) return a.stamp !== null;
  if (a.stamp === null) return false;
  return compareStamps(a.stamp, b.stamp) > 0;
}

/**
 * LWW-Register, RR-7506 Spec 9 (state-based) and Spec 8 (op-based). Every write
 * carries a timestamp; merge keeps the write with the larger one. The paper assumes
 * timestamps consistent with causality; with skewed physical clocks a write made
 * after seeing another can carry the smaller timestamp, and then it loses.
 */
export const lwwRegister: CrdtType<LwwRegisterPayload, SetOp> = {
  name: "lww-register",
  citation: "RR-7506 Spec 9 (state-based LWW-Register) and Spec 8 (op-based)",
  updates: ["set"],
  opBased: true,
  empty: () => ({ value: null, stamp: null }),
  prepare(payload, request, env): Prepared<SetOp> {
    if (request.op !== "set") return unknownOp("lww-register", request.op, lwwRegister.updates);
    if (!("value" in request.args)) return { ok: false, error: "set needs args.value" };
    const value = request.args["value"] as Json;
    const stamp = env.stamp(payload.stamp?.time ?? 0);
    const op: SetOp = { type: "set", value, stamp: stampToJson(stamp) };
    const explanation = `${env.replica} writes ${canonicalJson(value)} stamped ${formatStamp(stamp)}.`;
    if (payload.stamp !== null && compareStamps(stamp, payload.stamp) < 0) {
      return {
        ok: true,
        ops: [op],
        explanation,
        anomaly: {
          text: `${env.replica}'s write of ${canonicalJson(value)} is causally later than the ${show(payload)} it overwrites, yet its timestamp ${formatStamp(stamp)} is smaller: last-writer-wins will keep the older write wherever the two meet, and this one will silently disappear.`,
          data: {
            value,
            stamp: stampToJson(stamp),
            overwrites: payload.value,
            overwrittenStamp: stampToJson(payload.stamp),
          },
        },
      };
    }
    return { ok: true, ops: [op], explanation };
  },
  apply(payload, op, mode) {
    const incoming: LwwRegisterPayload = { value: op.value, stamp: stampFromJson(op.stamp) };
    // Spec 9's assign is unconditional at the source (it trusts now() to be the latest);
    // Spec 8's downstream effect only takes a write with a larger timestamp.
    if (mode === "state") return incoming;
    return newer(incoming, payload) ? incoming : payload;
  },
  merge: (a, b) => (newer(b, a) ? b : a),
  // The register is its own delta: one value and one stamp.
  delta: (_before, _op, after) => after,
  value: (payload) => payload.value,
  metadata: (payload) => ({ tags: payload.stamp === null ? 0 : 1, tombstones: 0, vectorEntries: 0 }),
  encode: (payload) => ({
    value: payload.value,
    stamp: payload.stamp === null ? null : stampToJson(payload.stamp),
  }),
  decode(json) {
    const object = asObject(json, "lww-register");
    const stamp = object["stamp"];
    return {
      value: object["value"] ?? null,
      stamp: stamp === null || stamp === undefined ? null : stampFromJson(stamp),
    };
  },
  explainMerge(before, incoming, after, self, from) {
    if (after === before || canonicalJson(lwwRegister.encode(after)) === canonicalJson(lwwRegister.encode(before))) {
      if (incoming.stamp === null) return `${self} merges ${from}'s empty register: it keeps ${show(before)}.`;
      return `${self} merges ${from}'s register ${show(incoming)}: it keeps its own ${show(before)}, whose timestamp is not smaller.`;
    }
    if (before.stamp === null) {
      return `${self} merges ${from}'s register: it held no write yet, so it takes ${show(incoming)}.`;
    }
    return `${self} merges ${from}'s register: ${show(incoming)} replaces ${show(before)} because its timestamp is larger (last writer wins).`;
  },
  explainApply(before, op, after, self) {
    const incoming = `${canonicalJson(op.value)} (stamped ${formatStamp(stampFromJson(op.stamp))})`;
    if (after === before)
      return `${self} ignores the write ${incoming}: it already holds ${show(before)}, a larger timestamp.`;
    if (before.stamp === null) return `${self} takes the write ${incoming}: it held no write yet.`;
    return `${self} takes the write ${incoming} in place of ${show(before)}: its timestamp is larger.`;
  },
  describeOp: (op) => `set(${canonicalJson(op.value)}, ${formatStamp(stampFromJson(op.stamp))})`,
};
