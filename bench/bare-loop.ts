import { Scheduler } from "../src/sim/scheduler";
import { perSecond, timeWarm, Xorshift, type Timed } from "./measure";

/** What the bare loop appends: the fields an event has, with none of the work behind them. */
interface BareEvent {
  readonly seq: number;
  readonly time: number;
  readonly node: string;
  readonly kind: string;
}

/**
 * The ceiling for simulated events per second: a discrete-event loop on the same
 * (time, seq) heap the simulation uses, with as many things in flight as there are
 * nodes, that does nothing per event but append it to an array and schedule the
 * next one. No protocol, no explanations, no clocks, no hashing. Returns the events.
 */
export function bareEventLoop(eventCount: number, nodes: readonly string[]): readonly BareEvent[] {
  const scheduler = new Scheduler<number>();
  const random = new Xorshift(7);
  const events: BareEvent[] = [];
  for (let i = 0; i < nodes.length; i++) scheduler.schedule(0, i);
  while (events.length < eventCount) {
    const next = scheduler.pop();
    if (next === undefined) break;
    events.push({ seq: events.length, time: next.time, node: nodes[next.item] as string, kind: "DELIVER" });
    scheduler.schedule(next.time + 1 + random.below(10), random.below(nodes.length));
  }
  return events;
}

/**
 * A simulated protocol's events per second beside the bare event loop of the same
 * event count on the same nodes, both timed warm (as bench (a)): `runOnce` runs the
 * protocol's workload and returns its event count.
 */
export function simulationRate(
  runOnce: () => number,
  nodes: readonly string[],
  options: { repeats: number; budgetMs: number },
): { events: number; rate: number; ceilingRate: number; ratio: number; ours: Timed<number>; ceiling: Timed<number> } {
  const events = runOnce();
  const ceiling = timeWarm(() => bareEventLoop(events, nodes).length, {
    repeats: Math.max(20, 4 * options.repeats),
    warmups: 5,
  });
  const ours = timeWarm(runOnce, { repeats: options.repeats, budgetMs: options.budgetMs, warmups: 1 });
  const rate = perSecond(events, ours.bestMs);
  const ceilingRate = perSecond(events, ceiling.bestMs);
  return { events, rate, ceilingRate, ratio: rate / ceilingRate, ours, ceiling };
}
