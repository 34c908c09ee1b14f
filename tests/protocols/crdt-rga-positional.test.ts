import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  rga,
  rgaDeleteRange,
  rgaElements,
  rgaEmpty,
  rgaInsertText,
  rgaMerge,
  rgaPositionOf,
  rgaText,
  RGA_MAX_TEXT,
  type RgaOp,
  type RgaPayload,
} from "../../src/protocols/crdt/datatypes/rga";
import { editingTrace, replayOnArray, replayTrace } from "../../src/protocols/crdt/datatypes/rga-trace";
import type { PrepareEnv, Request } from "../../src/protocols/crdt/datatypes";

// The RGA's positional index (issue 14): an editor's edits by position, through the run
// tree, must give exactly the text a plain array gives; and replicas editing by position
// concurrently must converge (Roh, Jeon, Kim & Lee, JPDC 2011: the remote insert skips
// larger timestamps, so the list is a function of the set of elements).

type Edit = { kind: "insert"; at: number; text: string } | { kind: "delete"; at: number; length: number };

/** Characters of one and two UTF-16 units: an element is a code point, as `for..of` yields it. */
const textArbitrary = fc
  .array(fc.constantFrom("a", "b", "c", " ", "é", "😀", "\n"), { minLength: 1, maxLength: 6 })
  .map((chars) => chars.join(""));

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: textArbitrary }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }) }, // prettier-ignore
);

/** Applies an edit to both, with `at` folded into the text's range; returns the ids the insert made. */
function applyBoth(payload: RgaPayload, array: string[], edit: Edit, replica: string): string[] {
  if (edit.kind === "insert") {
    const at = edit.at % (array.length + 1);
    const ids = rgaInsertText(payload, at, edit.text, replica);
    array.splice(at, 0, ...edit.text);
    return ids;
  }
  if (array.length === 0) return [];
  const at = edit.at % array.length;
  const length = Math.min(edit.length, array.length - at);
  rgaDeleteRange(payload, at, length);
  array.splice(at, length);
  return [];
}

test("positional edits through the index give exactly the text a plain array gives, and each new id sits where it was typed", () => {
  fc.assert(
    fc.property(fc.array(editArbitrary, { maxLength: 120 }), (edits) => {
      const payload = rgaEmpty();
      const array: string[] = [];
      for (const edit of edits) {
        const ids = applyBoth(payload, array, edit, "n1");
        if (edit.kind === "insert") {
          const at = edit.at % (array.length - ids.length + 1);
          ids.forEach((id, i) => assert.equal(rgaPositionOf(payload, id), at + i, `${id} is at ${at + i}`));
        }
        assert.equal(payload.live, array.length);
      }
      assert.equal(rgaText(payload), array.join(""));
      assert.equal(rga.value(rga.decode(rga.encode(payload))), array.join(""), "the canonical encoding keeps it");
    }),
    { numRuns: 300 },
  );
});

test("a long editing trace (many leaves and inner nodes) replays by position to the plain array's text", () => {
  for (const seed of [1, 2, 3]) {
    const trace = editingTrace(30_000, seed);
    const payload = replayTrace(trace);
    assert.equal(rgaText(payload), replayOnArray(trace).join(""), `seed ${seed}`);
    assert.equal(payload.size, trace.inserts, "every typed character stays, deleted ones as tombstones");
    assert.equal(payload.tombstones, trace.deletes);
    let position = 0;
    for (const element of rgaElements(payload)) {
      if (position % 997 === 0) assert.equal(rgaPositionOf(payload, element.key), position);
      if (!element.deleted) position += 1;
    }
  }
});

const envFor = (replica: string): PrepareEnv => ({
  replica,
  stamp: (observed) => ({ time: observed + 1, replica }),
  uniqueTag: () => `${replica}#unused`,
});

function local(payload: RgaPayload, replica: string, request: Request): RgaOp[] {
  const prepared = rga.prepare(payload, request, envFor(replica));
  assert.ok(prepared.ok, JSON.stringify(prepared));
  for (const op of prepared.ops) rga.apply(payload, op, "op");
  return [...prepared.ops];
}

const REPLICAS = ["n1", "n2", "n3"] as const;

test("concurrent positional edits converge, state-based (merge in any order) and op-based (ops in any causal order)", () => {
  const step = fc.record({
    replica: fc.constantFrom(0, 1, 2),
    edit: editArbitrary,
    syncWith: fc.option(fc.constantFrom(0, 1, 2), { freq: 4 }),
  });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.nat(), (steps, shuffleSeed) => {
      const states = REPLICAS.map(() => rgaEmpty());
      // Op mode: each origin's ops in order, each with the vector its origin had delivered when it issued it;
      // a replica applies an op once it has delivered everything the op depends on (causal delivery).
      const logs: { op: RgaOp; deps: number[] }[][] = REPLICAS.map(() => []);
      const opStates = REPLICAS.map(() => rgaEmpty());
      const delivered = REPLICAS.map(() => REPLICAS.map(() => 0));
      const deliver = (to: number, bound: readonly number[], order: readonly number[]): void => {
        const seen = delivered[to] as number[];
        for (let progress = true; progress;) {
          progress = false;
          for (const from of order) {
            const log = logs[from] as { op: RgaOp; deps: number[] }[];
            const next = log[seen[from] as number];
            if (next === undefined || (seen[from] as number) >= (bound[from] as number)) continue;
            if (!next.deps.every((count, origin) => origin === from || (seen[origin] as number) >= count)) continue;
            rga.apply(opStates[to] as RgaPayload, next.op, "op");
            seen[from] = (seen[from] as number) + 1;
            progress = true;
          }
        }
      };
      for (const { replica, edit, syncWith } of steps) {
        const name = REPLICAS[replica] as string;
        const state = states[replica] as RgaPayload;
        const request: Request =
          edit.kind === "insert"
            ? { op: "insert", args: { at: edit.at % (state.live + 1), text: edit.text } }
            : { op: "delete", args: { at: edit.at % Math.max(1, state.live), length: 1 } };
        if (edit.kind === "delete" && state.live === 0) continue;
        local(state, name, request);
        // The op replica takes the same request against its own payload.
        const opState = opStates[replica] as RgaPayload;
        if (edit.kind === "insert" || opState.live > 0) {
          const deps = [...(delivered[replica] as number[])];
          const opRequest: Request =
            edit.kind === "insert"
              ? { op: "insert", args: { at: edit.at % (opState.live + 1), text: edit.text } }
              : { op: "delete", args: { at: edit.at % opState.live, length: 1 } };
          for (const op of local(opState, name, opRequest)) (logs[replica] as { op: RgaOp; deps: number[] }[]).push({ op, deps }); // prettier-ignore
          (delivered[replica] as number[])[replica] = (logs[replica] as unknown[]).length;
        }
        if (syncWith !== null && syncWith !== replica) {
          states[replica] = rgaMerge(state, states[syncWith] as RgaPayload);
          deliver(replica, delivered[syncWith] as number[], [0, 1, 2]);
        }
      }
      // Heal: every state merged, in two different orders; every op delivered, in a shuffled order of origins.
      const forward = states.reduce((a, b) => rgaMerge(a, b));
      const backward = [...states].reverse().reduce((a, b) => rgaMerge(a, b));
      assert.equal(rgaText(forward), rgaText(backward));
      assert.deepEqual(rga.encode(forward), rga.encode(backward), "equal payloads, not only equal texts");
      const everything = logs.map((log) => log.length);
      for (let to = 0; to < 3; to++) {
        const order = [0, 1, 2].sort((x, y) => ((x + shuffleSeed + to) % 3) - ((y + shuffleSeed + to) % 3));
        deliver(to, everything, order);
        assert.deepEqual(delivered[to], everything, "every op was delivered");
      }
      const texts = opStates.map(rgaText);
      assert.equal(texts[1], texts[0]);
      assert.equal(texts[2], texts[0]);
    }),
    { numRuns: 200 },
  );
});

test("Roh et al.'s rule on runs: of two words typed concurrently after the same character, the larger timestamp goes first, whole", () => {
  const base = rgaEmpty();
  rgaInsertText(base, 0, "hello", "n1");
  const left = rga.decode(rga.encode(base));
  const right = rga.decode(rga.encode(base));
  rgaInsertText(left, 5, " world", "n1");
  rgaInsertText(right, 5, " there", "n2");
  rgaDeleteRange(right, 1, 1);
  for (const merged of [rgaMerge(left, right), rgaMerge(right, left)]) {
    assert.equal(rgaText(merged), "hllo there world", "6@n2 > 6@n1");
    assert.equal(rgaPositionOf(merged, "6@n1"), 10, "a remote element's position, up the tree");
    assert.equal(rgaPositionOf(merged, "2@n1"), 1, "a deleted element reports where it would be");
  }
});

test("the element-id form: insert after an id, delete by id; bad ids, sizes and positions are refused naming the field", () => {
  const payload = rgaEmpty();
  local(payload, "n1", { op: "insert", args: { at: 0, text: "ac" } });
  local(payload, "n1", { op: "insert", args: { after: "1@n1", text: "b" } });
  local(payload, "n1", { op: "insert", args: { after: null, text: ">" } });
  assert.equal(rgaText(payload), ">abc");
  local(payload, "n1", { op: "delete", args: { id: "3@n1" } });
  local(payload, "n1", { op: "delete", args: { at: 0, length: 2 } });
  assert.equal(rgaText(payload), "c");
  const refused = (request: Request): string => {
    const prepared = rga.prepare(payload, request, envFor("n1"));
    assert.equal(prepared.ok, false);
    return (prepared as { error: string }).error;
  };
  assert.match(refused({ op: "insert", args: { after: "9@n7", text: "x" } }), /args\.after names 9@n7/);
  assert.match(refused({ op: "delete", args: { id: "9@n7" } }), /args\.id names 9@n7/);
  assert.match(refused({ op: "insert", args: { at: 5, text: "x" } }), /position 5 is past the end/);
  assert.match(refused({ op: "delete", args: { at: 0, length: 2 } }), /cannot delete 2 characters at position 0/);
  assert.match(refused({ op: "delete", args: { at: 0, length: 0 } }), /^length must be a positive integer/);
  assert.match(refused({ op: "insert", args: { at: 0, text: "x".repeat(RGA_MAX_TEXT + 1) } }), /RGA_MAX_TEXT/);
  assert.throws(() => rgaInsertText(payload, 2, "x", "n1"), /position 2 is outside the text/);
  assert.throws(() => rgaDeleteRange(payload, 0, 2), /do not fit in the text/);
});
