import { BENCH_NODES } from "../src/protocols/raft/bench-workload";
import { raft, raftBenchSpec } from "../src/protocols/raft";
import { Simulation, type SimulationResult } from "../src/sim/world";
import { bareEventLoop } from "./bare-loop";
import { compact, perSecond, runsPhrase, timeWarm, type BenchRow } from "./measure";

export interface RaftRun {
  readonly result: SimulationResult;
  /** The highest commitIndex of any node at the end: log entries known committed (writes plus each leader's no-op). */
  readonly committed: number;
}

/** A 5-node Raft cluster taking `writes` client puts (raftBenchSpec), streamed (keepEvents false), with its checkers. */
export function runRaft(writes: number, seed = 1): RaftRun {
  const { config, spec } = raftBenchSpec(writes, seed);
  const result = new Simulation(raft, config, spec, { keepEvents: false }).run();
  let committed = 0;
  for (const node of result.nodes) {
    const index = node.state?.["commitIndex"];
    if (typeof index === "number" && index > committed) committed = index;
  }
  if (committed < writes) {
    throw new Error(`bench: the Raft cluster committed ${committed} entries, fewer than the ${writes} writes`);
  }
  if (result.violations.length > 0) throw new Error(`bench: Raft run broke ${result.violations[0]?.invariant}`);
  return { result, committed };
}

/**
 * (d) A 5-node Raft cluster committing `writes` client writes: simulated events per
 * second and committed entries per second, against the bare event loop of the same
 * event count (for entries, the rate the cluster would commit at if each of its
 * events cost what a bare loop event costs).
 */
export function benchRaft(options: { writes: number; repeats: number; budgetMs: number }): BenchRow[] {
  // The event count comes from an untimed run, so the ceiling can be measured first, on a quiet heap.
  const events = runRaft(options.writes).result.eventCount;
  // Timed warm, like (a): after a full collection the few-millisecond bare loop would
  // start by compiling again and read up to 10x too slow (see timeWarm).
  const ceiling = timeWarm(() => bareEventLoop(events, BENCH_NODES).length, {
    repeats: Math.max(20, 4 * options.repeats),
    warmups: 5,
  });
  const ours = timeWarm(() => runRaft(options.writes), {
    repeats: options.repeats,
    budgetMs: options.budgetMs,
    warmups: 1,
  });
  const { result, committed } = ours.result;
  if (result.eventCount !== events) throw new Error("bench: two Raft runs of the same seed differ");
  const eventRate = perSecond(events, ours.bestMs);
  const ceilingEventRate = perSecond(events, ceiling.bestMs);
  const entryRate = perSecond(committed, ours.bestMs);
  const ceilingEntryRate = perSecond(committed, ceiling.bestMs);
  const how =
    `5 nodes, ${options.writes} puts 1 ms apart (followers redirect to the leader), ${events} events, ` +
    `${committed} entries committed, events streamed (keepEvents false), checkers on; ` +
    `ours ${runsPhrase(ours)} (${ours.bestMs.toFixed(0)} ms), ceiling ${runsPhrase(ceiling)} (${ceiling.bestMs.toFixed(1)} ms)`;
  return [
    {
      name: "raft sim events/s",
      ours: `${compact(eventRate)} ev/s`,
      ceiling: `${compact(ceilingEventRate)} ev/s`,
      ratio: eventRate / ceilingEventRate,
      target: "none set (reported)",
      ok: null,
      note: how,
    },
    {
      name: "raft committed entries/s",
      ours: `${compact(entryRate)} entries/s`,
      ceiling: `${compact(ceilingEntryRate)} entries/s`,
      ratio: entryRate / ceilingEntryRate,
      target: "none set (reported)",
      ok: null,
      note: `the same runs (ours ${runsPhrase(ours)}); ceiling: the bare loop's time for the same ${events} events`,
    },
  ];
}
