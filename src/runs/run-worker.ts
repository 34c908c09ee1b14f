import { parentPort, workerData } from "node:worker_threads";
import { parseScenario } from "../scenarios/loader";
import { formatProblem } from "../scenarios/problems";
import { runScenario } from "../scenarios/runner";
import type { Scenario } from "../scenarios/types";
import type { TraceEvent } from "../sim/types";
import type { NodeView } from "../sim/world";
import { openTraceWriter, toEventRow, type EventRow } from "../store";

/**
 * One simulation, off the API's main thread. A "run" job streams the trace into
 * SQLite through the worker's own connection, in batched transactions (or one event
 * per `pace` ms of wall time for a paced run), and tells the main thread about each
 * committed batch; a "replay" job re-runs a stored run up to one event and hands
 * back every node's state there. Wall-clock waiting happens here, around the
 * simulation, never inside it: the trace is the same whatever the pace.
 */

export interface RunJob {
  readonly kind: "run";
  readonly dbPath: string;
  readonly runId: string;
  readonly source: string;
  readonly file: string;
  readonly seed: number;
  /** ms of wall time per event, or null to run flat out. */
  readonly pace: number | null;
  readonly batchRows: number;
  /** Int32Array over it: [0] becomes STOP_REQUESTED when the main thread wants the run to stop. */
  readonly control: SharedArrayBuffer;
}

export interface ReplayJob {
  readonly kind: "replay";
  readonly source: string;
  readonly file: string;
  readonly seed: number;
  /** -1: stop before the first event (the nodes as they start). */
  readonly stopAtSeq: number;
}

export type WorkerJob = RunJob | ReplayJob;

export type WorkerMessage =
  /** These rows are committed: the main thread may announce them. */
  | { readonly type: "events"; readonly rows: readonly EventRow[] }
  /** The run is COMPLETED in the database (its last rows were announced just before). */
  | { readonly type: "completed" }
  /** The run could not finish; the main thread marks it FAILED with this message. */
  | { readonly type: "failed"; readonly message: string; readonly stopped: boolean }
  | {
      readonly type: "replayed";
      readonly nodes: readonly NodeView[];
      /** The replayed event at stopAtSeq, for the main thread to compare with the stored one. */
      readonly event: TraceEvent | null;
    };

export const STOP_REQUESTED = 1;

class StopRequested extends Error {}

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function parse(job: WorkerJob): Scenario {
  const parsed = parseScenario(job.source, job.file);
  if (!parsed.ok) {
    throw new Error(`the stored scenario no longer parses: ${parsed.problems.map(formatProblem).join("; ")}`);
  }
  return parsed.scenario;
}

function run(job: RunJob): void {
  const control = new Int32Array(job.control);
  const stopRequested = (): boolean => Atomics.load(control, 0) === STOP_REQUESTED;
  const store = openTraceWriter(job.dbPath);
  try {
    const scenario = parse(job);
    let nextSeq = 0;
    let batch: EventRow[] = [];
    const started = Date.now();
    const onEvent =
      job.pace === null
        ? (event: TraceEvent): void => {
            batch.push(toEventRow(event));
            if (batch.length >= job.batchRows) {
              if (stopRequested()) throw new StopRequested();
              nextSeq = store.appendEvents(job.runId, nextSeq, batch);
              post({ type: "events", rows: batch });
              batch = [];
            }
          }
        : (event: TraceEvent): void => {
            // Event n is released at started + n * pace, so the pace does not drift.
            const pace = job.pace as number;
            for (;;) {
              if (stopRequested()) throw new StopRequested();
              const wait = started + event.seq * pace - Date.now();
              if (wait <= 0) break;
              Atomics.wait(control, 0, 0, wait);
            }
            const row = toEventRow(event);
            nextSeq = store.appendEvents(job.runId, nextSeq, [row]);
            post({ type: "events", rows: [row] });
          };
    const result = runScenario(scenario, { seed: job.seed, keepEvents: false, onEvent });
    if (stopRequested()) throw new StopRequested();
    store.completeRun(job.runId, nextSeq, batch, result.violations, {
      eventCount: result.eventCount,
      traceHash: result.traceHash,
      stopReason: result.stopReason,
      finalNodes: JSON.stringify(result.nodes),
      finishedAt: new Date().toISOString(),
    });
    if (batch.length > 0) post({ type: "events", rows: batch });
    post({ type: "completed" });
  } catch (error) {
    const stopped = error instanceof StopRequested;
    post({ type: "failed", message: stopped ? "stopped" : describeError(error), stopped });
  } finally {
    store.close();
  }
}

function replay(job: ReplayJob): void {
  try {
    const scenario = parse(job);
    let captured: TraceEvent | null = null;
    const result = runScenario(scenario, {
      seed: job.seed,
      keepEvents: false,
      stopAtSeq: job.stopAtSeq,
      onEvent: (event) => {
        if (event.seq === job.stopAtSeq) captured = event;
      },
    });
    post({ type: "replayed", nodes: result.nodes, event: captured });
  } catch (error) {
    post({ type: "failed", message: describeError(error), stopped: false });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (parentPort !== null) {
  const job = workerData as WorkerJob;
  if (job.kind === "run") run(job);
  else replay(job);
}
