import { performance } from "node:perf_hooks";
import {
  checkLinearizability,
  MODELS,
  parseHistory,
  type LinearizabilityVerdict,
} from "../src/checkers/linearizability";
import { breakOneRead, generateHistory, type GeneratedHistory } from "../src/checkers/linearizability/generate";
import { ILLEGAL, prepareCall } from "../src/checkers/linearizability/model";
import { runsPhrase, timeIt, type BenchRow } from "./measure";

/**
 * (i) The linearizability checker on generated histories (an atomic store with
 * every client always busy, so each operation overlaps about one per other client):
 * 5 and 20 clients, 1,000 and 10,000 operations, cas-register and kv with 10 keys,
 * as made (linearizable) and with one read changed to a value never written (not).
 * Milliseconds per history, parsing included. Ceiling: one pass that parses the same
 * history and replays it in return order through the same model (what any checker
 * must at least do: read each operation and step the model once).
 */

export interface LinearizabilityBenchOptions {
  readonly sizes: readonly number[];
  readonly clients: readonly number[];
  readonly repeats: number;
  /** The checker's time budget per history; past it the verdict is UNKNOWN. */
  readonly checkBudgetMs: number;
}

export function benchLinearizability(options: LinearizabilityBenchOptions): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const model of ["cas-register", "kv"] as const) {
    for (const clients of options.clients) {
      for (const operations of options.sizes) {
        for (const broken of [false, true]) {
          const history = generateHistory({ model, clients, operations, keys: 10, seed: 1 });
          if (broken && !breakOneRead(history)) throw new Error("bench: the history has no read to break");
          rows.push(measure(history, clients, operations, broken, options));
        }
      }
    }
  }
  return rows;
}

function measure(
  history: GeneratedHistory,
  clients: number,
  operations: number,
  broken: boolean,
  options: LinearizabilityBenchOptions,
): BenchRow {
  const expected: LinearizabilityVerdict = broken ? "NOT_LINEARIZABLE" : "LINEARIZABLE";
  const ceiling = timeIt(() => replayInReturnOrder(history), {
    repeats: Math.max(5, options.repeats),
    budgetMs: 5_000,
  });
  const ours = timeIt(
    () => {
      const deadline = performance.now() + options.checkBudgetMs;
      return checkLinearizability(history, { expired: () => performance.now() > deadline });
    },
    { repeats: options.repeats, budgetMs: options.checkBudgetMs },
  );
  const verdict = ours.result.verdict;
  if (verdict !== expected && verdict !== "UNKNOWN") {
    throw new Error(`bench: the checker says ${verdict} of a history that is ${expected}`);
  }
  const name = `lin ${history.model === "kv" ? "kv 10 keys" : history.model} ${clients}c ${operations / 1000}k ${broken ? "not" : "lin"}`;
  const unknown = verdict === "UNKNOWN";
  return {
    name,
    ours: unknown ? `>${options.checkBudgetMs} ms` : `${formatMs(ours.bestMs)} ms`,
    ceiling: `${formatMs(ceiling.bestMs)} ms`,
    ratio: ours.bestMs / ceiling.bestMs,
    target: "none set (reported)",
    ok: null,
    note:
      `${clients} clients, ${operations} operations, ${broken ? "one read broken" : "as made"}: ${verdict}` +
      `${unknown ? ` (the budget of ${options.checkBudgetMs} ms ran out; the ratio is a floor)` : ""}; ` +
      `ours ${runsPhrase(ours)}, ceiling (parse and replay in return order) ${runsPhrase(ceiling)}`,
  };
}

/** The ceiling: parse, then one model step per operation in return order (per key for kv); counts the steps that fit. */
export function replayInReturnOrder(input: GeneratedHistory): number {
  const history = parseHistory(input);
  const model = MODELS[history.model];
  const ordered = history.operations
    .filter((operation) => !operation.failed)
    .sort((a, b) => (a.returnIndex ?? Number.MAX_SAFE_INTEGER) - (b.returnIndex ?? Number.MAX_SAFE_INTEGER));
  const states = new Map<string | null, string>();
  for (const partition of model.partition(history)) states.set(partition.key, partition.initial);
  let fits = 0;
  for (const operation of ordered) {
    const state = states.get(operation.key) as string;
    const next = model.step(state, prepareCall(operation));
    if (next !== ILLEGAL) {
      fits += 1;
      states.set(operation.key, next);
    }
  }
  return fits;
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
