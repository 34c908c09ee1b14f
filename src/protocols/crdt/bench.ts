import { hashLabel, Rng } from "../../sim/rng";
import {
  rgaDelete,
  rgaEmpty,
  rgaInsertAfter,
  rgaMerge,
  rgaText,
  type RgaHead,
  type RgaNode,
  type RgaPayload,
} from "./datatypes/rga";

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
 * inserts after the cursor, 30% backspaces, and before 5% of them the cursor jumps to
 * a random element typed earlier. Positions are element ids (RGA's own interface,
 * Roh et al. 2011), so the cost measured is integration, not an index walk.
 */
function edit(replica: RgaPayload, name: string, count: number, rng: Rng): { inserts: number; deletes: number } {
  const typed: string[] = [];
  let cursor: RgaNode | RgaHead = replica.head;
  let inserts = 0;
  let deletes = 0;
  for (let i = 0; i < count; i++) {
    if (typed.length > 0 && rng.chance(0.05)) cursor = replica.index.get(rng.pick(typed)) as RgaNode;
    let target: RgaNode | RgaHead = cursor;
    if (rng.chance(0.3)) {
      while (target.key !== null && target.deleted) target = target.prev;
      if (target.key !== null) {
        rgaDelete(replica, target.key);
        cursor = target.prev;
        deletes += 1;
        continue;
      }
    }
    const key = rgaInsertAfter(replica, cursor.key, LETTERS[rng.int(0, LETTERS.length - 1)] as string, name);
    cursor = replica.index.get(key) as RgaNode;
    typed.push(key);
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
  const before = second.index.size;
  const merged = rgaMerge(second, first);
  const text = rgaText(merged);
  let converged: boolean | null = null;
  if (options.verify === true) converged = rgaText(rgaMerge(first, second)) === text;
  return {
    opsApplied: inserts + deletes,
    inserts,
    deletes,
    concurrentOps,
    elements: first.index.size,
    tombstones: first.tombstones,
    merged: merged.index.size - before,
    textLength: text.length,
    textHash: hashLabel(text).toString(16).padStart(8, "0"),
    converged,
  };
}
