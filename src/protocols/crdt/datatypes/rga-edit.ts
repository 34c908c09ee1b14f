import {
  bump,
  elementsBefore,
  placeRun,
  RgaPayload,
  RgaRun,
  runsInOrder,
  unplaceRun,
  valueAt,
  type RgaLeaf,
} from "./rga-tree";

/**
 * The RGA's operations on its run tree (rga-tree.ts): Roh et al.'s remote insert
 * (integration with the skip rule), deletion as a tombstone, the canonical element
 * view, clone and merge. The positional edits an editor makes are in rga-positional.ts.
 *
 * The insertion rule (Roh, Jeon, Kim & Lee, JPDC 2011, the RGA remote insert): starting
 * right after the reference, skip every element whose timestamp is larger than the new
 * one's, and insert before the first smaller one. On runs this is a skip of whole runs:
 * a run's counters grow along it, so if its first element is larger than the new
 * one, all of it is.
 */

export function rgaKey(counter: number, replica: string): string {
  return `${counter}@${replica}`;
}

export function parseRgaKey(key: string): { counter: number; replica: string } {
  const at = key.indexOf("@");
  const counter = Number(key.slice(0, at));
  if (at <= 0 || !Number.isInteger(counter) || counter < 1)
    throw new Error(`bad RGA element id ${JSON.stringify(key)}`);
  return { counter, replica: key.slice(at + 1) };
}

/** Timestamp order: counter, then replica. */
function newer(counter: number, replica: string, thanCounter: number, thanReplica: string): boolean {
  if (counter !== thanCounter) return counter > thanCounter;
  return replica > thanReplica;
}

/** Whether `fresh` elements (counter, length, ...) continue `run`: same replica, next counters, each after the last. */
function continues(run: RgaRun, replica: string, counter: number, text: string, length: number, deleted: boolean) {
  return (
    run.replica === replica &&
    counter === run.counter + run.length &&
    run.deleted === deleted &&
    run.text.length === run.length &&
    text.length === length
  );
}

/** Cuts `run` before its element `offset` (0 < offset < length); returns the new run holding the rest. */
export function splitRun(payload: RgaPayload, run: RgaRun, offset: number): RgaRun {
  const tail = new RgaRun(
    run.replica,
    run.counter + offset,
    run.length - offset,
    run.text.slice(offset),
    run.replica,
    run.counter + offset - 1,
    run.deleted,
  );
  run.text = run.text.slice(0, offset);
  run.length = offset;
  const leaf = run.leaf;
  placeRun(payload, leaf, leaf.runs.indexOf(run) + 1, tail, true);
  return tail;
}

/**
 * Integrates `length` new elements that continue one another (replica, counter ..
 * counter + length - 1; the first refers to refRun's element refOffset, or to the
 * start when refRun is null): Roh et al.'s skip rule for the first, and the others
 * right after it (no element here can refer to them yet). Returns how many
 * larger-stamped elements were skipped.
 */
export function integrateNew(
  payload: RgaPayload,
  refRun: RgaRun | null,
  refOffset: number,
  replica: string,
  counter: number,
  length: number,
  text: string,
  deleted: boolean,
): number {
  let skipped = 0;
  let leaf: RgaLeaf | null;
  let index: number;
  if (refRun === null) {
    leaf = payload.first;
    index = 0;
  } else {
    leaf = refRun.leaf;
    index = leaf.runs.indexOf(refRun) + 1;
    if (refOffset < refRun.length - 1) {
      if (!newer(refRun.counter + refOffset + 1, refRun.replica, counter, replica)) {
        // Right after the reference, inside its run: cut the run there.
        splitRun(payload, refRun, refOffset + 1);
        return place(payload, refRun.leaf, refRun.leaf.runs.indexOf(refRun) + 1, refRun, refOffset, replica, counter, length, text, deleted, 0); // prettier-ignore
      }
      skipped += refRun.length - refOffset - 1;
    }
  }
  // Skip whole runs whose first element is newer than the new one.
  for (;;) {
    while (leaf !== null && index >= leaf.runs.length) {
      leaf = leaf.next;
      index = 0;
    }
    if (leaf === null) break;
    const run = leaf.runs[index] as RgaRun;
    if (!newer(run.counter, run.replica, counter, replica)) break;
    skipped += run.length;
    index += 1;
  }
  if (
    skipped === 0 &&
    refRun !== null &&
    refOffset === refRun.length - 1 &&
    continues(refRun, replica, counter, text, length, deleted)
  ) {
    refRun.length += length;
    refRun.text += text;
    bump(refRun.leaf, deleted ? 0 : length, length);
    if (counter + length - 1 > payload.counter) payload.counter = counter + length - 1;
    return 0;
  }
  if (leaf === null) {
    leaf = payload.last;
    index = leaf.runs.length;
  }
  return place(payload, leaf, index, refRun, refOffset, replica, counter, length, text, deleted, skipped);
}

function place(
  payload: RgaPayload,
  leaf: RgaLeaf,
  index: number,
  refRun: RgaRun | null,
  refOffset: number,
  replica: string,
  counter: number,
  length: number,
  text: string,
  deleted: boolean,
  skipped: number,
): number {
  const refReplica = refRun === null ? null : refRun.replica;
  const refCounter = refRun === null ? 0 : refRun.counter + refOffset;
  const run = new RgaRun(replica, counter, length, text, refReplica, refCounter, deleted);
  placeRun(payload, leaf, index, run, false);
  if (counter + length - 1 > payload.counter) payload.counter = counter + length - 1;
  return skipped;
}

/** Deletes elements offset .. offset + count - 1 of `run` (cutting it as needed); returns how many were visible. */
export function markDeleted(payload: RgaPayload, run: RgaRun, offset: number, count: number): number {
  if (run.deleted) return 0;
  if (offset + count < run.length) splitRun(payload, run, offset + count);
  const target = offset > 0 ? splitRun(payload, run, offset) : run;
  target.deleted = true;
  bump(target.leaf, -target.length, 0);
  joinNeighbours(payload, target);
  return count;
}

/** Joins a deleted run with list-adjacent deleted runs (in the same leaf) that it continues or that continue it. */
function joinNeighbours(payload: RgaPayload, run: RgaRun): void {
  const runs = run.leaf.runs;
  let index = runs.indexOf(run);
  let left = run;
  const before = runs[index - 1];
  if (before !== undefined && joinable(before, run)) {
    before.length += run.length;
    before.text += run.text;
    unplaceRun(payload, run);
    left = before;
    index -= 1;
  }
  const after = runs[index + 1];
  if (after !== undefined && joinable(left, after)) {
    left.length += after.length;
    left.text += after.text;
    unplaceRun(payload, after);
  }
}

function joinable(left: RgaRun, right: RgaRun): boolean {
  return (
    right.refReplica === left.replica &&
    right.refCounter === left.counter + left.length - 1 &&
    continues(left, right.replica, right.counter, right.text, right.length, right.deleted)
  );
}

/**
 * Integrates elements counter .. counter + length - 1 of `replica` (a run of another
 * payload, or one element), idempotently: the ones already here only have their
 * tombstone joined. Throws if the reference is unknown (causal order broken).
 */
export function integrateRun(
  payload: RgaPayload,
  replica: string,
  counter: number,
  length: number,
  text: string,
  refReplica: string | null,
  refCounter: number,
  deleted: boolean,
): number {
  let done = 0;
  while (done < length) {
    const here = payload.findRun(replica, counter + done);
    if (here === undefined) break;
    const offset = counter + done - here.counter;
    const count = Math.min(here.length - offset, length - done);
    if (deleted) markDeleted(payload, here, offset, count);
    done += count;
  }
  if (done === length) return 0;
  let refRun: RgaRun | null = null;
  let refOffset = 0;
  const fromReplica = done === 0 ? refReplica : replica;
  const fromCounter = done === 0 ? refCounter : counter + done - 1;
  if (fromReplica !== null) {
    refRun = payload.findRun(fromReplica, fromCounter) ?? null;
    if (refRun === null) {
      throw new Error(
        `RGA: element ${rgaKey(counter + done, replica)} refers to ${rgaKey(fromCounter, fromReplica)}, which is unknown here (causal order broken)`,
      );
    }
    refOffset = fromCounter - refRun.counter;
  }
  const rest = length === text.length ? text.slice(done) : text;
  return integrateNew(payload, refRun, refOffset, replica, counter + done, length - done, rest, deleted);
}

/** One element, as the sentences and the canonical encoding see it. */
export interface RgaElement {
  readonly key: string;
  readonly counter: number;
  readonly replica: string;
  readonly ref: string | null;
  readonly value: string;
  readonly deleted: boolean;
}

export function elementOf(run: RgaRun, offset: number): RgaElement {
  const ref =
    offset > 0
      ? rgaKey(run.counter + offset - 1, run.replica)
      : run.refReplica === null
        ? null
        : rgaKey(run.refCounter, run.refReplica);
  return {
    key: rgaKey(run.counter + offset, run.replica),
    counter: run.counter + offset,
    replica: run.replica,
    ref,
    value: valueAt(run, offset),
    deleted: run.deleted,
  };
}

/** Every element in list order. */
export function* rgaElements(payload: RgaPayload): Generator<RgaElement> {
  for (const run of runsInOrder(payload)) for (let i = 0; i < run.length; i++) yield elementOf(run, i);
}

/** The element with id `key`, if this payload has it. */
export function rgaGet(payload: RgaPayload, key: string): RgaElement | undefined {
  const { counter, replica } = parseRgaKey(key);
  const run = payload.findRun(replica, counter);
  return run === undefined ? undefined : elementOf(run, counter - run.counter);
}

export function rgaText(payload: RgaPayload): string {
  const parts: string[] = [];
  for (const run of runsInOrder(payload)) if (!run.deleted) parts.push(run.text);
  return parts.join("");
}

/** A copy sharing nothing with `payload`. */
export function rgaClone(payload: RgaPayload): RgaPayload {
  const copy = new RgaPayload();
  for (const run of runsInOrder(payload)) {
    const twin = new RgaRun(
      run.replica,
      run.counter,
      run.length,
      run.text,
      run.refReplica,
      run.refCounter,
      run.deleted,
    );
    placeRun(copy, copy.last, copy.last.runs.length, twin, false);
  }
  copy.counter = payload.counter;
  return copy;
}

/** State-based merge: a copy of `a` with every element of `b` integrated, in `b`'s list order (a reference always comes first). */
export function rgaMerge(a: RgaPayload, b: RgaPayload): RgaPayload {
  const merged = rgaClone(a);
  for (const run of runsInOrder(b)) {
    integrateRun(merged, run.replica, run.counter, run.length, run.text, run.refReplica, run.refCounter, run.deleted);
  }
  if (b.counter > merged.counter) merged.counter = b.counter;
  return merged;
}

/** How many elements sit strictly between `ref` (null: the start) and `key` in list order (the ones the insert skipped). */
export function elementsBetween(payload: RgaPayload, ref: string | null, key: string): number {
  const before = (id: string): number => {
    const { counter, replica } = parseRgaKey(id);
    const run = payload.findRun(replica, counter);
    if (run === undefined) throw new Error(`RGA: unknown element ${id}`);
    return elementsBefore(run, counter - run.counter);
  };
  return before(key) - (ref === null ? 0 : before(ref) + 1);
}
