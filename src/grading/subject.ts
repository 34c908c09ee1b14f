import type { Scenario } from "../scenarios/types";
import { runScenario } from "../scenarios/runner";
import type { NodeView, SimulationResult } from "../sim/world";

/**
 * A finished run as grading sees it: its trace, its final node views, and the
 * node views right after any seq (a deterministic replay, cached per seq).
 */
export interface RunSubject {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly result: SimulationResult;
  nodesAfter(seq: number): readonly NodeView[];
}

/** Runs the scenario (or takes a result already run) and serves replays from the same scenario and seed. */
export function subjectOf(scenario: Scenario, seed: number, result?: SimulationResult): RunSubject {
  const run = result ?? runScenario(scenario, { seed });
  const replays = new Map<number, readonly NodeView[]>();
  return {
    scenario,
    seed,
    result: run,
    nodesAfter(seq: number): readonly NodeView[] {
      const last = run.events.length - 1;
      if (seq >= last) return run.nodes;
      let views = replays.get(seq);
      if (views === undefined) {
        views = runScenario(scenario, { seed, stopAtSeq: seq, keepEvents: false }).nodes;
        replays.set(seq, views);
      }
      return views;
    },
  };
}
