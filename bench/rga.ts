import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { rgaClone, rgaMerge, rgaText, type RgaPayload } from "../src/protocols/crdt/datatypes/rga";
import { editingTrace, replayTrace, type EditingTrace } from "../src/protocols/crdt/datatypes/rga-trace";
import { compact, megabytes, perSecond, runsPhrase, timePair, type BenchRow } from "./measure";
import { replayYjs, yjsFromState, yjsMergeBothWays, yjsState, yjsText } from "./rga-yjs";
import type * as Y from "yjs";

export interface MemoryFigures {
  readonly peakBytes: number;
  readonly retainedBytes: number;
  readonly textLength: number;
}

/** Peak memory of one replay in a fresh child process (bench/rga-memory.ts). */
export function replayMemory(which: "ours" | "yjs", edits: number, seed: number): MemoryFigures {
  const child = spawnSync(process.execPath, [join(__dirname, "rga-memory.js"), which, String(edits), String(seed)], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (child.status !== 0) throw new Error(`bench: the ${which} memory run failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as MemoryFigures;
}

/** Times a function, returning its result and the milliseconds it took. */
function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

/**
 * (e) The editing trace (src/protocols/crdt/datatypes/rga-trace.ts: `edits`
 * single-character edits by position, mostly typing at a cursor that sometimes jumps,
 * about 30% deletions) replayed through our RGA (rgaInsertText, rgaDeleteRange) and
 * through Yjs in the same run, alternately; both must end with the same text. Then
 * peak memory of each replay in a fresh child process. Then the merge: each side
 * makes `edits / 10` more edits concurrently on a copy of the finished document, and
 * the two states are merged both ways (ours: rgaMerge; Yjs: encodeStateAsUpdate then
 * applyUpdate), timed; each side must converge.
 */
export async function benchRga(options: {
  edits: number;
  repeats: number;
  budgetMs: number;
  seed?: number;
}): Promise<BenchRow[]> {
  const seed = options.seed ?? 1;
  const trace = editingTrace(options.edits, seed);
  let ours: RgaPayload | undefined;
  let yjs: Y.Doc | undefined;
  const replay = await timePair(
    () => {
      const run = timed(() => replayTrace(trace));
      ours = run.result;
      return run.ms;
    },
    () => {
      const run = timed(() => replayYjs(trace));
      yjs = run.result;
      return run.ms;
    },
    { repeats: options.repeats, budgetMs: options.budgetMs },
  );
  if (ours === undefined || yjs === undefined) throw new Error("bench: the replays did not run");
  const text = rgaText(ours);
  if (text !== yjsText(yjs) || text.length !== trace.finalLength) {
    throw new Error(
      `bench: the replays disagree: ours ${text.length} characters, Yjs ${yjsText(yjs).length}, trace ${trace.finalLength}`,
    );
  }
  const oursRate = perSecond(options.edits, replay.ours.bestMs);
  const yjsRate = perSecond(options.edits, replay.ceiling.bestMs);
  const oursMemory = replayMemory("ours", options.edits, seed);
  const yjsMemory = replayMemory("yjs", options.edits, seed);
  const memoryRatio = oursMemory.peakBytes / Math.max(1, yjsMemory.peakBytes);
  const merge = await benchMerge(trace, ours, yjs, seed, options);
  return [
    {
      name: "rga editing trace ops/s",
      ours: `${compact(oursRate)} ops/s`,
      ceiling: `${compact(yjsRate)} ops/s`,
      ratio: oursRate / yjsRate,
      target: "ours/ceiling >= 1",
      ok: oursRate >= yjsRate,
      note:
        `${trace.inserts} inserts + ${trace.deletes} deletes, one character each, by position (seed ${seed}), ` +
        `final text ${trace.finalLength} characters, checked equal; ceiling: Yjs 13.6.33 replaying the same trace ` +
        `in the same process, each edit its own transaction; alternating, ${runsPhrase(replay.ours)} each`,
    },
    {
      name: "rga editing trace peak memory",
      ours: megabytes(oursMemory.peakBytes),
      ceiling: megabytes(yjsMemory.peakBytes),
      ratio: memoryRatio,
      target: "ours/ceiling <= 3",
      ok: memoryRatio <= 3,
      note:
        `1 run each in a fresh child process: peak RSS minus RSS before the replay (ceiling: Yjs); ` +
        `heap kept by the finished document: ours ${megabytes(oursMemory.retainedBytes)}, ` +
        `Yjs ${megabytes(yjsMemory.retainedBytes)} (Yjs drops deleted characters' text; ours keeps them, as RGA's state does)`,
    },
    merge,
  ];
}

async function benchMerge(
  trace: EditingTrace,
  base: RgaPayload,
  yjsBase: Y.Doc,
  seed: number,
  options: { edits: number; repeats: number; budgetMs: number },
): Promise<BenchRow> {
  const concurrent = Math.max(1, Math.floor(options.edits / 10));
  const tailA = editingTrace(concurrent, seed + 1, trace.finalLength);
  const tailB = editingTrace(concurrent, seed + 2, trace.finalLength);
  const a = replayTrace(tailA, "a", rgaClone(base));
  const b = replayTrace(tailB, "b", rgaClone(base));
  const baseState = yjsState(yjsBase);
  const stateA = yjsState(replayYjs(tailA, yjsFromState(baseState, 2)));
  const stateB = yjsState(replayYjs(tailB, yjsFromState(baseState, 3)));
  let oursConverged = false;
  let yjsConverged = false;
  const merged = await timePair(
    () => {
      const run = timed(() => [rgaMerge(b, a), rgaMerge(a, b)] as const);
      oursConverged = rgaText(run.result[0]) === rgaText(run.result[1]);
      return run.ms;
    },
    () => {
      // Fresh client ids: a document loaded with a state that holds its own id would pick a random new one.
      const docA = yjsFromState(stateA, 4);
      const docB = yjsFromState(stateB, 5);
      const run = timed(() => yjsMergeBothWays(docA, docB));
      yjsConverged = yjsText(docA) === yjsText(docB);
      return run.ms;
    },
    { repeats: options.repeats, budgetMs: options.budgetMs / 2 },
  );
  if (!oursConverged || !yjsConverged) {
    throw new Error(`bench: a merge did not converge (ours ${oursConverged}, Yjs ${yjsConverged})`);
  }
  const ops = 2 * concurrent;
  const oursRate = perSecond(ops, merged.ours.bestMs);
  const yjsRate = perSecond(ops, merged.ceiling.bestMs);
  return {
    name: "rga merge ops/s",
    ours: `${compact(oursRate)} ops/s`,
    ceiling: `${compact(yjsRate)} ops/s`,
    ratio: oursRate / yjsRate,
    target: "none set (reported)",
    ok: null,
    note:
      `two copies of the finished trace each make ${concurrent} more edits concurrently (10% of the trace), ` +
      `then each whole state is merged into the other; ops = the ${ops} concurrent edits reconciled; ` +
      `ours: rgaMerge both ways; ceiling: Yjs encodeStateAsUpdate + applyUpdate both ways; each side checked ` +
      `converged; alternating, ${runsPhrase(merged.ours)} each`,
  };
}
