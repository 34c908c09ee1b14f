import { isJsonObject, type Json, type JsonObject } from "../../sim/json";
import type { TraceEvent } from "../../sim/types";

/**
 * The history of a run: its CLIENT_INVOKE and CLIENT_RETURN events turned into the
 * checker's JSON shape (model kv), so a run is judged from its trace alone.
 *
 * What the core records: CLIENT_INVOKE data { request, op, args, attempt, client? }
 * and CLIENT_RETURN data { request, op, result }. The operations of a key-value
 * store are read from them as Raft's KV writes them (src/protocols/raft/client.ts):
 *   put  { key, value }           -> put [value]
 *   get  { key }                  -> get [], result = result.value
 *   cas  { key, expected, value } -> cas [expected, value], result = result.swapped
 *   append { key, value }         -> append [value]
 * Any other operation (a 2PC transaction, a CRDT update) is not a register's and is
 * left out; a run with none of these has no history (null).
 *
 * Each attempt of a request is one operation (a redirected request is tried again
 * under the same id), and the positions are event seqs. A reply with result.ok true
 * took effect; one with ok false failed and never took effect, unless it says its
 * outcome is unknown (Raft's "leadership lost: the outcome is unknown", or
 * result.outcome "unknown"), which counts as no reply: it may have taken effect, or
 * not. A request that never got a reply may have taken effect at any time after its
 * invocation, or never.
 *
 * Clients: data.client when the protocol records it, else each request is its own
 * client. A client that invokes while its previous operation has no reply gets a
 * new client number (as Jepsen gives a crashed process a new id).
 */

export interface TraceHistory {
  /** The history in the JSON shape of history.ts; operations in order of invocation. */
  readonly history: {
    readonly model: "kv";
    readonly initial: JsonObject;
    readonly operations: JsonObject[];
  };
  /** What each client number stands for in the run, for sentences ("request r3 at n1"). */
  readonly clientNames: readonly string[];
}

const KV_OPERATIONS = new Set(["put", "get", "cas", "append"]);

interface Open {
  readonly operation: JsonObject;
  readonly client: string;
}

export function historyFromTrace(events: Iterable<TraceEvent>): TraceHistory | null {
  const operations: JsonObject[] = [];
  const clientNames: string[] = [];
  const clientNumbers = new Map<string, number>();
  /** Per request id, the attempt waiting for its reply. */
  const open = new Map<string, Open>();
  /** Per client, whether its last operation is still waiting. */
  const busy = new Map<string, JsonObject>();

  const clientNumber = (name: string, label: string): number => {
    let number = clientNumbers.get(name);
    if (number === undefined || busy.has(name)) {
      number = clientNames.length;
      clientNames.push(label);
      clientNumbers.set(name, number);
    }
    return number;
  };

  for (const event of events) {
    const data = event.data;
    if (data === null) continue;
    if (event.kind === "CLIENT_INVOKE") {
      const request = data["request"];
      const op = data["op"];
      const args = data["args"];
      if (typeof request !== "string" || typeof op !== "string" || !KV_OPERATIONS.has(op) || !isJsonObject(args)) {
        continue;
      }
      const key = args["key"];
      if (typeof key !== "string") continue;
      const clientField = data["client"];
      const client =
        typeof clientField === "string" || typeof clientField === "number" ? `client ${clientField}` : request;
      const label = client === request ? `client ${request}` : client;
      const number = clientNumber(client, label);
      const operation: JsonObject = {
        client: number,
        op,
        key,
        args: argumentsOf(op, args),
        invokeIndex: event.seq,
        returnIndex: null,
      };
      operations.push(operation);
      open.set(request, { operation, client });
      busy.set(client, operation);
    } else if (event.kind === "CLIENT_RETURN") {
      const request = data["request"];
      if (typeof request !== "string") continue;
      const waiting = open.get(request);
      if (waiting === undefined) continue;
      open.delete(request);
      const result = data["result"];
      const operation = waiting.operation;
      // An unknown outcome leaves the operation open for good: its client's next one gets a new number.
      if (!isJsonObject(result) || outcomeUnknown(result)) continue;
      busy.delete(waiting.client);
      operation["returnIndex"] = event.seq;
      if (result["ok"] !== true) {
        operation["failed"] = true;
        continue;
      }
      const value = resultOf(operation["op"] as string, result);
      if (value !== undefined) operation["result"] = value;
    }
  }
  if (operations.length === 0) return null;
  return { history: { model: "kv", initial: {}, operations }, clientNames };
}

function argumentsOf(op: string, args: JsonObject): Json[] {
  switch (op) {
    case "get":
      return [];
    case "cas":
      return [args["expected"] ?? null, args["value"] ?? null];
    default:
      return [args["value"] ?? null];
  }
}

/** The result the model compares: a get's value, a cas's swapped; none for a put or an append. */
function resultOf(op: string, result: JsonObject): Json | undefined {
  if (op === "get") return result["value"] ?? null;
  if (op === "cas") return typeof result["swapped"] === "boolean" ? result["swapped"] : undefined;
  return undefined;
}

function outcomeUnknown(result: JsonObject): boolean {
  if (result["outcome"] === "unknown") return true;
  const error = result["error"];
  return result["ok"] !== true && typeof error === "string" && /\bunknown\b/i.test(error);
}
