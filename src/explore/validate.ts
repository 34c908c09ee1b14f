import { parse } from "yaml";
import { SCENARIO_LIMITS } from "../scenarios/limits";
import { parseScenario } from "../scenarios/loader";
import type { ScenarioProblem } from "../scenarios/problems";

/** Where a scenario not in the catalog pretends to live, so the loader's file-name checks agree with its id and topic. */
export function fileFor(source: string): string {
  try {
    const raw: unknown = parse(source, { maxAliasCount: 0 });
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      const { id, topic } = raw as Record<string, unknown>;
      if (typeof id === "string" && typeof topic === "string" && /^[\w-]+$/.test(id) && /^[\w-]+$/.test(topic)) {
        return `${topic}/${id}.yaml`;
      }
    }
  } catch {
    // The loader reports the syntax error itself.
  }
  return "scenario.yaml";
}

/** The loader's problems (line, column, path, message) for a scenario's YAML text; empty when it loads. */
export function validateScenarioSource(source: string): ScenarioProblem[] {
  const bytes = Buffer.byteLength(source);
  if (bytes > SCENARIO_LIMITS.maxFileBytes) {
    return [
      {
        file: "scenario.yaml",
        line: 1,
        column: 1,
        path: "",
        message: `expected at most ${SCENARIO_LIMITS.maxFileBytes} bytes (the limit maxFileBytes), found ${bytes}`,
      },
    ];
  }
  const result = parseScenario(source, fileFor(source));
  return result.ok ? [] : result.problems;
}
