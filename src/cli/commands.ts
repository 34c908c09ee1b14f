import { join } from "node:path";
import type { ScenarioProblem } from "../scenarios/problems";
import { formatProblem } from "../scenarios/problems";
import { runScenario } from "../scenarios/runner";
import { TOPICS, type Scenario } from "../scenarios/types";
import { EVENT_KINDS, NETWORK_NODE, type EventKind } from "../sim/types";
import type { SimulationResult } from "../sim/world";
import { renderDiagramSvg } from "../explore/diagram";
import { describeFault, describeWorkload } from "./describe";
import { DIAGRAM_LEGEND, renderDiagram } from "./diagram";
import { UsageError, type Print } from "./options";
import { runWithProgress } from "./progress";
import { formatTable } from "./table";

/** The scenarios the CLI sees: the good ones, and a line for each file that could not be loaded. */
export interface Catalog {
  readonly dir: string;
  readonly scenarios: readonly Scenario[];
  /** Problems of the files that could not be loaded, with file paths as the user should open them. */
  readonly problems: readonly ScenarioProblem[];
}

export type { Print };

export function listCommand(catalog: Catalog, options: { topic?: string }, print: Print): void {
  const topic = options.topic;
  if (topic !== undefined && !(TOPICS as readonly string[]).includes(topic)) {
    throw new UsageError(`option --topic must be one of ${TOPICS.join(", ")}; got "${topic}"`);
  }
  const shown = catalog.scenarios
    .filter((scenario) => topic === undefined || scenario.topic === topic)
    .slice()
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.id.localeCompare(b.id));
  if (shown.length === 0) {
    print(
      topic === undefined
        ? `no scenarios found in ${catalog.dir}`
        : `no scenarios with topic ${topic} in ${catalog.dir}`,
    );
  } else {
    const rows = shown.map((scenario) => [scenario.id, scenario.topic, scenario.protocol, scenario.title]);
    for (const line of formatTable(
      [{ header: "id" }, { header: "topic" }, { header: "protocol" }, { header: "title" }],
      rows,
    )) {
      print(line);
    }
  }
  if (catalog.problems.length > 0) {
    print("");
    const count = new Set(catalog.problems.map((problem) => problem.file)).size;
    print(
      `${count === 1 ? "1 scenario file" : `${count} scenario files`} could not be loaded and ${count === 1 ? "is" : "are"} skipped:`,
    );
    for (const problem of catalog.problems) print(formatProblem(problem));
  }
}

export function showCommand(catalog: Catalog, id: string, print: Print): void {
  const scenario = findScenario(catalog, id);
  const spec = scenario.spec;
  print(scenario.title);
  print("=".repeat(scenario.title.length));
  print(`id: ${scenario.id}   topic: ${scenario.topic}   protocol: ${scenario.protocol}   seed: ${spec.seed}`);
  print(`file: ${join(catalog.dir, scenario.file)}`);
  print("");
  print("Summary");
  for (const line of scenario.summary.trimEnd().split("\n")) print(`  ${line}`.trimEnd());
  print("");
  print("Objectives");
  if (scenario.objectives.length === 0) print("  (none)");
  for (const objective of scenario.objectives) print(`  - ${objective}`);
  print("");
  print(`Nodes: ${spec.nodes.join(", ")}`);
  const network = spec.network;
  const extras = [
    network.drop > 0 ? `drop ${network.drop}` : "",
    network.duplicate > 0 ? `duplicate ${network.duplicate}` : "",
    network.fifo ? "FIFO links" : "",
    network.links.length > 0 ? `${network.links.length} link override(s)` : "",
  ].filter((part) => part !== "");
  print(
    `Network: delay ${network.delay.min}-${network.delay.max} ms${extras.length > 0 ? `, ${extras.join(", ")}` : ""}`,
  );
  print(`Limits: ${spec.limits.maxTime} ms, ${spec.limits.maxEvents} events`);
  print("");
  print("Workload");
  if (spec.workload.length === 0) print("  (none)");
  for (const item of spec.workload) print(`  - ${describeWorkload(item)}`);
  print("");
  print("Faults");
  if (spec.faults.length === 0) print("  (none)");
  for (const fault of spec.faults) print(`  - ${describeFault(fault, spec.nodes)}`);
  print("");
  print(`Run it: npm run cli -- run ${scenario.id}    Draw it: npm run cli -- diagram ${scenario.id}`);
}

export interface RunOptions {
  readonly seed?: number;
  readonly node?: string;
  /** --kind values as given (each may be a comma-separated list). */
  readonly kind?: readonly string[];
}

export function runCommand(catalog: Catalog, id: string, options: RunOptions, print: Print): void {
  const scenario = findScenario(catalog, id);
  const seed = options.seed;
  const node = options.node;
  if (node !== undefined && node !== NETWORK_NODE && !scenario.spec.nodes.includes(node)) {
    throw new UsageError(
      `option --node: scenario ${scenario.id} has no node named "${node}" (its nodes: ${[...scenario.spec.nodes, NETWORK_NODE].join(", ")})`,
    );
  }
  const kinds = kindFilter(options.kind);
  const result = execute(scenario, seed);
  const shown = result.events.filter(
    (event) => (node === undefined || event.node === node) && (kinds === undefined || kinds.has(event.kind)),
  );
  const rows = shown.map((event) => [String(event.seq), String(event.time), event.node, event.kind, event.summary]);
  for (const line of formatTable(
    [
      { header: "seq", align: "right" },
      { header: "time", align: "right" },
      { header: "node" },
      { header: "kind" },
      { header: "explanation" },
    ],
    rows,
  )) {
    print(line);
  }
  print("");
  const filtered = node !== undefined || kinds !== undefined;
  footer(scenario, result, seed, "run", print, filtered ? shown.length : undefined);
}

export interface DiagramOptions {
  readonly seed?: number;
  /** Print an SVG space-time diagram (src/explore/diagram.ts) instead of the text one. */
  readonly svg?: boolean;
  readonly from?: number;
  readonly to?: number;
}

export function diagramCommand(catalog: Catalog, id: string, options: DiagramOptions, print: Print): void {
  const scenario = findScenario(catalog, id);
  const seed = options.seed;
  const result = execute(scenario, seed);
  if (options.svg === true) {
    print(
      renderDiagramSvg(scenario.spec.nodes, result.events, {
        ...(options.from === undefined ? {} : { fromSeq: options.from }),
        ...(options.to === undefined ? {} : { toSeq: options.to }),
      }).trimEnd(),
    );
    return;
  }
  if (options.from !== undefined || options.to !== undefined) {
    throw new UsageError("options --from and --to window the SVG diagram: use them with --svg");
  }
  print(`${scenario.title} (${scenario.id}, seed ${seed ?? scenario.spec.seed})`);
  for (const line of DIAGRAM_LEGEND) print(line);
  print("");
  for (const line of renderDiagram(scenario.spec.nodes, result.events)) print(line);
  print("");
  footer(scenario, result, seed, "diagram", print, undefined);
}

/** Runs a scenario in-process, with a progress bar on stderr when it is a terminal and the run is long. */
export function execute(scenario: Scenario, seed: number | undefined): SimulationResult {
  return runWithProgress(scenario.spec.limits.maxEvents, (onStep) =>
    runScenario(scenario, seed === undefined ? { onStep } : { seed, onStep }),
  );
}

function footer(
  scenario: Scenario,
  result: SimulationResult,
  seed: number | undefined,
  command: string,
  print: Print,
  shownCount: number | undefined,
): void {
  const count = `${result.eventCount} event${result.eventCount === 1 ? "" : "s"}`;
  print(`events:     ${shownCount === undefined ? count : `${count} (${shownCount} shown by the filters)`}`);
  print(`stopped:    ${result.stopReason}: ${result.stopMessage}`);
  print(`trace hash: ${result.traceHash}`);
  if (result.violations.length === 0) {
    print("violations: none");
  } else {
    print(`violations: ${result.violations.length}`);
    for (const violation of result.violations) {
      print(`  ${violation.invariant} (after seq ${violation.seq}): ${violation.message}`);
    }
  }
  print(`reproduce with: npm run cli -- ${command} ${scenario.id} --seed ${seed ?? scenario.spec.seed}`);
}

function kindFilter(raw: readonly string[] | undefined): Set<EventKind> | undefined {
  if (raw === undefined) return undefined;
  const kinds = new Set<EventKind>();
  for (const value of raw.flatMap((item) => item.split(","))) {
    const kind = value.trim().toUpperCase();
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`option --kind: "${value}" is not an event kind (one of ${EVENT_KINDS.join(", ")})`);
    }
    kinds.add(kind as EventKind);
  }
  return kinds;
}

export function findScenario(catalog: Catalog, id: string): Scenario {
  const scenario = catalog.scenarios.find((candidate) => candidate.id === id);
  if (scenario !== undefined) return scenario;
  const broken = catalog.problems.filter((problem) => fileStem(problem.file) === id);
  if (broken.length > 0) {
    throw new UsageError(
      `scenario ${id} could not be loaded:\n${broken.map((problem) => `  ${formatProblem(problem)}`).join("\n")}`,
    );
  }
  throw new UsageError(`no scenario named ${id}; try \`npm run cli -- list\``);
}

function fileStem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? "";
  return base.replace(/\.ya?ml$/, "");
}
