import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalJson, cloneJson, quoteJson, type Json, type JsonObject } from "../../src/sim/json";
import type { EventKind, TraceEvent } from "../../src/sim/types";
import { canonicalEventLine } from "../../src/sim/world";

// The trace hash is sha256 over canonical JSON lines, so the fast canonicalJson and
// canonicalEventLine must write exactly what the plain definition writes, byte for
// byte, or every stored trace hash would stop verifying. The definition: keys
// sorted, no whitespace, keys with an undefined value left out, primitives as
// JSON.stringify writes them.

function definition(value: Json | undefined): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("non-finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map((item) => definition(item)).join(",") + "]";
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const item = value[key];
    if (item !== undefined) parts.push(JSON.stringify(key) + ":" + definition(item));
  }
  return "{" + parts.join(",") + "}";
}

/** Strings with what JSON escapes: controls, quotes, backslashes, lone and paired surrogates, non-ASCII. */
const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"', "\\", "\n", "\u0000", "\u001f", "\u007f", "\ud800", "\udfff", "\ud83d\ude00", "é", "__proto__"),
);

const value: fc.Arbitrary<Json> = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER),
    awkwardString,
    fc.array(tie("json"), { maxLength: 5 }),
    fc.dictionary(awkwardString, tie("json"), { maxKeys: 6 }),
  ),
})).json;

test("canonicalJson writes exactly the plain definition for any JSON value (keys in any order, awkward strings, -0)", () => {
  fc.assert(
    fc.property(value, (json) => {
      assert.equal(canonicalJson(json), definition(json));
    }),
    { numRuns: 3000 },
  );
});

test("canonicalJson leaves out undefined keys, writes undefined items as null and holes as nothing, as the definition does", () => {
  const sparse: Json[] = [1];
  sparse[3] = 2;
  const cases = [
    { b: 1, a: undefined, c: [undefined, 2] } as unknown as JsonObject,
    sparse,
    { z: { y: { x: [], w: {} } }, "10": 1, "9": 2, "": 3 },
  ];
  for (const json of cases) assert.equal(canonicalJson(json), definition(json));
  assert.equal(canonicalJson(sparse), "[1,,,2]");
  assert.throws(() => canonicalJson(Number.NaN), /non-finite/);
  assert.throws(() => canonicalJson({ a: [Number.POSITIVE_INFINITY] }), /non-finite/);
});

test("quoteJson quotes every string as JSON.stringify does", () => {
  fc.assert(
    fc.property(awkwardString, (text) => {
      assert.equal(quoteJson(text), JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
});

const kinds: EventKind[] = ["SEND", "DELIVER", "NOTE", "VIOLATION"];

test("canonicalEventLine is the canonical JSON of the event's eight fields, then a newline", () => {
  const event = fc.record({
    seq: fc.nat(),
    time: fc.nat(),
    node: awkwardString,
    kind: fc.constantFrom(...kinds),
    summary: awkwardString,
    lamport: fc.nat(),
    vclock: fc.dictionary(awkwardString, fc.nat(), { maxKeys: 6 }),
    data: fc.oneof(fc.constant(null), fc.dictionary(awkwardString, value, { maxKeys: 5 })),
  });
  fc.assert(
    fc.property(event, (e: TraceEvent) => {
      const { seq, time, node, kind, summary, lamport, vclock, data } = e;
      const expected = definition({ seq, time, node, kind, summary, lamport, vclock, data }) + "\n";
      assert.equal(canonicalEventLine(e), expected);
    }),
    { numRuns: 2000 },
  );
});

test("cloneJson gives what a JSON round trip gives, as a separate copy", () => {
  fc.assert(
    fc.property(value, (json) => {
      const copy = cloneJson(json);
      assert.deepEqual(copy, JSON.parse(JSON.stringify(json)));
      assert.equal(JSON.stringify(copy), JSON.stringify(json), "same keys in the same order");
      if (typeof json === "object" && json !== null) assert.notEqual(copy, json);
    }),
    { numRuns: 3000 },
  );
});

test("cloneJson treats what is not plain JSON as the round trip does, errors included", () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    get sum(): number {
      return this.x + this.y;
    }
  }
  const odd = {
    zero: -0,
    nested: [-0, Number.NaN, Number.POSITIVE_INFINITY, undefined, () => 1, Symbol("s")],
    gone: undefined,
    fn: () => 1,
    date: new Date(0),
    point: new Point(1, 2),
    withToJson: { toJSON: () => "replaced" },
    bare: Object.assign(Object.create(null) as object, { b: 2, a: 1 }),
    "2": "integer keys first",
  };
  const samples: unknown[] = [odd, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'), [[[]]], "text", -0, 5];
  let deep: unknown = [];
  for (let i = 0; i < 700; i++) deep = [deep]; // deeper than the direct copy goes
  samples.push(deep);
  for (const sample of samples) {
    const copy = cloneJson(sample as Json);
    assert.deepEqual(copy, JSON.parse(JSON.stringify(sample)));
    assert.equal(JSON.stringify(copy), JSON.stringify(sample));
    assert.equal(Object.getPrototypeOf(copy ?? {}), Object.getPrototypeOf(JSON.parse(JSON.stringify(sample)) ?? {}));
  }
  const protoCopy = cloneJson(JSON.parse('{"__proto__": {"polluted": true}}') as Json) as JsonObject;
  assert.deepEqual(Object.keys(protoCopy), ["__proto__"], "a __proto__ key stays a key, as JSON.parse makes it");
  assert.equal(({} as JsonObject)["polluted"], undefined);
  const cycle: JsonObject = { a: 1 };
  cycle["self"] = cycle;
  assert.throws(() => cloneJson(cycle), TypeError, "a cycle fails as JSON.stringify fails");
  assert.throws(() => cloneJson(undefined as unknown as Json), SyntaxError);
  assert.throws(() => cloneJson({ big: 1n } as unknown as Json), TypeError);
});
