import type { Intervention } from "../sim/interventions";
import { importRun } from "../explore/export";
import { buildTimeline, type TimelineFrame } from "../explore/timeline";
import { parseScenario } from "../scenarios/loader";
import { formatProblem } from "../scenarios/problems";
import type { Violation } from "../sim/types";
import { canonicalEventLine, type NodeView } from "../sim/world";
import { toEventRow, type EventRow } from "../store";

/**
 * The exploration tasks of the run pool's warm threads (run-worker.ts hands them
 * here): a timeline is one replay of a stored run, sliced into frames; an import
 * re-runs an exported run's scenario and seed to check its trace hash. Both simulate,
 * so both stay off the API's main thread.
 */

export interface TimelineTask {
  readonly kind: "timeline";
  readonly source: string;
  readonly file: string;
  readonly seed: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly every: number;
  readonly interventions: readonly Intervention[];
}

export interface TimelineResult {
  readonly frames: readonly TimelineFrame[];
  /** The replayed event at toSeq as a canonical line, for the main thread to compare with the stored one. */
  readonly lastLine: string | null;
}

export interface ImportTask {
  readonly kind: "import";
  readonly data: string;
}

/** A checked import, ready to be stored. */
export interface ImportResult {
  readonly scenarioId: string;
  readonly file: string;
  readonly source: string;
  readonly seed: number;
  readonly rows: readonly EventRow[];
  readonly violations: readonly Violation[];
  readonly traceHash: string;
  readonly stopReason: string;
  readonly nodes: readonly NodeView[];
  readonly interventions: readonly Intervention[];
}

export type ExploreTask = TimelineTask | ImportTask;

export function isExploreTask(task: { readonly kind: string }): task is ExploreTask {
  return task.kind === "timeline" || task.kind === "import";
}

export function runExploreTask(task: ExploreTask): TimelineResult | ImportResult {
  if (task.kind === "import") {
    const imported = importRun(task.data);
    return {
      scenarioId: imported.scenario.id,
      file: imported.scenario.file,
      source: imported.scenario.source,
      seed: imported.seed,
      rows: imported.result.events.map(toEventRow),
      violations: imported.result.violations,
      traceHash: imported.result.traceHash,
      stopReason: imported.result.stopReason,
      nodes: imported.result.nodes,
      interventions: imported.interventions,
    };
  }
  const parsed = parseScenario(task.source, task.file);
  if (!parsed.ok) {
    throw new Error(`the stored scenario no longer parses: ${parsed.problems.map(formatProblem).join("; ")}`);
  }
  const timeline = buildTimeline(parsed.scenario, {
    seed: task.seed,
    fromSeq: task.fromSeq,
    toSeq: task.toSeq,
    every: task.every,
    interventions: task.interventions,
  });
  const last = timeline.events[task.toSeq];
  return { frames: timeline.frames, lastLine: last === undefined ? null : canonicalEventLine(last) };
}
