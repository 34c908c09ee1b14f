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

/**
 * The run's history in the linearizability checker's kv shape (Herlihy & Wing 1990),
 * so that one run can be judged by both checkers: every committed transaction that
 * touched one key, only reading it or only writing it, becomes one operation (a get
 * with the value it read, or a put of its last write), invoked at the transaction's
 * first request and returned at its commit's reply. Other transactions are left out.
 * Returns null when no transaction qualifies.
 */
export function kvHistory(config: IsolationConfig, events: readonly TraceEvent[]): JsonObject | null {
  const invoked = new Map<string, number>();
  const committed = new Map<string, Json[]>();
  const operations: JsonObject[] = [];
  for (const event of events) {
    const data = event.data;
    if (data === null) continue;
    if (event.kind === "CLIENT_INVOKE") {
      const args = data["args"];
      const tx = args !== null && typeof args === "object" && !Array.isArray(args) ? args["tx"] : undefined;
      if (typeof tx === "string" && !invoked.has(tx)) invoked.set(tx, event.seq);
    } else if (event.kind === "STATE_CHANGE" && data["fact"] === "commit" && Array.isArray(data["ops"])) {
      committed.set(String(data["tx"]), data["ops"]);
    } else if (event.kind === "CLIENT_RETURN" && data["op"] === "commit") {
      const result = data["result"];
      if (result === null || typeof result !== "object" || Array.isArray(result) || result["ok"] !== true) continue;
      const tx = String(result["tx"]);
      const operation = asKvOperation(committed.get(tx) ?? [], invoked.get(tx), event.seq, operations.length);
      if (operation !== null) operations.push(operation);
    }
  }
  return operations.length === 0 ? null : { model: "kv", initial: { ...config.initial }, operations };
}

function asKvOperation(
  ops: Json[],
  invokeIndex: number | undefined,
  returnIndex: number,
  client: number,
): JsonObject | null {
  if (ops.length === 0 || invokeIndex === undefined) return null;
  const shaped = ops.filter((op): op is [string, string, Json] => Array.isArray(op) && op.length === 3);
  const key = shaped[0]?.[1];
  const kind = shaped[0]?.[0];
  if (shaped.length !== ops.length || shaped.some((op) => op[1] !== key || op[0] !== kind)) return null;
  const last = shaped.at(-1) as [string, string, Json];
  if (kind === "r") return { client, op: "get", key: last[1], args: [], result: last[2], invokeIndex, returnIndex };
  return { client, op: "put", key: last[1], args: [last[2]], invokeIndex, returnIndex };
}
