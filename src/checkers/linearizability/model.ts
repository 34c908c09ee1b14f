import { canonicalJson, quoteJson, type Json } from "../../sim/json";
import { describeJson, type History, type HistoryOperation, type ModelName } from "./history";

/**
 * A sequential specification, in the shape of Porcupine's Model (Athalye,
 * porcupine/model.go): an initial state, a pure step that says whether an operation
 * with its result can take effect in a state and what state follows, equality of
 * states (for the search's cache), a partition into independent histories (the
 * locality of linearizability: Herlihy and Wing 1990, Theorem 1), and sentences that
 * describe operations and states.
 *
 * Values are held as canonical JSON text, so equal values are equal strings.
 */

/** What step answers when the operation cannot take effect in the state with its result. */
export const ILLEGAL = Symbol("illegal");

/** An operation made ready for the search: its values as canonical JSON. */
export interface Call {
  readonly operation: HistoryOperation;
  readonly op: string;
  readonly args: readonly string[];
  /** The result as canonical JSON; undefined when it is unknown (any result fits). */
  readonly result: string | undefined;
}

/** One independent part of a history: one register (for kv, one key). */
export interface Partition {
  /** For kv, the key; null for a single register. */
  readonly key: string | null;
  readonly initial: string;
  readonly operations: readonly HistoryOperation[];
}

export interface Model {
  readonly name: ModelName;
  partition(history: History): Partition[];
  step(state: string, call: Call): string | typeof ILLEGAL;
  equal(a: string, b: string): boolean;
  hash(state: string): number;
  /** True for an operation that only observes (a read): with an unknown result it constrains nothing. */
  readOnly(op: string): boolean;
  /** True when the call leaves every state it can take effect in unchanged (a read; a cas that returned false). */
  changesNothing(call: Call): boolean;
  /** "read of x that returned 1" (the caller says whose). */
  describeOperation(operation: HistoryOperation): string;
  /** "x holds 2". */
  describeState(state: string, key: string | null): string;
  /** Why the call cannot take effect in the state (when step says ILLEGAL). */
  whyIllegal(state: string, call: Call): string;
}

export function prepareCall(operation: HistoryOperation): Call {
  return {
    operation,
    op: operation.op,
    args: operation.args.map((value) => canonicalJson(value)),
    result: operation.hasResult ? canonicalJson(operation.result) : undefined,
  };
}

/** What appending `item` to `current` gives: a string grows by a string, a list by an item, null starts either. */
export function appendValue(current: string, item: string): string | typeof ILLEGAL {
  if (current === "null") return item.startsWith('"') ? item : `[${item}]`;
  if (current.startsWith('"') && item.startsWith('"')) {
    return quoteJson((JSON.parse(current) as string) + (JSON.parse(item) as string));
  }
  if (current.startsWith("[")) return current === "[]" ? `[${item}]` : `${current.slice(0, -1)},${item}]`;
  return ILLEGAL;
}

/** FNV-1a over the text's UTF-16 code units. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function show(canonical: string): string {
  return canonical.length > 60 ? `${canonical.slice(0, 57)}...` : canonical;
}

/** One register (or one key of a map) under read/get, write/put, append and cas. */
function registerStep(state: string, call: Call): string | typeof ILLEGAL {
  switch (call.op) {
    case "read":
    case "get":
      return call.result === undefined || call.result === state ? state : ILLEGAL;
    case "write":
    case "put":
      return call.args[0] as string;
    case "append":
      return appendValue(state, call.args[0] as string);
    case "cas": {
      const swapped = state === call.args[0];
      if (call.result !== undefined && call.result !== (swapped ? "true" : "false")) return ILLEGAL;
      return swapped ? (call.args[1] as string) : state;
    }
    default:
      throw new Error(`linearizability: no step for operation ${call.op}`);
  }
}

function registerChangesNothing(call: Call): boolean {
  return call.op === "read" || call.op === "get" || (call.op === "cas" && call.result === "false");
}

function describeRegisterOperation(operation: HistoryOperation): string {
  const of = operation.key === null ? "" : ` of ${operation.key}`;
  const args = operation.args.map((value) => describeJson(value));
  const result = operation.hasResult ? describeJson(operation.result) : undefined;
  let what: string;
  switch (operation.op) {
    case "read":
    case "get":
      what = `${operation.op}${of}` + (result === undefined ? " (result unknown)" : ` that returned ${result}`);
      break;
    case "write":
      what = `write of ${args[0]}`;
      break;
    case "put":
      what = `put ${operation.key} = ${args[0]}`;
      break;
    case "append":
      what = `append of ${args[0]} to ${operation.key}`;
      break;
    default:
      what =
        `compare-and-swap${of} from ${args[0]} to ${args[1]}` +
        (operation.hasResult ? (operation.result === true ? " that succeeded" : " that failed") : " (result unknown)");
  }
  return what;
}

function whyRegisterIllegal(state: string, call: Call, key: string | null): string {
  const holds = `${key ?? "the register"} holds ${show(state)}`;
  switch (call.op) {
    case "read":
    case "get":
      return `${holds}, so the ${call.op} would return ${show(state)}, not ${show(call.result ?? "")}`;
    case "append":
      return `${holds}, and ${show(call.args[0] ?? "")} cannot be appended to it (append needs null, a string or a list)`;
    case "cas":
      return state === call.args[0]
        ? `${holds}, as the compare-and-swap expected, so it would have succeeded, but it returned false`
        : `${holds}, not ${show(call.args[0] ?? "")}, so the compare-and-swap would have failed, but it returned true`;
    default:
      return `${holds}, and the ${call.op} cannot take effect there`;
  }
}

function singleRegister(name: "register" | "cas-register"): Model {
  return {
    name,
    partition: (history) => [{ key: null, initial: canonicalJson(history.initial), operations: history.operations }],
    step: registerStep,
    equal: (a, b) => a === b,
    hash: hashText,
    readOnly: (op) => op === "read",
    changesNothing: registerChangesNothing,
    describeOperation: describeRegisterOperation,
    describeState: (state) => `the register holds ${show(state)}`,
    whyIllegal: (state, call) => whyRegisterIllegal(state, call, null),
  };
}

/** A map of registers, one partition per key (Porcupine's kv model partitions the same way). */
const kvModel: Model = {
  name: "kv",
  partition(history) {
    const byKey = new Map<string, HistoryOperation[]>();
    for (const operation of history.operations) {
      const key = operation.key as string;
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [operation]);
      else list.push(operation);
    }
    const initial = history.initial as { [key: string]: Json };
    return [...byKey].map(([key, operations]) => ({
      key,
      initial: canonicalJson(Object.hasOwn(initial, key) ? initial[key] : null),
      operations,
    }));
  },
  step: registerStep,
  equal: (a, b) => a === b,
  hash: hashText,
  readOnly: (op) => op === "get",
  changesNothing: registerChangesNothing,
  describeOperation: describeRegisterOperation,
  describeState: (state, key) => `${key ?? "the key"} holds ${show(state)}`,
  whyIllegal: (state, call) => whyRegisterIllegal(state, call, call.operation.key),
};

export const MODELS: Readonly<Record<ModelName, Model>> = {
  register: singleRegister("register"),
  "cas-register": singleRegister("cas-register"),
  kv: kvModel,
};
