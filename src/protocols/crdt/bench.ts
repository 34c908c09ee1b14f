import { hashLabel, Rng } from "../../sim/rng";
import { rgaDeleteRange, rgaEmpty, rgaInsertText, rgaMerge, rgaText, type RgaPayload } from "./datatypes/rga";

export interface RgaBenchmarkResult {
  /** Single-character inserts and deletes applied at the first replica. */
  readonly opsApplied: number;
  readonly inserts: number;
  readonly deletes: number;
  /** Concurrent edits made at the second replica before it merged (1% of opsApplied). */
  readonly concurrentOps: number;
  /** Elements (live and tombstones) of the first replica after the sequence. */
  readonly elements: number;
  readonly tombstones: number;
  /** Elements integrated into the second replica by the merge. */
  readonly merged: number;
  /** Length of the merged text. */
  readonly textLength: number;
  /** FNV-1a of the merged text, so two runs with the same seed can be compared. */
  readonly textHash: string;
  /** Whether merging the other way round gives the same text (null when not verified). */
  readonly converged: boolean | null;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz ";

/**
 * Applies `count` seeded single-character edits to `replica` as a person types: 70%
 * inserts at the cursor, 30% backspaces, and before 5% of them the cursor jumps to a
 * random position. Edits go through the positional API an editor calls
 * (rgaInsertText, rgaDeleteRange), so the cost measured includes finding positions.
 */
function edit(replica: RgaPayload, name: string, count: number, rng: Rng): { inserts: number; deletes: number } {
  let cursor = 0;
  let inserts = 0;
  let deletes = 0;
  for (let i = 0; i < count; i++) {
    if (replica.live > 0 && rng.chance(0.05)) cursor = rng.int(0, replica.live);
    if (rng.chance(0.3) && cursor > 0) {
      rgaDeleteRange(replica, cursor - 1, 1);
      cursor -= 1;
      deletes += 1;
      continue;
    }
    rgaInsertText(replica, cursor, LETTERS[rng.int(0, LETTERS.length - 1)] as string, name);
    cursor += 1;
    inserts += 1;
  }
  return { inserts, deletes };
}

/**
 * The RGA benchmark's workload, with no timing inside (the bench harness times it):
 * a seeded editing sequence of `ops` single-character inserts and deletes applied to
 * one replica, a few concurrent edits at a second replica, then the second merges the
 * first's state. With `verify`, the first also merges the second and the two texts
 * are compared.
 */
export function rgaBenchmark(ops: number, seed: number, options: { verify?: boolean } = {}): RgaBenchmarkResult {
  if (!Number.isInteger(ops) || ops < 0)
    throw new Error(`rgaBenchmark: ops must be a non-negative integer, got ${ops}`);
  const rng = new Rng(seed, "rga-bench");
  const first = rgaEmpty();
  const { inserts, deletes } = edit(first, "a", ops, rng.fork("a"));
  const second = rgaEmpty();
  const concurrentOps = Math.floor(ops / 100);
  edit(second, "b", concurrentOps, rng.fork("b"));
  const before = second.size;
  const merged = rgaMerge(second, first);
  const text = rgaText(merged);
  let converged: boolean | null = null;
  if (options.verify === true) converged = rgaText(rgaMerge(first, second)) === text;
  return {
    opsApplied: inserts + deletes,
    inserts,
    deletes,
    concurrentOps,
    elements: first.size,
    tombstones: first.tombstones,
    merged: merged.size - before,
    textLength: text.length,
    textHash: hashLabel(text).toString(16).padStart(8, "0"),
    converged,
  };
}
