import { Rng } from "../../../sim/rng";
import { rgaDeleteRange, rgaInsertText } from "./rga-positional";
import { RgaPayload } from "./rga-tree";

/**
 * A seeded editing session, as the positional edits an editor sends: mostly typing at a
 * cursor, backspaces (about 30% of the edits are deletions), small cursor moves, and now
 * and then a jump to anywhere in the text. Every edit is one character, by position, so
 * a replay through any text CRDT (ours, Yjs) must end with the same text. The bench's
 * row (e) and the property tests replay it.
 */
export interface EditingTrace {
  /** Where each edit happens: a visible position in the text as it is just before the edit. */
  readonly positions: Int32Array;
  /** The character code typed, or 0 for "delete the character at this position". */
  readonly codes: Uint16Array;
  readonly inserts: number;
  readonly deletes: number;
  /** The text's length after the whole trace. */
  readonly finalLength: number;
}

/** Letters weighted roughly as in English prose, with spaces, and a few newlines and commas. */
const ALPHABET = "eeeeeeeetttttaaaaaooooiiiinnnnssssshhhhrrrrddllcuummwfggyppbbvk        \n,.";

/** Most edits one trace may hold (it is two typed arrays, 6 bytes an edit). */
export const MAX_TRACE_EDITS = 10_000_000;

/**
 * `edits` edits starting from a text of `startLength` characters (cursor at its end),
 * drawn from `seed`: a delete with probability 0.3 (a backspace, or a forward delete
 * at the start of the text), otherwise a typed character; before an edit, the cursor
 * jumps anywhere with probability 0.01 and moves by up to 8 characters with
 * probability 0.03.
 */
export function editingTrace(edits: number, seed: number, startLength = 0): EditingTrace {
  if (!Number.isInteger(edits) || edits < 0 || edits > MAX_TRACE_EDITS) {
    throw new Error(
      `editingTrace: edits must be an integer from 0 to ${MAX_TRACE_EDITS} (MAX_TRACE_EDITS), got ${edits}`,
    );
  }
  const rng = new Rng(seed, "rga-editing-trace");
  const positions = new Int32Array(edits);
  const codes = new Uint16Array(edits);
  let length = startLength;
  let cursor = startLength;
  let inserts = 0;
  let deletes = 0;
  for (let i = 0; i < edits; i++) {
    const move = rng.float();
    if (move < 0.01) cursor = rng.int(0, length);
    else if (move < 0.04) cursor = Math.max(0, Math.min(length, cursor + rng.int(-8, 8)));
    if (length > 0 && rng.chance(0.3)) {
      const at = cursor > 0 ? cursor - 1 : 0;
      positions[i] = at;
      codes[i] = 0;
      cursor = at;
      length -= 1;
      deletes += 1;
      continue;
    }
    positions[i] = cursor;
    codes[i] = ALPHABET.charCodeAt(rng.int(0, ALPHABET.length - 1));
    cursor += 1;
    length += 1;
    inserts += 1;
  }
  return { positions, codes, inserts, deletes, finalLength: length };
}

/** Replays a trace by position into `payload` (a fresh one by default) as `replica`; returns the payload. */
export function replayTrace(trace: EditingTrace, replica = "a", payload = new RgaPayload()): RgaPayload {
  const { positions, codes } = trace;
  for (let i = 0; i < positions.length; i++) {
    const code = codes[i] as number;
    if (code === 0) rgaDeleteRange(payload, positions[i] as number, 1);
    else rgaInsertText(payload, positions[i] as number, String.fromCharCode(code), replica);
  }
  return payload;
}

/** The same trace on a plain array of characters: the oracle the property tests hold the RGA to. */
export function replayOnArray(trace: EditingTrace, start: readonly string[] = []): string[] {
  const text = [...start];
  for (let i = 0; i < trace.positions.length; i++) {
    const code = trace.codes[i] as number;
    if (code === 0) text.splice(trace.positions[i] as number, 1);
    else text.splice(trace.positions[i] as number, 0, String.fromCharCode(code));
  }
  return text;
}
