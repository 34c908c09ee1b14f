import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { projectRoot } from "../src/api/paths";
import { BENCH_LIMITS } from "./server-limits";
import { createServer, type RunningServer } from "../src/api/server";
import { parseScenario } from "../src/scenarios/loader";
import { runScenario } from "../src/scenarios/runner";
import type { Scenario } from "../src/scenarios/types";
import { openStore, toEventRow, type EventRow, type Store } from "../src/store";
import type { BenchRow } from "./measure";

/**
 * (f) startRun over HTTP, one call at a time, beside what one run must cost at least:
 * the simulation in-process, the store write of the same run, and an HTTP round trip
 * of `{ __typename }` to the same server. (g) runs completed per second with many
 * startRuns at once, beside in-process runs per second on the same cores (one
 * simulation loop per thread of the run pool).
 */

const SCENARIO_ID = "2pc-happy-path";
const SCENARIOS_DIR = join(projectRoot, "scenarios");
const START_RUN = `mutation Start($id: ID!) { startRun(scenarioId: $id) { id status eventCount } }`;

export interface StartRunOptions {
  /** Sequential startRuns timed for (f). */
  readonly calls: number;
  readonly warmups: number;
  /** startRuns at once for (g). */
  readonly concurrent: number;
  /** Rounds of `concurrent` startRuns for (g); the best round counts. */
  readonly rounds: number;
}

export async function benchStartRun(options: StartRunOptions): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-start-"));
  let server: RunningServer | undefined;
  let store: Store | undefined;
  try {
    server = await createServer({
      port: 0,
      dbPath: join(dir, "bench.db"),
      scenariosDir: SCENARIOS_DIR,
      limits: BENCH_LIMITS,
    });
    const url = server.url;
    const scenario = loadScenario();
    const startOne = async (): Promise<void> => {
      const body = await post(url, START_RUN, { id: SCENARIO_ID });
      const run = (body.data as { startRun?: { status: string } } | null)?.startRun;
      if (run?.status !== "COMPLETED") throw new Error(`bench: startRun gave ${JSON.stringify(body)}`);
    };

    // (f) our figure: sequential startRuns over HTTP.
    for (let i = 0; i < options.warmups; i++) await startOne();
    const samples: number[] = [];
    for (let i = 0; i < options.calls; i++) {
      const started = performance.now();
      await startOne();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const p50 = percentile(samples, 0.5);
    const p99 = percentile(samples, 0.99);

    // (f) ceiling: its three parts, each a median measured in this run.
    store = openStore(join(dir, "ceiling.db")).store;
    store.scenarios.upsertAll([
      { id: scenario.id, title: scenario.title, topic: scenario.topic, protocol: scenario.protocol, source: "" },
    ]);
    const simulate = medianMs(options.calls, options.warmups, () => simulateOnce(scenario));
    const rows = simulateOnce(scenario);
    const ceilingStore = store;
    const write = medianMs(options.calls, options.warmups, () => writeRun(ceilingStore, scenario, rows));
    const typename = await medianMsAsync(options.calls, options.warmups, async () => {
      const body = await post(url, "{ __typename }", {});
      if ((body.data as { __typename?: string } | null)?.__typename !== "Query") throw new Error("bench: bad answer");
    });
    const ceiling = simulate + write + typename;
    const fRatio = p50 / ceiling;

    // (g) ours: rounds of `concurrent` startRuns at once; runs completed per second of the best round.
    const threads = Number(process.env["FAULTLINE_RUN_WORKERS"] ?? "") || availableParallelism();
    let bestRoundMs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < options.rounds; round++) {
      const started = performance.now();
      await Promise.all(Array.from({ length: options.concurrent }, startOne));
      bestRoundMs = Math.min(bestRoundMs, performance.now() - started);
    }
    const oursPerSecond = (options.concurrent / bestRoundMs) * 1000;
    // (g) ceiling: one thread simulating and writing back to back, times the pool's threads.
    const perRunMs = simulate + write;
    const ceilingPerSecond = (1000 / perRunMs) * threads;
    const gRatio = oursPerSecond / ceilingPerSecond;

    const env =
      `NODE_ENV=${process.env["NODE_ENV"] ?? "(unset)"}, load average ${loadavg()[0]?.toFixed(1)} ` +
      `on ${availableParallelism()} cores`;
    return [
      {
        name: "startRun 2pc-happy-path, HTTP p50",
        ours: `${p50.toFixed(2)} ms`,
        ceiling: `${ceiling.toFixed(2)} ms`,
        ratio: fRatio,
        target: "ours/ceiling <= 3",
        ok: fRatio <= 3,
        note:
          `median of ${options.calls} sequential startRuns over HTTP after ${options.warmups} warm-ups ` +
          `(p99 ${p99.toFixed(2)} ms, ratio ${(p99 / ceiling).toFixed(2)}); ceiling: in-process runScenario ` +
          `${simulate.toFixed(2)} ms + the store write of the same run (${rows.length} rows, run row, completion) ` +
          `${write.toFixed(2)} ms + an HTTP round trip of { __typename } ${typename.toFixed(2)} ms, each a median; ${env}`,
      },
      {
        name: `runs/s, ${options.concurrent} concurrent startRuns`,
        ours: `${oursPerSecond.toFixed(0)} runs/s`,
        ceiling: `${ceilingPerSecond.toFixed(0)} runs/s`,
        ratio: gRatio,
        target: "ours/ceiling >= 0.5",
        ok: gRatio >= 0.5,
        note:
          `best of ${options.rounds} rounds of ${options.concurrent} startRuns over HTTP at once; ceiling: ` +
          `${threads} thread${threads === 1 ? "" : "s"} (the run pool's size) each simulating and writing back to ` +
          `back at the medians above (${perRunMs.toFixed(2)} ms a run); ${env}`,
      },
    ];
  } finally {
    store?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function loadScenario(): Scenario {
  const file = `transactions/${SCENARIO_ID}.yaml`;
  const parsed = parseScenario(readFileSync(join(SCENARIOS_DIR, file), "utf8"), file);
  if (!parsed.ok) throw new Error(`bench: ${file} does not parse`);
  return parsed.scenario;
}

/** The simulation as a worker runs it: events streamed out as rows, none kept. */
function simulateOnce(scenario: Scenario): EventRow[] {
  const rows: EventRow[] = [];
  runScenario(scenario, { keepEvents: false, onEvent: (event) => rows.push(toEventRow(event)) });
  return rows;
}

/** The store's share of one run: insert its row, then its events, violations and completion in one transaction. */
function writeRun(store: Store, scenario: Scenario, rows: readonly EventRow[]): number {
  const id = randomUUID();
  store.runs.insert({
    id,
    scenarioId: scenario.id,
    seed: scenario.spec.seed,
    pace: null,
    scenarioSource: scenario.source,
    scenarioFile: scenario.file,
    createdAt: new Date().toISOString(),
  });
  store.completeRun(id, 0, rows, [], {
    eventCount: rows.length,
    traceHash: "0".repeat(64),
    stopReason: "quiescent",
    finalNodes: "[]",
    finishedAt: new Date().toISOString(),
  });
  return rows.length;
}

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<{ data?: unknown }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: unknown };
}

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}

function medianMs(calls: number, warmups: number, fn: () => unknown): number {
  for (let i = 0; i < warmups; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return percentile(samples, 0.5);
}

async function medianMsAsync(calls: number, warmups: number, fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return percentile(samples, 0.5);
}
