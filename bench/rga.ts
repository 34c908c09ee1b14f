import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { rgaBenchmark, type RgaBenchmarkResult } from "../src/protocols/crdt";
import { Rng } from "../src/sim/rng";
import { compact, megabytes, perSecond, runsPhrase, timeIt, type BenchRow } from "./measure";

const LETTERS = "abcdefghijklmnopqrstuvwxyz ";
/** An element of the ceiling's array: id * 64 + letter * 2 + deleted, a small integer, so the array stays packed. */
const ID_SHIFT = 64;

export interface SpliceResult {
  readonly elements: number;
  readonly tombstones: number;
  readonly textLength: number;
}

/**
 * The ceiling for RGA: the same edits on a bare array with Array.prototype.splice.
 * It replays rgaBenchmark's editing sequence exactly (the same seeded stream and the
 * same choices: 70% inserts after the cursor, 30% backspaces, 5% cursor jumps to an
 * element typed earlier), keeping deleted elements in place as RGA keeps its
 * tombstones, so each insert lands where RGA puts it; then the second replica's 1%
 * of concurrent edits, and a merge that copies both arrays into one.
 */
export function spliceBenchmark(ops: number, seed: number): SpliceResult {
  const rng = new Rng(seed, "rga-bench");
  const first = spliceEdits(ops, rng.fork("a"), 0);
  const second = spliceEdits(Math.floor(ops / 100), rng.fork("b"), ops + 1);
  const merged = second.concat(first);
  const text: string[] = [];
  for (const element of merged) if ((element & 1) === 0) text.push(LETTERS[(element % ID_SHIFT) >> 1] as string);
  let tombstones = 0;
  for (const element of first) tombstones += element & 1;
  return { elements: first.length, tombstones, textLength: text.join("").length };
}

function spliceEdits(count: number, rng: Rng, firstId: number): number[] {
  const list: number[] = [];
  const typed: number[] = [];
  let cursor = -1; // index of the element the cursor is after; -1 is the head
  let nextId = firstId;
  for (let i = 0; i < count; i++) {
    if (typed.length > 0 && rng.chance(0.05)) {
      const id = rng.pick(typed);
      const low = id * ID_SHIFT;
      const high = low + ID_SHIFT;
      cursor = -1;
      for (let j = 0; j < list.length; j++) {
        const element = list[j] as number;
        if (element >= low && element < high) {
          cursor = j;
          break;
        }
      }
    }
    let target = cursor;
    if (rng.chance(0.3)) {
      while (target !== -1 && ((list[target] as number) & 1) === 1) target -= 1;
      if (target !== -1) {
        list[target] = (list[target] as number) | 1;
        cursor = target - 1;
        continue;
      }
    }
    const letter = rng.int(0, LETTERS.length - 1);
    const id = nextId++;
    list.splice(cursor + 1, 0, id * ID_SHIFT + letter * 2);
    cursor += 1;
    typed.push(id);
  }
  return list;
}

/** Peak resident memory of one run in a fresh child process, above its resident memory before the run, in bytes. */
export function peakMemory(which: "rga" | "splice", ops: number, seed: number): number {
  const child = spawnSync(process.execPath, [join(__dirname, "rga-memory.js"), which, String(ops), String(seed)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (child.status !== 0) throw new Error(`bench: the ${which} memory run failed: ${child.stderr}`);
  const parsed = JSON.parse(child.stdout) as { peakBytes: number };
  return parsed.peakBytes;
}

/**
 * (e) RGA: `ops` single-character inserts and deletes on one replica, merged into a
 * second (rgaBenchmark), against a bare array splice of the same edits: operations
 * per second (in this process) and peak memory (each in a fresh child process).
 */
export function benchRga(options: { ops: number; repeats: number; budgetMs: number; seed?: number }): BenchRow[] {
  const seed = options.seed ?? 1;
  const timing = { repeats: options.repeats, budgetMs: options.budgetMs / 2 };
  const ours = timeIt((): RgaBenchmarkResult => rgaBenchmark(options.ops, seed), timing);
  const ceiling = timeIt(() => spliceBenchmark(options.ops, seed), timing);
  const rga = ours.result;
  const splice = ceiling.result;
  if (
    rga.elements !== splice.elements ||
    rga.tombstones !== splice.tombstones ||
    rga.textLength !== splice.textLength
  ) {
    throw new Error(
      `bench: the splice replay diverged from RGA (elements ${splice.elements} vs ${rga.elements}, ` +
        `tombstones ${splice.tombstones} vs ${rga.tombstones}, text ${splice.textLength} vs ${rga.textLength})`,
    );
  }
  const ops = rga.opsApplied + rga.concurrentOps;
  const oursRate = perSecond(ops, ours.bestMs);
  const ceilingRate = perSecond(ops, ceiling.bestMs);
  const oursMemory = peakMemory("rga", options.ops, seed);
  const ceilingMemory = peakMemory("splice", options.ops, seed);
  return [
    {
      name: "rga ops/s",
      ours: `${compact(oursRate)} ops/s`,
      ceiling: `${compact(ceilingRate)} ops/s`,
      ratio: oursRate / ceilingRate,
      target: "none set (reported)",
      ok: null,
      note:
        `${rga.inserts} inserts + ${rga.deletes} deletes on replica a, ${rga.concurrentOps} concurrent edits on b, ` +
        `then b merges a (${rga.merged} elements integrated, text of ${rga.textLength} characters); ceiling: ` +
        `Array.prototype.splice of the same edits (checked: same elements and tombstones); ${runsPhrase(ours)} each`,
    },
    {
      name: "rga peak memory",
      ours: megabytes(oursMemory),
      ceiling: megabytes(ceilingMemory),
      ratio: oursMemory / Math.max(1, ceilingMemory),
      target: "none set (reported)",
      ok: null,
      note: "1 run each in a fresh child process: peak RSS minus RSS before the run; ratio is ours/ceiling (lower is better)",
    },
  ];
}
