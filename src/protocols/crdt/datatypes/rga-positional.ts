import { integrateNew, markDeleted, rgaKey } from "./rga-edit";
import { locateVisible, type RgaPayload, type RgaRun } from "./rga-tree";

/**
 * The edits an editor makes, by position (issue 14): each finds its place down the run
 * tree in O(log n) (locateVisible), then applies RGA's own operations: an insert after
 * the visible character before the position (Roh et al.'s local insert: the new
 * element has the largest timestamp, so it lands right after its reference), a delete
 * as tombstones.
 */

/**
 * The positional insert an editor makes: `text` typed at visible `position` (0 <= position
 * <= length) by `replica`. Each character (code point) becomes an element with a fresh
 * Lamport id, the first one after the visible element at position - 1 (the start of the
 * text at 0), each next one after the one before it; runs of them are stored as one.
 * Returns the new elements' ids, in text order.
 */
export function rgaInsertText(payload: RgaPayload, position: number, text: string, replica: string): string[] {
  if (!Number.isInteger(position) || position < 0 || position > payload.live) {
    throw new Error(`rgaInsertText: position ${position} is outside the text (length ${payload.live})`);
  }
  if (replica.length === 0 || replica.includes("@")) {
    throw new Error(`rgaInsertText: replica ${JSON.stringify(replica)} must be non-empty and without "@"`);
  }
  let refRun: RgaRun | null = null;
  let refOffset = 0;
  if (position > 0) {
    const found = locateVisible(payload, position - 1);
    refRun = found.run;
    refOffset = found.offset;
  }
  const ids: string[] = [];
  let start = 0;
  while (start < text.length) {
    // One-unit characters go in one run; a surrogate pair (one code point) is an element, and a run, of its own.
    let end = start + 1;
    let length = 1;
    if (isPair(text, start)) end = start + 2;
    else {
      while (end < text.length && !isPair(text, end)) end += 1;
      length = end - start;
    }
    const counter = payload.counter + 1;
    integrateNew(payload, refRun, refOffset, replica, counter, length, text.slice(start, end), false);
    for (let i = 0; i < length; i++) ids.push(rgaKey(counter + i, replica));
    start = end;
    if (start < text.length) {
      refRun = payload.findRun(replica, counter + length - 1) as RgaRun;
      refOffset = counter + length - 1 - refRun.counter;
    }
  }
  return ids;
}

/** Whether a surrogate pair starts at `index` (for..of yields it as one character). */
function isPair(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/**
 * The positional delete an editor makes: `length` visible elements from `position` become
 * tombstones (they stay, since a concurrent insert may name them as its reference).
 * Returns the deleted elements' ids, in text order.
 */
export function rgaDeleteRange(payload: RgaPayload, position: number, length: number): string[] {
  if (!Number.isInteger(length) || length < 0) {
    throw new Error(`rgaDeleteRange: length ${length} must be a non-negative integer`);
  }
  if (!Number.isInteger(position) || position < 0 || position + length > payload.live) {
    throw new Error(
      `rgaDeleteRange: ${length} elements from position ${position} do not fit in the text (length ${payload.live})`,
    );
  }
  const ids: string[] = [];
  let left = length;
  while (left > 0) {
    const { run, offset } = locateVisible(payload, position);
    const count = Math.min(run.length - offset, left);
    for (let i = 0; i < count; i++) ids.push(rgaKey(run.counter + offset + i, run.replica));
    markDeleted(payload, run, offset, count);
    left -= count;
  }
  return ids;
}
