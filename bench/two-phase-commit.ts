import { getProtocol } from "../src/protocols";
import { DEFAULT_NETWORK, type SimulationSpec, type WorkloadSpec } from "../src/sim/spec";
import { hashEvents, Simulation, type SimulationResult } from "../src/sim/world";
import type { TraceEvent } from "../src/sim/types";
import { bareEventLoop } from "./bare-loop";
import { compact, perSecond, runsPhrase, timeWarm, type BenchRow } from "./measure";

export const TWO_PHASE_COMMIT_NODES = ["coord", "p1", "p2", "p3"] as const;

/** A 2PC workload: `transactions` transactions begun 2 ms apart on one coordinator with three participants. */
export function twoPhaseCommitSpec(transactions: number, seed: number): SimulationSpec {
  const workload: WorkloadSpec[] = [];
  for (let i = 0; i < transactions; i++) {
    workload.push({
      trigger: { type: "at", at: i * 2 },
      node: "coord",
      op: "begin",
      args: { tx: `t${i + 1}` },
      followRedirects: 0,
    });
  }
  return {
    nodes: [...TWO_PHASE_COMMIT_NODES],
    seed,
    network: { ...DEFAULT_NETWORK, delay: { min: 2, max: 10 } },
    clocks: {},
    workload,
    faults: [],
    limits: { maxTime: transactions * 2 + 100_000, maxEvents: transactions * 100 + 1000 },
  };
}

/**
 * Runs the 2PC workload with full tracing: every event kept in memory, explained,
 * with Lamport and vector clocks and the trace hash. With `checkers: false` the
 * protocol's safety checkers are left out, to show what they cost.
 */
export function runTwoPhaseCommit(
  transactions: number,
  options: { seed?: number; checkers?: boolean } = {},
): SimulationResult {
  const registered = getProtocol("two-phase-commit");
  if (registered === undefined) throw new Error("bench: two-phase-commit is not registered in src/protocols/index.ts");
  const protocol = options.checkers === false ? { ...registered, checkers: () => [] } : registered;
  const spec = twoPhaseCommitSpec(transactions, options.seed ?? 1);
  const parsed = protocol.parseConfig({}, spec.nodes);
  if (!parsed.ok) throw new Error(`bench: 2PC config rejected: ${JSON.stringify(parsed.problems)}`);
  const result = new Simulation(protocol, parsed.config, spec, { keepEvents: true }).run();
  if (result.stopReason !== "quiescent") {
    throw new Error(`bench: the 2PC run stopped on ${result.stopReason}, not quiescent: ${result.stopMessage}`);
  }
  return result;
}

/** The best time of hashing these events as the core does, warm like the runs (the trace is dropped when this returns). */
function hashTime(trace: readonly TraceEvent[], repeats: number): number {
  return timeWarm(() => hashEvents(trace), { repeats, warmups: 1 }).bestMs;
}

/**
 * (a) Simulated events per second of a large 2PC run, against the bare event loop
 * of the same event count: as shipped (with the safety checkers every run has), and
 * without the checkers (the core, the protocol and full tracing only).
 */
export function benchTwoPhaseCommit(options: { transactions: number; repeats: number; budgetMs: number }): BenchRow[] {
  const timing = { repeats: options.repeats, budgetMs: options.budgetMs, warmups: 1 };
  // Only counts and hashes are kept from each run, so no large trace stays alive on
  // the heap while the next measurement runs; the ceiling goes first, on a quiet heap.
  const brief = (result: SimulationResult) => ({ eventCount: result.eventCount, traceHash: result.traceHash });
  const events = runTwoPhaseCommit(options.transactions, { checkers: false }).eventCount;
  // Both the ceiling and ours are timed warm (see timeWarm): after a full collection
  // each run would start by compiling again, which made the few-millisecond ceiling
  // anywhere from 1x to 10x too slow and taxed our runs too.
  const ceiling = timeWarm(() => bareEventLoop(events, TWO_PHASE_COMMIT_NODES).length, {
    repeats: Math.max(20, 4 * options.repeats),
    warmups: 5,
  });
  // Where the time goes, for the notes: the trace hash alone over the same events.
  const hashing = hashTime(runTwoPhaseCommit(options.transactions, { checkers: false }).events, options.repeats);
  const bare = timeWarm(() => brief(runTwoPhaseCommit(options.transactions, { checkers: false })), timing);
  const shipped = timeWarm(() => brief(runTwoPhaseCommit(options.transactions)), timing);
  if (bare.result.traceHash !== shipped.result.traceHash || shipped.result.eventCount !== events) {
    throw new Error("bench: leaving the checkers out changed the trace (no violation was expected)");
  }
  const ceilingRate = perSecond(events, ceiling.bestMs);
  const row = (name: string, timed: typeof shipped, what: string): BenchRow => {
    const rate = perSecond(events, timed.bestMs);
    const ratio = rate / ceilingRate;
    return {
      name,
      ours: `${compact(rate)} ev/s`,
      ceiling: `${compact(ceilingRate)} ev/s`,
      ratio,
      target: "ours/ceiling >= 0.5",
      ok: ratio >= 0.5,
      note:
        `${options.transactions} transactions on 1 coordinator + 3 participants, ${events} events, ${what}; ` +
        `ours ${runsPhrase(timed)} warm runs (${timed.bestMs.toFixed(0)} ms), ceiling best of ${ceiling.repeats} warm runs ` +
        `(${ceiling.bestMs.toFixed(1)} ms, median ${ceiling.medianMs.toFixed(1)} ms): the same (time, seq) heap, ` +
        `appending each event to an array`,
    };
  };
  const hashShare = `the trace hash alone (canonical JSON and sha256 per event) takes ${hashing.toFixed(0)} ms of it`;
  return [
    row(
      "2pc sim events/s",
      shipped,
      "full tracing (events kept, explained, clocks, trace hash) and the safety checkers",
    ),
    row(
      "2pc sim events/s, no checkers",
      bare,
      `full tracing, the Atomicity and CommitValidity checkers left out; ${hashShare}`,
    ),
  ];
}
