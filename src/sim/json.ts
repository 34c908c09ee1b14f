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

function canonicalObject(value: { [key: string]: Json }): string {
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    out += (first ? "" : ",") + quoteJson(key) + ":" + canonicalJson(item);
    first = false;
  }
  return out + "}";
}

/** A deep copy through JSON, so that stored values can never alias live protocol state. */
export function cloneJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
