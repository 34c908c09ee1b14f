import { checkSerializability, type SerializabilityResult } from "../src/checkers/serializability";
import { compact, perSecond, runsPhrase, timeWarm, type BenchRow } from "./measure";
import { elleLikePlans, executeSerially, type GeneratedHistory } from "./serializability-workload";

/**
 * The ceiling for the serializability checker: one pass over the history that
 * touches what the checker must at least read once: every transaction, every
 * micro-operation, every element of every list read (it folds them into a
 * checksum, so none of it can be skipped).
 */
export function singlePass(history: GeneratedHistory): number {
  let sum = 0;
  for (const txn of history.txns) {
    sum = (sum + txn.process + txn.type.length) | 0;
    for (const [f, key, value] of txn.ops) {
      sum = (sum + f.length + key) | 0;
      if (Array.isArray(value)) for (const element of value as number[]) sum = (sum * 31 + element) | 0;
      else if (typeof value === "number") sum = (sum * 31 + value) | 0;
    }
  }
  return sum;
}

/** A list-append history of `transactions` from a serial execution of an Elle-like workload (it checks SERIALIZABLE). */
export function benchHistory(transactions: number, seed = 1): GeneratedHistory {
  return executeSerially("list-append", elleLikePlans(transactions, seed));
}

/**
 * (j) The serializability checker on generated list-append histories (from parsing
 * the JSON value to the verdict: version orders, the dependency graph, Tarjan's
 * SCCs), transactions per second, against a single pass over the same history.
 * Elle checks about 100k transactions per second on the JVM (Kingsbury & Alvaro
 * 2020, evaluation): reported beside ours, not compared (other machine, other work).
 */
export function benchSerializability(options: {
  sizes: readonly number[];
  repeats: number;
  budgetMs: number;
}): BenchRow[] {
  return options.sizes.map((size) => {
    const history = benchHistory(size);
    // Timed warm, as (a) and (d): after timeIt's full collection the code would start by compiling again
    // (see timeWarm), which at 10,000 transactions cost more than the check itself.
    const timing = { repeats: options.repeats, budgetMs: options.budgetMs / 2, warmups: 1 };
    const ceiling = timeWarm(() => singlePass(history), { ...timing, repeats: options.repeats * 5 });
    const ours = timeWarm((): SerializabilityResult => checkSerializability(history), timing);
    if (ours.result.verdict !== "SERIALIZABLE") {
      throw new Error(
        `bench: a serial execution checked ${ours.result.verdict}: ${ours.result.anomalies[0]?.explanation}`,
      );
    }
    const oursRate = perSecond(size, ours.bestMs);
    const ceilingRate = perSecond(size, ceiling.bestMs);
    const counts = ours.result.edgeCounts;
    const edges = counts.WW + counts.WR + counts.RW;
    return {
      name: `serializability ${compact(size)} txns`,
      ours: `${compact(oursRate)} txn/s`,
      ceiling: `${compact(ceilingRate)} txn/s`,
      ratio: oursRate / ceilingRate,
      target: "none set (reported)",
      ok: null,
      note:
        `list-append, ${size} transactions from a serial execution (1-4 ops, 10 active keys, 32 appends a key), ` +
        `${edges} ww/wr/rw edges; check ${ours.bestMs.toFixed(0)} ms (${runsPhrase(ours)}) vs one pass over the ` +
        `history ${ceiling.bestMs.toFixed(1)} ms (${runsPhrase(ceiling)}); Elle: ~100k txn/s on the JVM`,
    };
  });
}
