import { canonicalJson, isJsonObject, type Json } from "../../sim/json";

/**
 * A history of client operations, the input of the linearizability checker
 * (Herlihy and Wing 1990, section 2: a history is a sequence of invocations and
 * responses; an operation is an invocation with its matching response).
 *
 * The JSON shape (the Contract of issue 10):
 *
 *   { "model": "register" | "cas-register" | "kv",
 *     "initial": <the register's value, or for kv an object of every key's value>,
 *     "operations": [ { "client": 3, "op": "read", "key": "k1" (kv only), "args": [],
 *                       "result": 1 (absent: unknown; null is a value),
 *                       "invokeIndex": 17, "returnIndex": 20 (null or absent: no reply),
 *                       "failed": true (optional) } ] }
 */

export const MODEL_NAMES = ["register", "cas-register", "kv"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The operations each model accepts, with how many arguments each takes. */
export const MODEL_OPERATIONS: Readonly<Record<ModelName, Readonly<Record<string, number>>>> = {
  register: { read: 0, write: 1 },
  "cas-register": { read: 0, write: 1, cas: 2 },
  kv: { get: 0, put: 1, append: 1, cas: 2 },
};

/** The most operations one history may hold. */
export const MAX_OPERATIONS = 100_000;

export interface HistoryOperation {
  /** Where the operation is in the submitted list (what prefix and failedOp name). */
  readonly index: number;
  readonly client: number;
  readonly op: string;
  /** For kv only: the key the operation reads or writes. */
  readonly key: string | null;
  readonly args: readonly Json[];
  /** True when a result was given (null is a value); false when it is unknown. */
  readonly hasResult: boolean;
  readonly result: Json;
  readonly invokeIndex: number;
  /** null: no reply came, so the operation may have taken effect at any time after its invocation, or never. */
  readonly returnIndex: number | null;
  /** Known to have failed: it never took effect. */
  readonly failed: boolean;
}

export interface History {
  readonly model: ModelName;
  /** For register and cas-register the register's first value; for kv an object of keys. */
  readonly initial: Json;
  readonly operations: readonly HistoryOperation[];
}

/** A history that cannot be checked: the message names the field (and the operation) at fault. */
export class HistoryError extends Error {
  constructor(
    message: string,
    /** The field path, e.g. "operations[7].returnIndex". */
    readonly path: string,
    /** The operation at fault, when there is one. */
    readonly operation: number | null = null,
  ) {
    super(`${path}: ${message}`);
    this.name = "HistoryError";
  }
}

const OPERATION_FIELDS = new Set(["client", "op", "key", "args", "result", "invokeIndex", "returnIndex", "failed"]);

/** Validates a history in the JSON shape above; anything wrong is a HistoryError naming where. */
export function parseHistory(input: unknown): History {
  if (!isJsonObject(input)) throw new HistoryError("a history must be a JSON object", "history");
  for (const field of Object.keys(input)) {
    if (field !== "model" && field !== "initial" && field !== "operations") {
      throw new HistoryError(`unknown field; a history has model, initial and operations`, field);
    }
  }
  const model = input["model"];
  if (typeof model !== "string" || !(MODEL_NAMES as readonly string[]).includes(model)) {
    throw new HistoryError(`must be one of ${MODEL_NAMES.join(", ")}; got ${describeJson(model)}`, "model");
  }
  const modelName = model as ModelName;
  const initial = input["initial"] === undefined ? (modelName === "kv" ? {} : null) : input["initial"];
  if (modelName === "kv" && !isJsonObject(initial)) {
    throw new HistoryError(
      `for kv must be an object of every key's first value; got ${describeJson(initial)}`,
      "initial",
    );
  }
  const operations = input["operations"];
  if (!Array.isArray(operations)) {
    throw new HistoryError(`must be a list of operations; got ${describeJson(operations)}`, "operations");
  }
  if (operations.length > MAX_OPERATIONS) {
    throw new HistoryError(
      `has ${operations.length} operations; the limit is ${MAX_OPERATIONS.toLocaleString("en-US")}`,
      "operations",
    );
  }
  const parsed = operations.map((raw, index) => parseOperation(raw, index, modelName));
  checkClientsAreSequential(parsed);
  return { model: modelName, initial, operations: parsed };
}

function parseOperation(raw: unknown, index: number, model: ModelName): HistoryOperation {
  const at = (field: string): string => `operations[${index}]${field === "" ? "" : "." + field}`;
  const fail = (field: string, message: string): never => {
    throw new HistoryError(message, at(field), index);
  };
  if (!isJsonObject(raw)) return fail("", `an operation must be an object; got ${describeJson(raw)}`);
  for (const field of Object.keys(raw)) {
    if (!OPERATION_FIELDS.has(field)) {
      fail(field, `unknown field; an operation has ${[...OPERATION_FIELDS].join(", ")}`);
    }
  }
  const client = raw["client"];
  if (typeof client !== "number" || !Number.isSafeInteger(client) || client < 0) {
    fail("client", `must be an integer of 0 or more; got ${describeJson(client)}`);
  }
  const op = raw["op"];
  const arities = MODEL_OPERATIONS[model];
  if (typeof op !== "string" || !Object.hasOwn(arities, op)) {
    fail("op", `the ${model} model has the operations ${Object.keys(arities).join(", ")}; got ${describeJson(op)}`);
  }
  const opName = op as string;
  const key = raw["key"];
  if (model === "kv") {
    if (typeof key !== "string") fail("key", `a kv operation needs a key (a string); got ${describeJson(key)}`);
  } else if (key !== undefined) {
    fail("key", `only kv operations have a key; the ${model} model is one register`);
  }
  const args = raw["args"] ?? [];
  if (!Array.isArray(args)) return fail("args", `must be a list; got ${describeJson(args)}`);
  const arity = arities[opName] as number;
  if (args.length !== arity) {
    fail(
      "args",
      `${opName} takes ${arity === 0 ? "no arguments" : arity === 1 ? "1 argument" : `${arity} arguments`}; got ${args.length}`,
    );
  }
  const hasResult = Object.hasOwn(raw, "result") && raw["result"] !== undefined;
  const result = hasResult ? (raw["result"] as Json) : null;
  if (hasResult && opName === "cas" && typeof result !== "boolean") {
    fail("result", `a cas result is true (it swapped) or false (it did not); got ${describeJson(result)}`);
  }
  const invokeIndex = raw["invokeIndex"];
  if (typeof invokeIndex !== "number" || !Number.isSafeInteger(invokeIndex) || invokeIndex < 0) {
    fail("invokeIndex", `must be an integer of 0 or more; got ${describeJson(invokeIndex)}`);
  }
  const returnRaw = raw["returnIndex"];
  let returnIndex: number | null = null;
  if (returnRaw !== undefined && returnRaw !== null) {
    if (typeof returnRaw !== "number" || !Number.isSafeInteger(returnRaw) || returnRaw < 0) {
      fail("returnIndex", `must be an integer of 0 or more, or null for no reply; got ${describeJson(returnRaw)}`);
    }
    returnIndex = returnRaw as number;
    if (returnIndex < (invokeIndex as number)) {
      fail("returnIndex", `the return at ${returnIndex} comes before the invocation at ${String(invokeIndex)}`);
    }
  }
  const failed = raw["failed"] ?? false;
  if (typeof failed !== "boolean") fail("failed", `must be true or false; got ${describeJson(failed)}`);
  if (returnIndex === null && hasResult && failed !== true) {
    fail("result", "an operation with no reply (returnIndex null) cannot have a result");
  }
  return {
    index,
    client: client as number,
    op: opName,
    key: model === "kv" ? (key as string) : null,
    args: args as Json[],
    hasResult,
    result,
    invokeIndex: invokeIndex as number,
    returnIndex,
    failed: failed as boolean,
  };
}

/** A client runs one operation at a time (Herlihy and Wing: each process's subhistory is sequential). */
function checkClientsAreSequential(operations: readonly HistoryOperation[]): void {
  const byClient = new Map<number, HistoryOperation[]>();
  for (const operation of operations) {
    const list = byClient.get(operation.client);
    if (list === undefined) byClient.set(operation.client, [operation]);
    else list.push(operation);
  }
  for (const [client, list] of byClient) {
    list.sort((a, b) => a.invokeIndex - b.invokeIndex || a.index - b.index);
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1] as HistoryOperation;
      const after = list[i] as HistoryOperation;
      if (before.returnIndex === null) {
        throw new HistoryError(
          `client ${client} invokes this operation at ${after.invokeIndex} while its operation ${before.index} ` +
            `(invoked at ${before.invokeIndex}) has no reply; a client runs one operation at a time ` +
            "(give a client whose reply never came a new client number for its next operation)",
          `operations[${after.index}].invokeIndex`,
          after.index,
        );
      }
      if (after.invokeIndex <= before.returnIndex) {
        throw new HistoryError(
          `client ${client} invokes this operation at ${after.invokeIndex}, before its operation ${before.index} ` +
            `returned at ${before.returnIndex}; a client runs one operation at a time`,
          `operations[${after.index}].invokeIndex`,
          after.index,
        );
      }
    }
  }
}

/** A short rendering of a JSON value for an error message or an explanation. */
export function describeJson(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = canonicalJson(value as Json);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
