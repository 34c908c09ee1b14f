import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Json, JsonObject } from "../../src/sim/json";
import { TraceHasher } from "../../src/sim/trace-hash";
import type { EventKind, TraceEvent } from "../../src/sim/types";
import { canonicalEventLine, hashEvents } from "../../src/sim/world";

// The trace hash is defined as sha256 over the UTF-8 bytes of canonicalEventLine,
// one line per event. The core writes those bytes straight into a buffer instead of
// building each line as a string; these tests hold the two to the same digest, for
// every kind of value an event can carry, across batch boundaries and oversized lines.

function byDefinition(events: readonly TraceEvent[]): string {
  const hash = createHash("sha256");
  for (const event of events) hash.update(Buffer.from(canonicalEventLine(event), "utf8"));
  return hash.digest("hex");
}

const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom(
    '"',
    "\\",
    "\n",
    "\u0000",
    "\u001f",
    "\u007f",
    "\ud800",
    "\udfff",
    "\ud83d\ude00",
    "é",
    "a plain sentence that is longer than twenty-four characters.",
    'a long sentence with a "quote" in it, past the short-string path',
    "a long sentence with an emoji \ud83d\ude00 and an accent é, past the short path",
    "a long sentence with a lone surrogate \ud800 past the short-string path",
  ),
);

const value: fc.Arbitrary<Json> = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324),
    awkwardString,
    fc.array(tie("json"), { maxLength: 5 }),
    fc.dictionary(awkwardString, tie("json"), { maxKeys: 6 }),
  ),
})).json;

const kinds: EventKind[] = ["SEND", "DELIVER", "STATE_CHANGE", "VIOLATION"];
const event: fc.Arbitrary<TraceEvent> = fc.record({
  seq: fc.nat(),
  time: fc.nat(),
  node: awkwardString,
  kind: fc.constantFrom(...kinds),
  summary: awkwardString,
  lamport: fc.nat(),
  vclock: fc.dictionary(awkwardString, fc.nat(), { maxKeys: 6 }),
  data: fc.oneof(fc.constant(null), fc.dictionary(awkwardString, value, { maxKeys: 5 })),
});

test("the trace hash of any events is sha256 over their canonical lines", () => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 30 }), (events) => {
      assert.equal(hashEvents(events), byDefinition(events));
    }),
    { numRuns: 1500 },
  );
});

function plainEvent(seq: number, data: JsonObject | null, summary = `event ${seq}`): TraceEvent {
  return { seq, time: seq * 2, node: "n1", kind: "NOTE", summary, lamport: seq, vclock: { n2: 1, n1: seq }, data };
}

test("thousands of events, a line bigger than the batch, and digests taken part way agree with the definition", () => {
  const events: TraceEvent[] = [];
  for (let i = 0; i < 3000; i++) events.push(plainEvent(i, { i, text: "x".repeat(i % 97), list: [i, -0, "é"] }));
  events.push(plainEvent(3000, { huge: "y".repeat(200_000), accents: "é".repeat(70_000) }));
  events.push(plainEvent(3001, null, "z".repeat(150_000)));
  const hasher = new TraceHasher(canonicalEventLine);
  events.forEach((e, index) => {
    hasher.update(e);
    if (index === 1500) assert.equal(hasher.digest(), byDefinition(events.slice(0, 1501)), "a digest part way");
  });
  assert.equal(hasher.digest(), byDefinition(events));
});

test("values that are not plain JSON hash as their canonical line does, or fail as it does", () => {
  const sparse: Json[] = [1];
  sparse[3] = 2;
  const odd = [
    plainEvent(1, { hole: sparse, gone: undefined, nested: [undefined] } as unknown as JsonObject),
    plainEvent(2, {
      fn: (() => 1) as unknown as Json,
      list: [(() => 2) as unknown as Json, Symbol("s") as unknown as Json],
    }),
    { ...plainEvent(3, null), summary: undefined } as unknown as TraceEvent,
    plainEvent(4, { date: new Date(0) as unknown as Json, tx: "t1" }),
  ];
  for (const e of odd) assert.equal(hashEvents([e]), byDefinition([e]), JSON.stringify(e.data));
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const e = plainEvent(5, { x: [bad] });
    assert.throws(() => canonicalEventLine(e), /non-finite/);
    assert.throws(() => hashEvents([e]), /non-finite/);
  }
  const big = plainEvent(6, { n: 1n as unknown as Json });
  assert.throws(() => canonicalEventLine(big), TypeError);
  assert.throws(() => hashEvents([big]), TypeError);
});
