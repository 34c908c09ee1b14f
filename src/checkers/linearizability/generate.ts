import type { Json, JsonObject } from "../../sim/json";
import { Rng } from "../../sim/rng";
import type { ModelName } from "./history";

/**
 * Histories made by a correct, atomic store, for tests and the bench: clients with
 * overlapping operations, each taking effect at one moment between its invocation
 * and its return, so every history made here is linearizable by construction
 * (unless `breakOneRead` changes a read afterwards).
 */

export interface GenerateOptions {
  readonly model: ModelName;
  readonly clients: number;
  readonly operations: number;
  /** kv only: how many keys (default 10). */
  readonly keys?: number;
  readonly seed: number;
  /** Chance that an operation never gets a reply (it may or may not take effect); its client is then replaced. */
  readonly noReplyRate?: number;
  /** Chance that an operation fails (never takes effect) and says so. */
  readonly failRate?: number;
}

export interface GeneratedOperation extends JsonObject {
  client: number;
  op: string;
  args: Json[];
  invokeIndex: number;
  returnIndex: number | null;
}

export interface GeneratedHistory {
  model: ModelName;
  initial: Json;
  operations: GeneratedOperation[];
}

interface Running {
  readonly operation: GeneratedOperation;
  applied: boolean;
  readonly fate: "reply" | "no-reply" | "fail";
}

export function generateHistory(options: GenerateOptions): GeneratedHistory {
  const rng = new Rng(options.seed, "linearizability-history");
  const keys = options.model === "kv" ? Array.from({ length: options.keys ?? 10 }, (_, i) => `k${i}`) : [null];
  const store = new Map<string | null, Json>(keys.map((key) => [key, 0]));
  const operations: GeneratedOperation[] = [];
  const running = new Map<number, Running>();
  const slots = Array.from({ length: options.clients }, (_, i) => i);
  let nextClient = options.clients;
  let position = 0;
  let nextValue = 1;
  let invoked = 0;
  while (invoked < options.operations || running.size > 0) {
    const slot = rng.int(0, slots.length - 1);
    const client = slots[slot] as number;
    const current = running.get(client);
    if (current === undefined) {
      if (invoked >= options.operations) continue;
      const key = rng.pick(keys);
      const operation = newOperation(options.model, rng, client, key, store.get(key) ?? null, nextValue);
      nextValue += 1;
      operation.invokeIndex = position++;
      operations.push(operation);
      invoked += 1;
      const roll = rng.float();
      const fate =
        roll < (options.noReplyRate ?? 0)
          ? "no-reply"
          : roll < (options.noReplyRate ?? 0) + (options.failRate ?? 0)
            ? "fail"
            : "reply";
      running.set(client, { operation, applied: false, fate });
    } else if (!current.applied && current.fate !== "fail" && rng.chance(0.5)) {
      if (current.fate === "reply" || rng.chance(0.5)) apply(current.operation, store);
      current.applied = true;
    } else if (current.applied || current.fate === "fail") {
      running.delete(client);
      if (current.fate === "no-reply") {
        current.operation.returnIndex = null;
        delete current.operation["result"];
        // A client whose reply never came is replaced by a new one (as Jepsen does).
        slots[slot] = nextClient++;
      } else {
        current.operation.returnIndex = position++;
        if (current.fate === "fail") {
          current.operation.failed = true;
          delete current.operation["result"];
        }
      }
    }
  }
  const initial: Json = options.model === "kv" ? Object.fromEntries(keys.map((key) => [key as string, 0])) : 0;
  return { model: options.model, initial, operations };
}

/** Changes the result of one read (the middle one) to a value no operation ever wrote; false if there is none. */
export function breakOneRead(history: GeneratedHistory): boolean {
  const reads = history.operations.filter(
    (operation) => (operation.op === "read" || operation.op === "get") && "result" in operation,
  );
  const target = reads[Math.floor(reads.length / 2)];
  if (target === undefined) return false;
  target.result = "never written";
  return true;
}

function newOperation(
  model: ModelName,
  rng: Rng,
  client: number,
  key: string | null,
  current: Json,
  value: number,
): GeneratedOperation {
  const base = { client, invokeIndex: 0, returnIndex: null, ...(key === null ? {} : { key }) };
  const roll = rng.float();
  const readOp = model === "kv" ? "get" : "read";
  const writeOp = model === "kv" ? "put" : "write";
  if (model !== "register" && roll < 0.3) {
    // Half the compare-and-swaps expect the current value, so about half succeed.
    const expected = rng.chance(0.5) ? current : rng.int(0, value);
    return { ...base, op: "cas", args: [expected, value] };
  }
  if (roll < 0.65) return { ...base, op: readOp, args: [] };
  return { ...base, op: writeOp, args: [value] };
}

function apply(operation: GeneratedOperation, store: Map<string | null, Json>): void {
  const key = typeof operation["key"] === "string" ? operation["key"] : null;
  const current = store.get(key) ?? null;
  switch (operation.op) {
    case "read":
    case "get":
      operation.result = current;
      return;
    case "write":
    case "put":
      store.set(key, operation.args[0] ?? null);
      return;
    case "cas": {
      const swapped = current === operation.args[0];
      if (swapped) store.set(key, operation.args[1] ?? null);
      operation.result = swapped;
      return;
    }
    default:
      throw new Error(`generateHistory: no such operation ${operation.op}`);
  }
}
