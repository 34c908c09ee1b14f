import type { MessagePort } from "node:worker_threads";
import { parseScenario } from "../scenarios/loader";
import { formatProblem } from "../scenarios/problems";
import { runScenario } from "../scenarios/runner";
import type { Scenario } from "../scenarios/types";
import { InterventionQueue, type Intervention } from "../sim/interventions";
import type { TraceEvent } from "../sim/types";
import type { NodeView } from "../sim/world";
import { toEventRow, type EventRow, type StoredVerdicts } from "../store";
import { writerStoreFor } from "../store/open";
import { ownerSink, threadSink } from "./trace-sink";
import { computeStoredVerdicts, VerdictCollector } from "./verdicts";
import type { ControlMessage } from "./control-protocol";
import { describeError } from "./errors";
import { Pacer, Stop, STOP_REQUESTED } from "./pacer";
import {
  isExploreTask,
  runExploreTask,
  type ExploreTask,
  type ImportResult,
  type TimelineResult,
} from "./explore-worker";

/**
 * The task module of the run engine's worker pool (piscina): one simulation per task,
 * off the API's main thread, in a thread that stays warm between tasks (its code
 * loaded, its database connection open, recent scenarios parsed). A "run" task streams
 * the trace into SQLite through the thread's own connection, in batched transactions
 * (or one event per `pace` ms of wall time for a paced run), and tells the main thread
 * about each committed batch on the task's MessagePort; a "replay" task re-runs a stored
 * run up to one event and returns every node's state there. Wall-clock waiting happens
 * here, around the simulation, never inside it: the trace is the same whatever the pace.
 */

export interface RunTask {
  readonly kind: "run";
  /** The store's locator (a SQLite file or a PostgreSQL URL). */
  readonly dbPath: string;
  /**
   * Where the trace goes (./trace-sink.ts): absent, this thread's own SQLite connection to
   * dbPath; set, handed to the owning thread through this port and answer slot.
   */
  readonly sink?: { readonly port: MessagePort; readonly slot: SharedArrayBuffer };
  /** The try's fencing token when a queued job runs it (every write checks it); absent, not checked. */
  readonly attempt?: number;
  readonly runId: string;
  readonly source: string;
  readonly file: string;
  readonly seed: number;
  /** ms of wall time per event, or null to run flat out (the control's pace slot holds a paced run's current pace). */
  readonly pace: number | null;
  /** The interventions the run starts with (a fork's); faults injected later are added to them. */
  readonly interventions: readonly Intervention[];
  /** A paced run stops (FAILED) once it has taken this long in wall time, in ms. */
  readonly maxWallMs: number;
  readonly batchRows: number;
  /** Int32Array over it, laid out as CONTROL (src/runs/control-protocol.ts). */
  readonly control: SharedArrayBuffer;
  /** Where committed rows are announced and fault injections arrive (transferred with the task). */
  readonly port: MessagePort;
}

export interface ReplayTask {
  readonly kind: "replay";
  readonly source: string;
  readonly file: string;
  readonly seed: number;
  readonly interventions: readonly Intervention[];
  /** -1: stop before the first event (the nodes as they start). */
  readonly stopAtSeq: number;
}

/** Computes (and stores, once the run has ended) the history verdicts of a stored run (./verdicts.ts). */
export interface VerdictsTask {
  readonly kind: "verdicts";
  readonly dbPath: string;
  readonly runId: string;
  readonly source: string;
  readonly file: string;
}

export type WorkerTask = RunTask | ReplayTask | ExploreTask | VerdictsTask;

/** What a run task posts on its port while it runs. */
export type RunMessage =
  /** The task has begun in a worker (it is no longer waiting in the queue). */
  | { readonly type: "started" }
  /** These rows are committed: the main thread may announce them. */
  | { readonly type: "events"; readonly rows: readonly EventRow[] }
  | ControlMessage;

/** How a run task ended. COMPLETED is stored by the task itself, in the transaction of its last rows. */
export type RunOutcome =
  | { readonly type: "completed" }
  | { readonly type: "failed"; readonly reason: "stopped" | "ceiling" | "error"; readonly message: string };

export interface ReplayResult {
  readonly nodes: readonly NodeView[];
  /** The replayed event at stopAtSeq, for the main thread to compare with the stored one. */
  readonly event: TraceEvent | null;
}

export { STOP_REQUESTED };

/** Parsed scenarios by file and source: a warm thread parses a scenario's YAML once, not once per run. */
const parsed = new Map<string, Scenario>();
const MAX_PARSED = 64;

function parse(task: { readonly source: string; readonly file: string }): Scenario {
  const key = `${task.file}\u0000${task.source}`;
  const cached = parsed.get(key);
  if (cached !== undefined) return cached;
  const result = parseScenario(task.source, task.file);
  if (!result.ok) {
    throw new Error(`the stored scenario no longer parses: ${result.problems.map(formatProblem).join("; ")}`);
  }
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
  parsed.set(key, result.scenario);
  return result.scenario;
}

function run(task: RunTask): RunOutcome {
  const control = new Int32Array(task.control);
  const post = (message: RunMessage): void => task.port.postMessage(message);
  const stopRequested = (): boolean => Atomics.load(control, 0) === STOP_REQUESTED;
  const interventions = new InterventionQueue(task.interventions);
  post({ type: "started" });
  try {
    if (stopRequested()) throw new Stop("stopped", "stopped before it began");
    const sink =
      task.sink === undefined
        ? threadSink(task.dbPath, task.attempt)
        : ownerSink(task.sink.port, new Int32Array(task.sink.slot), task.attempt);
    const scenario = parse(task);
    let nextSeq = 0;
    let batch: EventRow[] = [];
    const pacer =
      task.pace === null
        ? undefined
        : new Pacer({
            control,
            port: task.port,
            post,
            interventions,
            saveSchedule: () => sink.setSchedule(task.runId, JSON.stringify(interventions.list())),
            maxWallMs: task.maxWallMs,
          });
    const onEvent =
      task.pace === null
        ? (event: TraceEvent): void => {
            batch.push(toEventRow(event));
            if (batch.length >= task.batchRows) {
              if (stopRequested()) throw new Stop("stopped", "stopped");
              nextSeq = sink.append(task.runId, nextSeq, batch);
              post({ type: "events", rows: batch });
              batch = [];
            }
          }
        : (event: TraceEvent): void => {
            (pacer as Pacer).release(event.seq);
            const row = toEventRow(event);
            nextSeq = sink.append(task.runId, nextSeq, [row]);
            post({ type: "events", rows: [row] });
          };
    const verdicts = new VerdictCollector(scenario);
    const result = runScenario(scenario, {
      seed: task.seed,
      keepEvents: false,
      onEvent: (event) => {
        verdicts.observe(event);
        onEvent(event);
      },
      interventions,
    });
    if (stopRequested()) throw new Stop("stopped", "stopped");
    sink.complete(task.runId, nextSeq, batch, result.violations, {
      ...verdicts.finish(),
      eventCount: result.eventCount,
      traceHash: result.traceHash,
      stopReason: result.stopReason,
      finalNodes: JSON.stringify(result.nodes),
      finishedAt: new Date().toISOString(),
    });
    if (batch.length > 0) post({ type: "events", rows: batch });
    return { type: "completed" };
  } catch (error) {
    if (error instanceof Stop) return { type: "failed", reason: error.reason, message: error.message };
    return { type: "failed", reason: "error", message: describeError(error) };
  } finally {
    task.port.close();
    task.sink?.port.close();
  }
}

function replay(task: ReplayTask): ReplayResult {
  const scenario = parse(task);
  let captured: TraceEvent | null = null;
  const result = runScenario(scenario, {
    seed: task.seed,
    keepEvents: false,
    stopAtSeq: task.stopAtSeq,
    interventions: new InterventionQueue(task.interventions),
    onEvent: (event) => {
      if (event.seq === task.stopAtSeq) captured = event;
    },
  });
  return { nodes: result.nodes, event: captured };
}

/** piscina calls this for every task. A replay that throws rejects the task; a run always resolves with its outcome. */
export default async function runTask(
  task: WorkerTask,
): Promise<RunOutcome | ReplayResult | TimelineResult | ImportResult | StoredVerdicts> {
  if (isExploreTask(task)) return runExploreTask(task);
  if (task.kind === "verdicts")
    return computeStoredVerdicts(await writerStoreFor(task.dbPath), parse(task), task.runId);
  return task.kind === "run" ? run(task) : replay(task);
}
