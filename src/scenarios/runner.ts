import { getProtocol } from "../protocols";
import { Simulation, type SimulationOptions, type SimulationResult } from "../sim/world";
import type { Scenario } from "./types";

export interface RunOptions extends SimulationOptions {
  /** Overrides the scenario's own seed. */
  readonly seed?: number;
}

/** Scenario -> simulation -> trace: the one place a scenario is turned into a run. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): SimulationResult {
  const protocol = getProtocol(scenario.protocol);
  if (protocol === undefined) {
    throw new Error(`${scenario.file}: protocol "${scenario.protocol}" is not registered in src/protocols/index.ts`);
  }
  const spec = options.seed === undefined ? scenario.spec : { ...scenario.spec, seed: options.seed };
  return new Simulation(protocol, scenario.config, spec, options).run();
}
