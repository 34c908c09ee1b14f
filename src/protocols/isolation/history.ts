import type { JsonObject, Json } from "../../sim/json";
import type { TraceEvent } from "../../sim/types";
import type { IsolationConfig } from "./types";

/**
 * The run's history in the serializability checker's rw-register shape (Elle;
 * Kingsbury & Alvaro 2020): T0 is the setup transaction that wrote config.initial,
 * then every transaction the store committed (`ok`) or aborted (`fail`), in the order
 * it ended, with its reads and writes as the `commit` and `abort` facts recorded them.
 * Returns null when the events hold no transaction.
 */
export function rwRegisterHistory(config: IsolationConfig, events: readonly TraceEvent[]): JsonObject | null {
  const txns: Json[] = [];
  const setup = Object.entries(config.initial).map(([key, value]) => ["w", key, value]);
  if (setup.length > 0) txns.push({ process: "setup", type: "ok", ops: setup });
  let seen = 0;
  for (const event of events) {
    const fact = event.data?.["fact"];
    if (event.kind !== "STATE_CHANGE" || (fact !== "commit" && fact !== "abort")) continue;
    const ops = event.data?.["ops"];
    if (!Array.isArray(ops)) continue;
    seen += 1;
    txns.push({ process: String(event.data?.["tx"]), type: fact === "commit" ? "ok" : "fail", ops });
  }
  return seen === 0 ? null : { kind: "rw-register", txns };
}
