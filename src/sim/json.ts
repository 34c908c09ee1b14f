/** JSON values as they travel through the simulation, the trace and the API. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Canonical JSON: object keys sorted, no whitespace. Two equal values always give
 * the same string, which is what the trace hash and state comparisons rely on.
 *
 * It runs on every event of every run (the trace hash), so it builds the string
 * directly and sorts an object's keys only when they are not in order already.
 * The output is exactly that of the plain definition: keys sorted by
 * `Array.prototype.sort`, keys whose value is undefined left out, undefined array
 * items written as null, and anything that is not JSON left to JSON.stringify.
 */
export function canonicalJson(value: Json | undefined): string {
  switch (typeof value) {
    case "string":
      return quoteJson(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new Error(`canonicalJson: non-finite number ${value} cannot be stored in a trace`);
      }
      // For a finite number this is JSON.stringify's text (-0 included: both write 0).
      return "" + value;
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "null";
    case "object":
      if (value === null) return "null";
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value);
    default:
      // Not JSON (a function, a symbol, a bigint): what JSON.stringify makes of it, as ever.
      return JSON.stringify(value);
  }
}

/** Characters JSON.stringify escapes: controls, the quote, the backslash, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** A string as JSON.stringify writes it; most need no escape, and are only quoted. */
export function quoteJson(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"';
}

/**
 * Object keys come from a small vocabulary (field names, node names), so their
 * quoted forms are remembered, up to a bound.
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_MAX = 4096;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quoteJson(key);
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function canonicalArray(value: Json[]): string {
  let out = "[";
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ",";
    const item = value[i];
    // A hole is written as nothing, as [].join writes it; an undefined item as null.
    if (item === undefined && !(i in value)) continue;
    const text: string | undefined = canonicalJson(item);
    if (text !== undefined) out += text;
  }
  return out + "]";
}

/**
 * An object's keys in canonical order: the order of keys.sort() (UTF-16 code units;
 * keys are distinct), by insertion sort for a few keys, which is much faster for the
 * small, often already ordered objects of an event.
 */
export function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    if ((keys[j] as string) <= key) continue;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j -= 1;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function canonicalObject(value: { [key: string]: Json }): string {
  const keys = sortedKeys(value);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    out += (first ? "" : ",") + quoteKey(key) + ":" + canonicalJson(item);
    first = false;
  }
  return out + "}";
}

/**
 * A deep copy, exactly as a JSON round trip (JSON.parse(JSON.stringify(value)))
 * makes it, so that stored values can never alias live protocol state. Every
 * message sent and every value persisted is copied, so plain JSON (numbers,
 * strings, arrays, plain objects) is copied directly, with what the round trip
 * does to it: -0 becomes 0, a non-finite number, an undefined, function or symbol
 * item becomes null, such a key is left out. Anything else (an object with toJSON
 * or a prototype of its own, a bigint, a cycle or a very deep value) takes the
 * round trip itself, and gives its result or its error.
 */
export function cloneJson<T extends Json>(value: T): T {
  if (typeof value !== "object" || value === null) return roundTrip(value);
  try {
    return copyJson(value, 0) as T;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return roundTrip(value);
  }
}

function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value) as string) as T;
}

/** Thrown inside copyJson when the value needs the real round trip. */
const NOT_PLAIN = new Error("cloneJson: not plain JSON");
const MAX_DEPTH = 500;

/** An item as the round trip leaves it; undefined where it is dropped (an object key) or nulled (an array item). */
function copyItem(value: unknown, depth: number): Json | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case "object":
      return value === null ? null : copyJson(value, depth + 1);
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    default:
      throw NOT_PLAIN;
  }
}

function copyJson(value: object, depth: number): Json {
  if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === "function") throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const copy: Json[] = [];
    for (let i = 0; i < value.length; i++) copy.push(copyItem(value[i], depth) ?? null);
    return copy;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) {
    const item = copyItem((value as Record<string, unknown>)[key], depth);
    if (item === undefined) continue;
    if (key === "__proto__")
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
