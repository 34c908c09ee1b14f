import {
  HISTORY_KINDS,
  LIMITS,
  TRANSACTION_TYPES,
  type History,
  type HistoryKind,
  type MicroOp,
  type Scalar,
  type Transaction,
  type TransactionType,
} from "./types";

/** A history that cannot be checked: the message names the transaction, op index and field. */
export class HistoryError extends Error {
  constructor(
    /** Where in the input, e.g. `txns[3].ops[1][2]`; empty for the whole history. */
    readonly path: string,
    message: string,
  ) {
    super(path === "" ? message : `${path}: ${message}`);
    this.name = "HistoryError";
  }
}

const TOP_FIELDS = ["kind", "txns", "realtime", "processOrder"];
const TXN_FIELDS = ["process", "type", "ops", "invokeIndex", "returnIndex"];
const LIST_APPEND_FUNCTIONS: readonly string[] = ["append", "r"];
const RW_REGISTER_FUNCTIONS: readonly string[] = ["w", "r"];

/**
 * Checks a parsed JSON value against the history format and returns it typed.
 * Every refusal names where (txns[i].ops[j][k]) and what was expected; the size
 * limits (LIMITS) are named when they refuse.
 */
export function parseHistory(input: unknown): History {
  if (!isRecord(input)) throw new HistoryError("", `a history must be a JSON object; got ${describe(input)}`);
  unknownFields(input, TOP_FIELDS, "");
  const kind = input["kind"];
  if (typeof kind !== "string" || !(HISTORY_KINDS as readonly string[]).includes(kind)) {
    throw new HistoryError(
      "kind",
      `must be one of ${HISTORY_KINDS.map((k) => `"${k}"`).join(", ")}; got ${describe(kind)}`,
    );
  }
  const realtime = optionalBoolean(input, "realtime");
  const processOrder = optionalBoolean(input, "processOrder");
  const txnsInput = input["txns"];
  if (!Array.isArray(txnsInput))
    throw new HistoryError("txns", `must be a list of transactions; got ${describe(txnsInput)}`);
  if (txnsInput.length > LIMITS.transactions) {
    throw new HistoryError(
      "txns",
      `has ${txnsInput.length} transactions, more than the limit of ${LIMITS.transactions} (LIMITS.transactions)`,
    );
  }
  const budget = { ops: 0, readElements: 0 };
  const txns: Transaction[] = [];
  for (let index = 0; index < txnsInput.length; index++) {
    txns.push(parseTransaction(txnsInput[index] as unknown, index, kind as HistoryKind, realtime, budget));
  }
  return { kind: kind as HistoryKind, txns, realtime, processOrder };
}

function parseTransaction(
  input: unknown,
  index: number,
  kind: HistoryKind,
  realtime: boolean,
  budget: { ops: number; readElements: number },
): Transaction {
  const path = `txns[${index}]`;
  if (!isRecord(input)) throw new HistoryError(path, `a transaction must be an object; got ${describe(input)}`);
  unknownFields(input, TXN_FIELDS, path);
  const process = input["process"];
  if (!isScalar(process)) {
    throw new HistoryError(`${path}.process`, `must be an integer or a string; got ${describe(process)}`);
  }
  const type = input["type"];
  if (typeof type !== "string" || !(TRANSACTION_TYPES as readonly string[]).includes(type)) {
    throw new HistoryError(`${path}.type`, `must be "ok", "fail" or "info"; got ${describe(type)}`);
  }
  const opsInput = input["ops"];
  if (!Array.isArray(opsInput))
    throw new HistoryError(`${path}.ops`, `must be a list of micro-operations; got ${describe(opsInput)}`);
  budget.ops += opsInput.length;
  if (budget.ops > LIMITS.ops) {
    throw new HistoryError(
      `${path}.ops`,
      `the history has more than ${LIMITS.ops} micro-operations, the limit (LIMITS.ops)`,
    );
  }
  const ops: MicroOp[] = [];
  for (let j = 0; j < opsInput.length; j++) {
    ops.push(parseOp(opsInput[j] as unknown, `${path}.ops[${j}]`, kind, type as TransactionType, budget));
  }
  const invokeIndex = optionalIndex(input, "invokeIndex", path);
  const returnIndex = optionalIndex(input, "returnIndex", path);
  if (realtime) {
    if (invokeIndex === undefined) {
      throw new HistoryError(`${path}.invokeIndex`, `is required when "realtime" is true (when the transaction began)`);
    }
    if (type === "ok" && returnIndex === undefined) {
      throw new HistoryError(`${path}.returnIndex`, `is required on an ok transaction when "realtime" is true`);
    }
  }
  if (invokeIndex !== undefined && returnIndex !== undefined && returnIndex <= invokeIndex) {
    throw new HistoryError(
      `${path}.returnIndex`,
      `must be greater than invokeIndex (${invokeIndex}): a transaction returns after it is invoked; got ${returnIndex}`,
    );
  }
  // Always the same fields, so every transaction object has one shape.
  return { index, process, type: type as TransactionType, ops, invokeIndex, returnIndex };
}

function parseOp(
  input: unknown,
  path: string,
  kind: HistoryKind,
  type: TransactionType,
  budget: { readElements: number },
): MicroOp {
  const functions = kind === "list-append" ? LIST_APPEND_FUNCTIONS : RW_REGISTER_FUNCTIONS;
  if (!Array.isArray(input) || input.length !== 3) {
    throw new HistoryError(
      path,
      `a micro-operation must be a list of three: [${functions.map((f) => `"${f}"`).join(" or ")}, key, value]; got ${describe(input)}`,
    );
  }
  const [f, key, value] = input as [unknown, unknown, unknown];
  if (typeof f !== "string" || !functions.includes(f)) {
    throw new HistoryError(
      `${path}[0]`,
      `a ${kind} micro-operation is ${functions.map((name) => `"${name}"`).join(" or ")}; got ${describe(f)}`,
    );
  }
  if (!isScalar(key))
    throw new HistoryError(`${path}[1]`, `a key must be an integer or a string; got ${describe(key)}`);
  if (f === "append" || f === "w") {
    if (!isScalar(value)) {
      throw new HistoryError(`${path}[2]`, `the value written must be an integer or a string; got ${describe(value)}`);
    }
    return f === "append" ? { f: "append", key, value } : { f: "write", key, value };
  }
  if (kind === "rw-register") {
    if (value !== null && !isScalar(value)) {
      throw new HistoryError(
        `${path}[2]`,
        `a register read is an integer, a string, or null for the initial state; got ${describe(value)}`,
      );
    }
    return { f: "readValue", key, value };
  }
  if (value === null) {
    if (type === "ok") {
      throw new HistoryError(`${path}[2]`, `a read in an ok transaction must give the list it read; got null`);
    }
    return { f: "readList", key, value: null };
  }
  if (!Array.isArray(value)) {
    throw new HistoryError(
      `${path}[2]`,
      `a list-append read gives a list of values (or null if unknown); got ${describe(value)}`,
    );
  }
  budget.readElements += value.length;
  if (budget.readElements > LIMITS.readElements) {
    throw new HistoryError(
      `${path}[2]`,
      `the history's reads hold more than ${LIMITS.readElements} list elements, the limit (LIMITS.readElements)`,
    );
  }
  for (let k = 0; k < value.length; k++) {
    if (!isScalar(value[k])) {
      throw new HistoryError(
        `${path}[2][${k}]`,
        `a list element must be an integer or a string; got ${describe(value[k])}`,
      );
    }
  }
  return { f: "readList", key, value: value as Scalar[] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  if (typeof value === "number") return Number.isSafeInteger(value);
  return typeof value === "string" && value.length <= LIMITS.stringLength;
}

function unknownFields(input: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const field in input) {
    if (!allowed.includes(field)) {
      const where = path === "" ? field : `${path}.${field}`;
      throw new HistoryError(
        where,
        `is not a field of ${path === "" ? "a history" : "a transaction"} (fields: ${allowed.join(", ")})`,
      );
    }
  }
}

function optionalBoolean(input: Record<string, unknown>, field: string): boolean {
  const value = input[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new HistoryError(field, `must be true or false; got ${describe(value)}`);
  return value;
}

function optionalIndex(input: Record<string, unknown>, field: string, path: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new HistoryError(`${path}.${field}`, `must be an integer, 0 or more; got ${describe(value)}`);
  }
  return value;
}

/** A short description of a bad value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    return value.length > LIMITS.stringLength
      ? `a string of ${value.length} characters (the limit is ${LIMITS.stringLength})`
      : JSON.stringify(value);
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) return `${value} (not a safe integer)`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
