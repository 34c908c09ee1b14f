import type { JsonObject } from "../../../sim/json";
import type { CrdtType, CrdtTypeName } from "./common";
import { gCounter } from "./g-counter";
import { lwwRegister } from "./lww-register";
import { lwwSet } from "./lww-set";
import { orSet } from "./or-set";
import { pnCounter } from "./pn-counter";
import { rga } from "./rga";
import { twoPhaseSet } from "./two-phase-set";

export * from "./common";
export { gCounter } from "./g-counter";
export { pnCounter } from "./pn-counter";
export { lwwRegister } from "./lww-register";
export { lwwSet } from "./lww-set";
export { orSet } from "./or-set";
export { twoPhaseSet } from "./two-phase-set";
export { rga } from "./rga";

/** A data type with its payload and operation types erased, as the protocol layer holds it. */
export type AnyCrdtType = CrdtType<unknown, JsonObject>;

function erase<Payload, Op extends JsonObject>(type: CrdtType<Payload, Op>): AnyCrdtType {
  return type as unknown as AnyCrdtType;
}

export const DATA_TYPES: Readonly<Record<CrdtTypeName, AnyCrdtType>> = {
  "g-counter": erase(gCounter),
  "pn-counter": erase(pnCounter),
  "lww-register": erase(lwwRegister),
  "lww-set": erase(lwwSet),
  "or-set": erase(orSet),
  "2p-set": erase(twoPhaseSet),
  rga: erase(rga),
};
