import { InterventionQueue, MAX_INTERVENTIONS, type Intervention } from "../sim/interventions";
import { z } from "zod";
import { formatProblem, parseScenario, type ProtocolLookup } from "../scenarios/loader";
import { runScenario } from "../scenarios/runner";
import type { Scenario } from "../scenarios/types";
import { canonicalJson, type Json } from "../sim/json";
import { NETWORK_NODE, type TraceEvent } from "../sim/types";
import { hashEvents, type SimulationResult } from "../sim/world";
import { PROTOCOLS } from "../protocols";
import { ednHistory } from "./edn";

export const EXPORT_FORMATS = ["JSON", "SHIVIZ", "HISTORY"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The largest text importRun reads. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** The format tag and version of a JSON export. */
export const EXPORT_TAG = "faultline-run";
export const EXPORT_VERSION = 1;

export interface ExportInput {
  readonly scenario: Scenario;
  readonly seed: number;
  /** The run's schedule beyond the scenario's faults (injected faults, a fork's switch); [] for most runs. */
  readonly interventions?: readonly Intervention[];
  readonly events: readonly TraceEvent[];
  readonly traceHash: string;
}

/**
 * ShiViz's parser for the log below (Beschastnikh et al., "Debugging distributed
 * systems", CACM 2016; the regex of ShiViz's own examples): a "host {clock}" line, then
 * the event's text. It is the log's first line, followed by an empty line.
 */
export const SHIVIZ_REGEX = String.raw`(?<host>\S*) (?<clock>{.*})\n(?<event>.*)`;

export function exportRun(format: ExportFormat, input: ExportInput): string {
  switch (format) {
    case "JSON":
      return (
        JSON.stringify({
          format: EXPORT_TAG,
          version: EXPORT_VERSION,
          scenario: { id: input.scenario.id, file: input.scenario.file, source: input.scenario.source },
          seed: input.seed,
          schedule: input.scenario.spec.faults,
          interventions: input.interventions ?? [],
          traceHash: input.traceHash,
          events: input.events,
        }) + "\n"
      );
    case "SHIVIZ":
      return shivizLog(input.events);
    case "HISTORY":
      return ednHistory(input.events);
  }
}

/**
 * Only process events go into the ShiViz log: ShiViz requires each host's own clock
 * entry to grow by exactly one per event, which holds for SEND, DELIVER and every
 * local event; DROP and DUPLICATE (which carry the message's clock without ticking a
 * process) and the network's pseudo-events are left out.
 */
function shivizLog(events: readonly TraceEvent[]): string {
  const lines = [SHIVIZ_REGEX, ""];
  const last = new Map<string, number>();
  for (const event of events) {
    if (event.node === NETWORK_NODE) continue;
    const own = event.vclock[event.node];
    if (own === undefined || own !== (last.get(event.node) ?? 0) + 1) continue;
    last.set(event.node, own);
    const host = event.node.replace(/\s/g, "_");
    lines.push(
      `${host} ${canonicalJson(event.vclock as Json)}`,
      `${event.kind} #${event.seq}: ${event.summary.replace(/\s+/g, " ")}`,
    );
  }
  return lines.join("\n") + "\n";
}

const eventSchema = z.object({
  seq: z.number().int().nonnegative(),
  time: z.number(),
  node: z.string(),
  kind: z.string(),
  summary: z.string(),
  lamport: z.number(),
  vclock: z.record(z.string(), z.number()),
  data: z.unknown(),
});

const exportSchema = z.object({
  format: z.literal(EXPORT_TAG),
  version: z.literal(EXPORT_VERSION),
  scenario: z.object({ id: z.string(), file: z.string(), source: z.string() }),
  seed: z.number().int(),
  schedule: z.unknown(),
  // The run's interventions (src/sim/interventions.ts): checked in shape here, and in effect by the trace hash.
  interventions: z
    .array(
      z.union([
        z.object({
          type: z.literal("apply"),
          afterSeq: z.number().int().min(-1),
          action: z.record(z.string(), z.unknown()),
        }),
        z.object({
          type: z.literal("replace"),
          afterSeq: z.number().int().min(-1),
          faults: z.array(z.record(z.string(), z.unknown())),
        }),
      ]),
    )
    .max(MAX_INTERVENTIONS)
    .optional(),
  traceHash: z.string(),
  events: z.array(eventSchema),
});

export interface ImportedRun {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly interventions: readonly Intervention[];
  readonly result: SimulationResult;
}

/**
 * Reads a JSON export, re-runs its scenario source with its seed, and accepts it only
 * if the replay gives the trace hash it declares and its own events hash to it too.
 */
export function importRun(text: string, protocols: ProtocolLookup = PROTOCOLS): ImportedRun {
  if (text.length > MAX_IMPORT_BYTES) {
    throw new Error(
      `importRun: the data is ${text.length} characters, more than the limit of ${MAX_IMPORT_BYTES} (MAX_IMPORT_BYTES)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`importRun: not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = exportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `importRun: not a ${EXPORT_TAG} export (version ${EXPORT_VERSION}): ${issue?.path.join(".") || "(top level)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const data = parsed.data;
  const loaded = parseScenario(data.scenario.source, data.scenario.file, protocols);
  if (!loaded.ok) {
    throw new Error(`importRun: the scenario source does not load:\n${loaded.problems.map(formatProblem).join("\n")}`);
  }
  const scenario = loaded.scenario;
  if (canonicalJson(data.schedule as Json) !== canonicalJson(scenario.spec.faults as unknown as Json)) {
    throw new Error(
      "importRun: the schedule differs from the scenario's own faults: an export lists the scenario's faults as its schedule and any later change under interventions",
    );
  }
  const declared = hashEvents(data.events as unknown as TraceEvent[]);
  if (declared !== data.traceHash) {
    throw new Error(
      `importRun: the events hash to ${declared}, not to the declared traceHash ${data.traceHash}: they were changed`,
    );
  }
  const interventions = (data.interventions ?? []) as unknown as Intervention[];
  if (
    interventions.some(
      (item, index) => index > 0 && item.afterSeq < (interventions[index - 1] as Intervention).afterSeq,
    )
  ) {
    throw new Error(
      "importRun: interventions must be listed in the order they take effect (afterSeq never decreasing)",
    );
  }
  const result = runScenario(scenario, { seed: data.seed, interventions: new InterventionQueue(interventions) });
  if (result.traceHash !== data.traceHash) {
    throw new Error(
      `importRun: re-running ${scenario.id} with seed ${data.seed} gives trace hash ${result.traceHash}, not ${data.traceHash}: the run is not reproducible here`,
    );
  }
  return { scenario, seed: data.seed, interventions, result };
}
