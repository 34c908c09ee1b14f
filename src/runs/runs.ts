import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { LocalBus, type RunBus } from "../bus";
import type { RunJob, RunQueue } from "../queue";
import type { Scenario } from "../scenarios/types";
import type { Ordering } from "../sim/causality";
import type { Intervention } from "../sim/interventions";
import type { TraceEvent, Violation } from "../sim/types";
import type { NodeView } from "../sim/world";
import { EVENT_BATCH_ROWS, type RunOwnerFilter, type StoredRun } from "../store";
import { SUPERSEDED, type FaultlineStore } from "../store/contract";
import { CONTROL, newControl, wake } from "./control-protocol";
import { RunControl } from "./control";
import { describeError, FaultlineError } from "./errors";
import type { ExploreTask } from "./explore-worker";
import { Follower, LiveRun } from "./follower";
import { InteractiveRuns, type LaunchInput } from "./interactive";
import { awaitRunEnd } from "./jobs";
import { TaskPool, type PoolPlace } from "./pool";
import { RunReads } from "./reads";
import { controlHandler, RemoteControl, type Steering } from "./remote-control";
import { RemoteFeeds } from "./remote-feed";
import { STOP_REQUESTED, type RunMessage, type RunOutcome, type RunTask } from "./run-worker";
import { newSinkSlot, serveSink } from "./trace-sink";
import type { EventPage, EventQuery, RunPage, RunRecord, RunService, ScenarioService, StartRunInput } from "./types";
import type { RunVerdicts } from "./verdicts";
import {
  ARGUMENT_RANGES,
  badArgument,
  decodeRunCursor,
  DEFAULT_RUNS_PAGE,
  encodeRunCursor,
  optionalInt,
  optionalName,
  requiredName,
  type Maybe,
} from "./validate";

export { MAX_EVENTS_PAGE, MAX_PACE_MS, MAX_RUNS_PAGE } from "./validate";

export interface RunServiceOptions {
  readonly store: FaultlineStore;
  /** The store's locator (a SQLite file or a PostgreSQL URL), which each worker thread opens for itself. */
  readonly dbPath: string;
  readonly scenarios: ScenarioService;
  /** Warm threads for unpaced runs and replays (default: os.availableParallelism()). */
  readonly maxRunWorkers?: number;
  /** Unpaced runs and replays that may wait for a thread before the engine answers BUSY (default 64). */
  readonly maxQueuedRuns?: number;
  /** Paced runs at once, each on its own mostly sleeping thread (default 8). */
  readonly maxPacedRuns?: number;
  /** Paced runs that may wait for a thread before the engine answers BUSY (default 16). */
  readonly maxQueuedPacedRuns?: number;
  /** The wall time a paced run may take before it is stopped and FAILED, in ms (default 10 minutes). */
  readonly pacedRunMaxMs?: number;
  /** Trace rows per write transaction (default EVENT_BATCH_ROWS). */
  readonly batchRows?: number;
  /** How often follow() looks for new events of a run that another process is running, in ms (default 250). */
  readonly pollMs?: number;
  /** How long close() lets running tasks stop by themselves before their threads are terminated, in ms (default 2000). */
  readonly stopGraceMs?: number;
  /**
   * How this process hears about runs other processes execute, and reaches their controls
   * (default: a LocalBus, for one process). A RedisBus when several instances share a store.
   */
  readonly bus?: RunBus;
  /**
   * The durable queue runs go through (pg-boss, with a PostgreSQL store): a new run is
   * stored RUNNING and queued, and a worker (workQueue, in this or another process) takes
   * it. Absent: a run executes in this process as it is started.
   */
  readonly queue?: RunQueue;
}

export const DEFAULT_MAX_QUEUED_RUNS = 64;
export const DEFAULT_MAX_PACED_RUNS = 8;
export const DEFAULT_MAX_QUEUED_PACED_RUNS = 16;
export const DEFAULT_PACED_RUN_MAX_MS = 600_000;
/** The error of a run cancelled by cancelRun (it is FAILED with this, its stored events kept). */
export const CANCELLED_RUN_ERROR = "cancelled by request";

/** A run task of this process that has not ended. */
interface Execution {
  readonly control: Int32Array;
  readonly abort: AbortController;
  /** The task has begun in a thread (until then, aborting it just takes it out of the queue). */
  started: boolean;
}

/**
 * Runs, their traces and their live followers. Every simulation runs on a warm thread
 * of a piscina pool, so the API's event loop keeps answering while a large run is
 * simulated and written: unpaced runs and replays share one pool sized to the machine,
 * with one bounded queue; paced runs, which mostly sleep between events, have a pool
 * of their own with its own bound and a wall-time ceiling, so slow paced runs can
 * never hold the threads everyone else needs. A full queue answers BUSY with when to
 * retry. The main thread only reads the database and relays what workers announce.
 */
export class WorkerRunService implements RunService {
  private readonly store: FaultlineStore;
  private readonly dbPath: string;
  private readonly scenarios: ScenarioService;
  private readonly runPool: TaskPool;
  private readonly pacedPool: TaskPool;
  private readonly pacedRunMaxMs: number;
  private readonly batchRows: number;
  private readonly pollMs: number;
  private readonly stopGraceMs: number;
  /** Runs of this process that have not ended, by id: their followers are fed from worker messages. */
  private readonly live = new Map<string, LiveRun>();
  private readonly running = new Map<string, Execution>();
  /** Every run's execution (queued or in a worker), so close() can wait for all of them. */
  private readonly executions = new Set<Promise<void>>();
  /** The executions of queued runs, by run id (a job handed back to this process joins its execution). */
  private readonly jobExecutions = new Map<string, Promise<void>>();
  private readonly followers = new Set<Follower>();
  /** The paced runs of this process that have not ended, by id: how they are paused, stepped and re-paced. */
  private readonly controls = new Map<string, RunControl>();
  private readonly interactive: InteractiveRuns;
  /** Verdicts being computed for stored runs, by run id: concurrent requests share one computation. */
  /** The read side: events, causality, replays of node states, verdicts (./reads.ts). */
  private readonly reads: RunReads;
  private readonly bus: RunBus;
  /** One store reader per run that another process executes, shared by this process's followers of it. */
  private readonly feeds: RemoteFeeds;
  private readonly queue: RunQueue | undefined;
  /** How often a follower of another process's run reads the store anyway, in case a bus note was lost, in ms. */
  private readonly safetyPollMs: number;
  private closing: Promise<void> | undefined;

  constructor(options: RunServiceOptions) {
    this.store = options.store;
    this.dbPath = options.dbPath;
    this.scenarios = options.scenarios;
    this.pacedRunMaxMs = options.pacedRunMaxMs ?? DEFAULT_PACED_RUN_MAX_MS;
    this.batchRows = options.batchRows ?? EVENT_BATCH_ROWS;
    this.pollMs = options.pollMs ?? 250;
    this.stopGraceMs = options.stopGraceMs ?? 2_000;
    this.bus = options.bus ?? new LocalBus();
    this.queue = options.queue;
    this.safetyPollMs = this.bus.kind === "local" ? this.pollMs : Math.max(this.pollMs, 1_000);
    this.feeds = new RemoteFeeds(this.store, this.bus, this.safetyPollMs);
    this.runPool = new TaskPool({
      name: "run",
      warm: true,
      threads: options.maxRunWorkers ?? defaultThreads(),
      maxQueue: options.maxQueuedRuns ?? DEFAULT_MAX_QUEUED_RUNS,
      threadsVariable: "FAULTLINE_RUN_WORKERS",
      queueVariable: "FAULTLINE_RUN_QUEUE",
      typicalTaskMs: 20,
    });
    this.pacedPool = new TaskPool({
      name: "paced run",
      warm: false,
      threads: options.maxPacedRuns ?? DEFAULT_MAX_PACED_RUNS,
      maxQueue: options.maxQueuedPacedRuns ?? DEFAULT_MAX_QUEUED_PACED_RUNS,
      threadsVariable: "FAULTLINE_PACED_RUNS",
      queueVariable: "FAULTLINE_PACED_QUEUE",
      typicalTaskMs: this.pacedRunMaxMs,
    });
    this.reads = new RunReads(this.store, this.runPool, this.dbPath, () => this.closing !== undefined);
    this.interactive = new InteractiveRuns({
      store: this.store,
      scenarios: this.scenarios,
      requireRun: (runId) => this.reads.requireRun(runId),
      control: (runId) => this.steering(runId),
      launch: (input) => this.launch(input),
      record: (runId) => this.record(runId),
    });
  }

  async startRun(input: StartRunInput): Promise<RunRecord> {
    this.assertOpen();
    const scenarioId = requiredName("scenarioId", input.scenarioId);
    const seed = optionalInt("seed", input.seed, ARGUMENT_RANGES.seed);
    const pace = optionalInt("pace", input.pace, ARGUMENT_RANGES.pace);
    const scenario = this.scenarios.get(scenarioId);
    if (scenario === undefined) {
      throw new FaultlineError("NOT_FOUND", `There is no scenario with id "${scenarioId}".`);
    }
    return this.launch({
      scenarioId: scenario.id,
      source: scenario.source,
      file: scenario.file,
      seed: seed ?? scenario.spec.seed,
      pace: pace ?? null,
      interventions: [],
    });
  }

  pauseRun(runId: string): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.pause(runId);
  }

  resumeRun(runId: string): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.resume(runId);
  }

  stepRun(runId: string, events: number): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.step(runId, events);
  }

  setPace(runId: string, pace: number): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.setPace(runId, pace);
  }

  injectFault(runId: string, fault: unknown): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.inject(runId, fault);
  }

  forkRun(runId: string, atSeq: number, faults?: unknown, pace?: Maybe<number>): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.fork(runId, atSeq, faults, pace);
  }

  runScenario(yaml: string, seed?: Maybe<number>, pace?: Maybe<number>): Promise<RunRecord> {
    this.assertOpen();
    return this.interactive.runScenario(yaml, seed, pace);
  }

  divergesAt(runId: string, otherId: string): Promise<number | null> {
    return this.interactive.divergesAt(runId, otherId);
  }

  schedule(runId: string): Promise<readonly Intervention[]> {
    return this.interactive.schedule(runId);
  }

  scenarioOfRun(runId: string): Promise<Scenario> {
    return this.interactive.scenarioOfRun(runId);
  }

  /** Starts a run on the pool its pace calls for; an unpaced one is awaited to its end. */
  private async launch(input: LaunchInput): Promise<RunRecord> {
    const pool = input.pace === null ? this.runPool : this.pacedPool;
    // A place in the pool is taken before the run is stored (BUSY stores nothing) and held
    // until the task is submitted, so callers storing runs at once cannot all pass the bound.
    const place = this.queue === undefined ? pool.reserve() : undefined;
    const runId = randomUUID();
    const task: Omit<RunTask, "control" | "port"> = {
      kind: "run",
      dbPath: this.dbPath,
      runId,
      source: input.source,
      file: input.file,
      seed: input.seed,
      pace: input.pace,
      interventions: input.interventions,
      maxWallMs: this.pacedRunMaxMs,
      batchRows: this.batchRows,
    };
    await this.store.runs
      .insert({
        id: runId,
        scenarioId: input.scenarioId,
        seed: task.seed,
        pace: task.pace,
        scenarioSource: input.source,
        scenarioFile: input.file,
        createdAt: new Date().toISOString(),
        schedule: JSON.stringify(input.interventions),
        parentId: input.parentId ?? null,
        forkedAt: input.forkedAt ?? null,
        ownerStudentId: input.ownerStudentId ?? null,
      })
      .catch((error: unknown) => {
        place?.release();
        throw error;
      });
    if (this.queue !== undefined) {
      // Stored first, then queued: a worker that takes the job finds the run and its source.
      // A run that could not be queued would stay RUNNING with nobody to run it: it fails now.
      await this.queue.enqueue({ runId }).catch(async (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        await this.store.runs.fail(runId, `the run could not be queued: ${why} (reproduce with seed=${task.seed})`);
        throw new FaultlineError("INTERNAL", `Run ${runId} could not be queued: ${why}`);
      });
      if (input.pace === null) await awaitRunEnd(this.store, this.bus, runId, this.safetyPollMs);
      return this.record(runId);
    }
    const live = new LiveRun();
    this.live.set(runId, live);
    const execution = this.execute(pool, task, live, place).finally(() => {
      this.executions.delete(execution);
    });
    this.executions.add(execution);
    if (input.pace === null) await execution;
    return this.record(runId);
  }

  async cancelRun(runIdArgument: string): Promise<RunRecord> {
    this.assertOpen();
    const runId = requiredName("runId", runIdArgument);
    const run = await this.reads.requireRun(runId);
    if (run.status !== "RUNNING") {
      throw badArgument("runId", `names run ${runId}, which is ${run.status}: only a RUNNING run can be cancelled.`);
    }
    // The store first: a worker's next append or completion then fails (the run is no
    // longer RUNNING), so this also stops a run that another process on the same file runs.
    const stored = (await this.store.events.lastSeq(runId)) + 1;
    await this.store.runs.fail(
      runId,
      `${CANCELLED_RUN_ERROR} after ${stored} stored events (reproduce with seed=${run.seed})`,
    );
    const execution = this.running.get(runId);
    if (execution !== undefined) stop(execution);
    else if (run.pace !== null && this.bus.kind !== "local") {
      // A paced run another process executes may be paused, writing nothing that could fail: tell it to stop.
      await this.bus.control(runId, { op: "stop", args: null }, 1_000).catch(() => undefined);
    }
    return this.record(runId);
  }

  async getRun(idArgument: string): Promise<RunRecord | undefined> {
    const id = requiredName("id", idArgument);
    const run = await this.store.runs.get(id);
    return run === undefined ? undefined : await this.toRecord(run);
  }

  async listRuns(query: {
    scenarioId?: Maybe<string>;
    first?: Maybe<number>;
    after?: Maybe<string>;
    owner?: RunOwnerFilter;
  }): Promise<RunPage> {
    const scenarioId = optionalName("scenarioId", query.scenarioId);
    const first = optionalInt("first", query.first, ARGUMENT_RANGES.runsFirst) ?? DEFAULT_RUNS_PAGE;
    const beforeNumber = decodeRunCursor(query.after);
    const [rows, totalCount] = await Promise.all([
      this.store.runs.list({ scenarioId, beforeNumber, limit: first + 1, owner: query.owner }),
      this.store.runs.count(scenarioId, query.owner),
    ]);
    const page = rows.slice(0, first);
    const last = page[page.length - 1];
    return {
      runs: await Promise.all(page.map((run) => this.toRecord(run))),
      endCursor: last === undefined ? null : encodeRunCursor(last.number),
      hasNextPage: rows.length > first,
      totalCount,
    };
  }

  events(runId: string, query: EventQuery): Promise<EventPage> {
    return this.reads.events(runId, query);
  }

  violations(runId: string): Promise<readonly Violation[]> {
    return this.reads.violations(runId);
  }

  happensBefore(runId: string, a: number, b: number): Promise<Ordering> {
    return this.reads.happensBefore(runId, a, b);
  }

  concurrentWith(runId: string, seq: number): Promise<readonly number[]> {
    return this.reads.concurrentWith(runId, seq);
  }

  nodesAt(runId: string, atSeq?: Maybe<number>): Promise<readonly NodeView[]> {
    return this.reads.nodesAt(runId, atSeq);
  }

  verdicts(runId: string): Promise<RunVerdicts> {
    return this.reads.verdicts(runId);
  }

  /** Runs an exploration task (timeline, import: src/runs/explore-worker.ts) on a warm thread of the run pool. */
  exploreTask<Result>(task: ExploreTask): Promise<Result> {
    this.assertOpen();
    return this.runPool.run<Result>(task);
  }

  async follow(runId: string, fromSeqArgument?: Maybe<number>): Promise<AsyncIterableIterator<TraceEvent>> {
    this.assertOpen();
    const from = optionalInt("fromSeq", fromSeqArgument, ARGUMENT_RANGES.seq) ?? 0;
    await this.reads.requireRun(runId);
    // Subscribe to the live feed (this process's worker, or the shared feed of a run another
    // process executes) before anything is read from the store: an event announced while
    // stored ones are being read is then buffered or wakes the follower, never missed.
    const local = this.live.get(runId);
    const remote = local === undefined ? await this.feeds.join(runId) : undefined;
    const follower = new Follower(this.store, runId, from, local ?? remote?.live, this.pollMs, (done) => {
      this.followers.delete(done);
      remote?.leave();
    });
    this.followers.add(follower);
    return follower;
  }

  /**
   * Takes runs from the durable queue and executes them here, `concurrency` at a time (by
   * default as many as this process has threads for). A job whose run is no longer RUNNING
   * (cancelled, or finished by an earlier try) is done at once; a retry (a worker died
   * while running it) writes the trace again from seq 0, which gives the same rows, since a
   * trace is a function of scenario, seed and schedule.
   */
  async workQueue(concurrency?: number): Promise<void> {
    const queue = this.queue;
    if (queue === undefined) throw new Error("faultline: this run service has no job queue to work");
    await queue.onDead((job, error) => this.buryJob(job, error));
    await queue.work((job) => this.executeJob(job), {
      concurrency: concurrency ?? this.runPool.threads + this.pacedPool.threads,
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ------------------------------------------------------------------ internals

  private async executeJob(job: RunJob): Promise<void> {
    if (this.closing !== undefined) throw new Error("this worker is shutting down; another takes the job");
    // The queue may hand a job back to the process still running it (its try outlived the
    // expiry): it waits for that execution instead of writing the trace a second time.
    const current = this.jobExecutions.get(job.runId);
    if (current !== undefined) return current;
    const run = await this.store.runs.get(job.runId);
    if (run === undefined || run.status !== "RUNNING") return;
    // This try takes the run over: a new fencing token, and the trace from seq 0 (an earlier
    // try that is still writing, a stalled worker say, is refused from now on).
    const attempt = await this.store.runs.takeOver(run.id);
    if (attempt < 0) return;
    const source = await this.store.runs.source(run.id);
    if (source === undefined) return;
    const task: Omit<RunTask, "control" | "port"> = {
      kind: "run",
      dbPath: this.dbPath,
      runId: run.id,
      source: source.scenarioSource,
      file: source.scenarioFile ?? (await this.reads.guessScenarioFile(run.scenarioId)),
      seed: source.seed,
      pace: run.pace,
      interventions: JSON.parse(source.schedule) as Intervention[],
      maxWallMs: this.pacedRunMaxMs,
      batchRows: this.batchRows,
      attempt,
    };
    const live = new LiveRun();
    this.live.set(run.id, live);
    const execution = this.execute(run.pace === null ? this.runPool : this.pacedPool, task, live).finally(() => {
      this.executions.delete(execution);
      this.jobExecutions.delete(run.id);
    });
    this.executions.add(execution);
    this.jobExecutions.set(run.id, execution);
    await execution;
  }

  /** A job whose every try failed or expired (its workers died): its run, if still RUNNING, fails. */
  private async buryJob(job: RunJob, error: string): Promise<void> {
    const run = await this.store.runs.get(job.runId);
    if (run?.status !== "RUNNING") return;
    await this.store.runs.fail(
      run.id,
      `the workers that took the run stopped before it finished (${error}) (reproduce with seed=${run.seed})`,
    );
    await this.bus.announce({ runId: run.id, lastSeq: -1, status: "FAILED" });
  }

  /** The run's controls: this process's RunControl, or another process's through the bus. */
  private async steering(runId: string): Promise<Steering | undefined> {
    return this.controls.get(runId) ?? (this.bus.kind === "local" ? undefined : RemoteControl.reach(this.bus, runId));
  }

  private async shutDown(): Promise<void> {
    for (const execution of this.running.values()) stop(execution);
    const stopped = Promise.allSettled([...this.executions]);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.stopGraceMs).unref());
    await Promise.race([stopped, grace]);
    await Promise.allSettled([this.runPool.destroy(), this.pacedPool.destroy()]);
    await stopped;
    this.feeds.close();
    for (const follower of this.followers) follower.finish();
    for (const live of this.live.values()) live.end();
    await this.store.close();
  }

  private async execute(
    pool: TaskPool,
    task: Omit<RunTask, "control" | "port">,
    live: LiveRun,
    place?: PoolPlace,
  ): Promise<void> {
    const execution: Execution = {
      control: newControl(task.pace ?? 0),
      abort: new AbortController(),
      started: false,
    };
    this.running.set(task.runId, execution);
    const channel = new MessageChannel();
    const control = task.pace === null ? undefined : new RunControl(execution.control, channel.port1);
    if (control !== undefined) this.controls.set(task.runId, control);
    const announce = (lastSeq: number, status: "RUNNING" | "COMPLETED" | "FAILED"): void => {
      this.bus.announce({ runId: task.runId, lastSeq, status }).catch(() => {
        // A lost note costs a follower elsewhere one safety poll, never an event: the store has them.
      });
    };
    channel.port1.on("message", (message: RunMessage) => {
      if (message.type === "started") execution.started = true;
      else if (message.type === "events") {
        live.publish(message.rows);
        const last = message.rows[message.rows.length - 1];
        if (last !== undefined) announce(last[0], "RUNNING");
      } else control?.receive(message);
    });
    // Another instance steers a paced run through the bus; a store other than this
    // thread's own SQLite file gets the trace through this thread (./trace-sink.ts).
    const releaseControls =
      control === undefined || this.bus.kind === "local"
        ? undefined
        : await this.bus
            .holdControl(
              task.runId,
              controlHandler(control, () => stop(execution)),
            )
            .catch(() => undefined);
    const sink = this.store.kind === "sqlite" ? undefined : { channel: new MessageChannel(), slot: newSinkSlot() };
    if (sink !== undefined) serveSink(sink.channel.port1, sink.slot, this.store);
    let failure: string | undefined;
    let superseded = false;
    try {
      const transferList = sink === undefined ? [channel.port2] : [channel.port2, sink.channel.port2];
      const outcome = await pool.run<RunOutcome>(
        {
          ...task,
          control: execution.control.buffer as SharedArrayBuffer,
          port: channel.port2,
          ...(sink === undefined
            ? {}
            : { sink: { port: sink.channel.port2, slot: sink.slot.buffer as SharedArrayBuffer } }),
        },
        { transferList, signal: execution.abort.signal, ...(place === undefined ? {} : { place }) },
      );
      if (outcome.type === "failed") {
        failure = outcome.reason === "stopped" ? "the server shut down before the run finished" : outcome.message;
      }
    } catch (error) {
      failure = execution.abort.signal.aborted
        ? "the server shut down before the run could start"
        : `the simulation worker failed: ${describeError(error)}`;
    } finally {
      channel.port1.close();
      sink?.channel.port1.close();
      this.running.delete(task.runId);
      this.controls.delete(task.runId);
      control?.end();
      await releaseControls?.().catch(() => undefined);
    }
    try {
      // The database says whether the run completed: the worker marks it COMPLETED in the
      // transaction that stores its last events. Anything else (unless cancelled) is a failure.
      // A try that a later one took over (its writes refused: SUPERSEDED) leaves the run to it.
      superseded = failure?.includes(SUPERSEDED) === true;
      if (!superseded && (await this.store.runs.get(task.runId))?.status === "RUNNING") {
        await this.store.runs.fail(
          task.runId,
          `${failure ?? "the run ended without completing"} (reproduce with seed=${task.seed})`,
        );
      }
    } finally {
      // Followers read what is left from the store, then end.
      this.live.delete(task.runId);
      live.end();
      const ended = superseded ? undefined : await this.store.runs.get(task.runId).catch(() => undefined);
      if (ended !== undefined && ended.status !== "RUNNING") announce(ended.eventCount - 1, ended.status);
    }
  }

  private async record(runId: string): Promise<RunRecord> {
    return this.toRecord(await this.reads.requireRun(runId));
  }

  /** The stored run, and whether it is paused: this process's control knows, else the holder's (through the bus). */
  private async toRecord(run: StoredRun): Promise<RunRecord> {
    const local = this.controls.get(run.id);
    if (local !== undefined || run.status !== "RUNNING" || run.pace === null || this.bus.kind === "local") {
      return toRecord(run, local?.paused ?? false);
    }
    return toRecord(run, (await RemoteControl.reach(this.bus, run.id))?.paused ?? false);
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new FaultlineError("INTERNAL", "The server is shutting down.");
  }
}

/** Asks a run's task to stop: a running one at its next batch or paced event, a queued one at once. */
function stop(execution: Execution): void {
  Atomics.store(execution.control, CONTROL.stop, STOP_REQUESTED);
  wake(execution.control);
  if (!execution.started) execution.abort.abort();
}

/** One warm thread per core the machine gives this process. */
function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

function toRecord(run: StoredRun, paused: boolean): RunRecord {
  return {
    paused,
    parentId: run.parentId,
    forkedAt: run.forkedAt,
    id: run.id,
    scenarioId: run.scenarioId,
    seed: run.seed,
    status: run.status,
    eventCount: run.eventCount,
    traceHash: run.traceHash,
    stopReason: run.stopReason,
    error: run.error,
    pace: run.pace,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
  };
}
