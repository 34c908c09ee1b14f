/**
 * What a scenario file may ask for. The scenarios directory is trusted less than
 * code: a file may be written by a learner (runScenario), copied from a forum, or
 * planted. Every limit here is named in the refusal that enforces it.
 */
export const SCENARIO_LIMITS = {
  /** Bytes of one scenario file. */
  maxFileBytes: 256 * 1024,
  /** YAML nodes after expanding every alias (an alias bomb of 10 levels of 10 is 10^10). */
  maxExpandedYamlNodes: 100_000,
  /**
   * Levels of mappings and lists nested in one another, aliases expanded. Composing YAML
   * recurses, so a file nested thousands deep would overflow the stack; our scenarios
   * use fewer than ten levels.
   */
  maxYamlDepth: 64,
  /** Nodes (processes) in one scenario. */
  maxNodes: 64,
  /** limits.maxEvents may be at most this. */
  maxEvents: 1_000_000,
  /** limits.maxTime may be at most this many ticks (simulated milliseconds). */
  maxTimeMs: 100_000_000,
  /** Items in workload:, faults:, expect: and questions: (each). */
  maxListItems: 10_000,
  /** Files in the scenarios directory, and folder depth below it. */
  maxFiles: 2_000,
  maxDepth: 4,
} as const;

export type ScenarioLimitName = keyof typeof SCENARIO_LIMITS;
