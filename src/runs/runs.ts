import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { MAX_SEED } from "../scenarios/loader";
import { compareEvents, type Ordering } from "../sim/causality";
import { EVENT_KINDS, type EventKind, type TraceEvent, type Violation } from "../sim/types";
import { canonicalEventLine, type NodeView } from "../sim/world";
import { EVENT_BATCH_ROWS, fromEventRow, type EventRow, type Store, type StoredRun } from "../store";
import { STOP_REQUESTED, type ReplayJob, type RunJob, type WorkerMessage } from "./run-worker";
import {
  FaultlineError,
  type EventPage,
  type EventQuery,
  type RunPage,
  type RunRecord,
  type RunService,
  type ScenarioService,
} from "./types";

/** The slowest pace: one event every ten seconds. */
export const MAX_PACE_MS = 10_000;
export const DEFAULT_EVENTS_PAGE = 100;
export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_RUNS_PAGE = 20;
export const MAX_RUNS_PAGE = 100;

export interface RunServiceOptions {
  readonly store: Store;
  /** The database file, which each run's worker opens for itself. */
  readonly dbPath: string;
  readonly scenarios: ScenarioService;
  /** Runs simulated at once, each in its own worker thread; more wait in a queue (default 4). */
  readonly maxRunWorkers?: number;
  /** Replays (Run.nodes(atSeq)) at once (default 2). */
  readonly maxReplayWorkers?: number;
  /** Runs that may wait for a worker before startRun refuses more (default 100). */
  readonly maxQueuedRuns?: number;
  /** Trace rows per write transaction (default EVENT_BATCH_ROWS). */
  readonly batchRows?: number;
  /** How often follow() looks for new events of a run that another process is running, in ms (default 250). */
  readonly pollMs?: number;
  /** How long close() lets a worker stop by itself before it is terminated, in ms (default 2000). */
  readonly stopGraceMs?: number;
}

/** What a replay worker hands back. */
interface Replayed {
  readonly nodes: readonly NodeView[];
  readonly event: TraceEvent | null;
}

/** The compiled worker, next to this file in dist/. */
const WORKER_FILE = join(__dirname, "run-worker.js");

/**
 * Runs, their traces and their live followers. Every simulation runs in a worker
 * thread (one per run, at most maxRunWorkers at once, the rest queued), so the API's
 * event loop keeps answering while a large run is simulated and written. The main
 * thread only reads the database and relays what workers announce.
 */
export class WorkerRunService implements RunService {
  private readonly store: Store;
  private readonly dbPath: string;
  private readonly scenarios: ScenarioService;
  private readonly runSlots: Slots;
  private readonly replaySlots: Slots;
  private readonly batchRows: number;
  private readonly pollMs: number;
  private readonly stopGraceMs: number;
  /** Runs of this process that have not ended, by id: their followers are fed from worker messages. */
  private readonly live = new Map<string, LiveRun>();
  /** Every run's execution (queued or in a worker), so close() can wait for all of them. */
  private readonly executions = new Set<Promise<void>>();
  private readonly runWorkers = new Map<Worker, Int32Array>();
  private readonly replayWorkers = new Set<Worker>();
  private readonly followers = new Set<Follower>();
  private closing: Promise<void> | undefined;

  constructor(options: RunServiceOptions) {
    this.store = options.store;
    this.dbPath = options.dbPath;
    this.scenarios = options.scenarios;
    this.runSlots = new Slots(options.maxRunWorkers ?? 4, options.maxQueuedRuns ?? 100);
    this.replaySlots = new Slots(options.maxReplayWorkers ?? 2, 100);
    this.batchRows = options.batchRows ?? EVENT_BATCH_ROWS;
    this.pollMs = options.pollMs ?? 250;
    this.stopGraceMs = options.stopGraceMs ?? 2_000;
    if (!existsSync(WORKER_FILE)) {
      throw new Error(`faultline: the run worker ${WORKER_FILE} is missing; build with \`npm run build\` first`);
    }
  }

  async startRun(input: { scenarioId: string; seed?: number; pace?: number }): Promise<RunRecord> {
    this.assertOpen();
    const seed = optionalInt("seed", input.seed, 0, MAX_SEED);
    const pace = optionalInt("pace", input.pace, 1, MAX_PACE_MS);
    const scenario = this.scenarios.get(input.scenarioId);
    if (scenario === undefined) {
      throw new FaultlineError("NOT_FOUND", `There is no scenario with id "${input.scenarioId}".`);
    }
    if (this.runSlots.full) {
      throw new FaultlineError(
        "INTERNAL",
        `The server is busy: ${this.runSlots.waiting} runs are already waiting for a worker. Try again shortly.`,
      );
    }
    const runId = randomUUID();
    const job: Omit<RunJob, "control"> = {
      kind: "run",
      dbPath: this.dbPath,
      runId,
      source: scenario.source,
      file: scenario.file,
      seed: seed ?? scenario.spec.seed,
      pace: pace ?? null,
      batchRows: this.batchRows,
    };
    this.store.runs.insert({
      id: runId,
      scenarioId: scenario.id,
      seed: job.seed,
      pace: job.pace,
      scenarioSource: scenario.source,
      scenarioFile: scenario.file,
      createdAt: new Date().toISOString(),
    });
    const live = new LiveRun();
    this.live.set(runId, live);
    const execution = this.execute(job, live).finally(() => {
      this.executions.delete(execution);
    });
    this.executions.add(execution);
    if (pace === undefined) await execution;
    return this.record(runId);
  }

  getRun(id: string): RunRecord | undefined {
    const run = this.store.runs.get(id);
    return run === undefined ? undefined : toRecord(run);
  }

  listRuns(query: { scenarioId?: string; first?: number; after?: string }): RunPage {
    const first = optionalInt("first", query.first, 1, MAX_RUNS_PAGE) ?? DEFAULT_RUNS_PAGE;
    const beforeNumber = query.after === undefined ? undefined : decodeRunCursor(query.after);
    const rows = this.store.runs.list({ scenarioId: query.scenarioId, beforeNumber, limit: first + 1 });
    const page = rows.slice(0, first);
    const last = page[page.length - 1];
    return {
      runs: page.map(toRecord),
      endCursor: last === undefined ? null : encodeRunCursor(last.number),
      hasNextPage: rows.length > first,
      totalCount: this.store.runs.count(query.scenarioId),
    };
  }

  events(runId: string, query: EventQuery): EventPage {
    const first = optionalInt("first", query.first, 1, MAX_EVENTS_PAGE) ?? DEFAULT_EVENTS_PAGE;
    const after = optionalInt("after", query.after, -1, Number.MAX_SAFE_INTEGER);
    const kinds = query.kinds === undefined ? undefined : checkKinds(query.kinds);
    this.requireRun(runId);
    const rows = this.store.events.page(runId, { after, limit: first + 1, node: query.node, kinds });
    const events = rows.slice(0, first);
    const last = events[events.length - 1];
    return { events, nextCursor: last === undefined ? null : last.seq, hasMore: rows.length > first };
  }

  violations(runId: string): readonly Violation[] {
    this.requireRun(runId);
    return this.store.violations.list(runId);
  }

  happensBefore(runId: string, a: number, b: number): Ordering {
    this.requireRun(runId);
    return compareEvents(this.requireEvent(runId, a, "a"), this.requireEvent(runId, b, "b"));
  }

  concurrentWith(runId: string, seq: number): readonly number[] {
    this.requireRun(runId);
    const event = this.requireEvent(runId, seq, "seq");
    const found: number[] = [];
    // Stored events in seq order, a page at a time, so a long trace is never held whole.
    for (let from = 0; ;) {
      const page = this.store.events.range(runId, from, MAX_EVENTS_PAGE);
      for (const other of page) if (compareEvents(event, other) === "CONCURRENT") found.push(other.seq);
      const last = page[page.length - 1];
      if (last === undefined || page.length < MAX_EVENTS_PAGE) return found;
      from = last.seq + 1;
    }
  }

  private requireEvent(runId: string, seq: number, argument: string): TraceEvent {
    const event = Number.isInteger(seq) ? this.store.events.get(runId, seq) : undefined;
    if (event !== undefined) return event;
    const count = this.store.events.count(runId);
    const range = count === 0 ? "it has no events yet" : `its events run from seq 0 to ${count - 1}`;
    throw new FaultlineError("BAD_USER_INPUT", `${argument}: run "${runId}" has no event with seq ${seq}; ${range}.`);
  }

  async nodesAt(runId: string, atSeq?: number): Promise<readonly NodeView[]> {
    const run = this.requireRun(runId);
    const source = this.store.runs.source(runId);
    if (source === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    let stopAtSeq: number;
    if (atSeq === undefined) {
      if (source.finalNodes !== null) return JSON.parse(source.finalNodes) as NodeView[];
      // Not completed: the state after the last stored event (the nodes as they start when there is none).
      stopAtSeq = run.eventCount - 1;
    } else {
      if (run.eventCount === 0) {
        throw new FaultlineError("BAD_USER_INPUT", `Argument "atSeq": run ${runId} has no events yet.`, "atSeq");
      }
      stopAtSeq = requiredInt("atSeq", atSeq, 0, run.eventCount - 1);
    }
    const stored = stopAtSeq < 0 ? undefined : this.store.events.get(runId, stopAtSeq);
    if (stopAtSeq >= 0 && stored === undefined) {
      throw new FaultlineError("INTERNAL", `Run ${runId} has no stored event ${stopAtSeq}.`);
    }
    const file = source.scenarioFile ?? this.guessScenarioFile(run.scenarioId);
    const replayed = await this.replay({
      kind: "replay",
      source: source.scenarioSource,
      file,
      seed: source.seed,
      stopAtSeq,
    });
    if (stored !== undefined) {
      // The trace is a pure function of scenario and seed, so the replay must meet the stored event exactly.
      const expected = canonicalEventLine(stored);
      const found = replayed.event === null ? "nothing" : canonicalEventLine(replayed.event);
      if (found !== expected) {
        throw new FaultlineError(
          "INTERNAL",
          `Replay diverged: run ${runId} (seed=${source.seed}) stored event ${stopAtSeq} as ${expected.trim()}, ` +
            `but replaying it gave ${found.trim()}. The protocol code has changed since the run was made.`,
        );
      }
    }
    return replayed.nodes;
  }

  follow(runId: string, fromSeq?: number): AsyncIterableIterator<TraceEvent> {
    this.assertOpen();
    const from = optionalInt("fromSeq", fromSeq, 0, Number.MAX_SAFE_INTEGER) ?? 0;
    this.requireRun(runId);
    // Subscribe to the live feed before anything is read from the store: an event
    // announced while stored ones are being read is then buffered, never missed.
    const follower = new Follower(this.store, runId, from, this.live.get(runId), this.pollMs, (done) => {
      this.followers.delete(done);
    });
    this.followers.add(follower);
    return follower;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ------------------------------------------------------------------ internals

  private async shutDown(): Promise<void> {
    this.runSlots.close();
    this.replaySlots.close();
    for (const control of this.runWorkers.values()) {
      Atomics.store(control, 0, STOP_REQUESTED);
      Atomics.notify(control, 0);
    }
    for (const worker of this.replayWorkers) void worker.terminate();
    const stopped = Promise.allSettled([...this.executions]);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.stopGraceMs).unref());
    await Promise.race([stopped, grace]);
    await Promise.allSettled([...this.runWorkers.keys()].map((worker) => worker.terminate()));
    await stopped;
    for (const follower of this.followers) follower.finish();
    for (const live of this.live.values()) live.end();
    this.store.close();
  }

  private async execute(job: Omit<RunJob, "control">, live: LiveRun): Promise<void> {
    try {
      let release: () => void;
      try {
        release = await this.runSlots.acquire();
      } catch {
        this.failRun(job.runId, job.seed, "the server shut down before the run could start");
        return;
      }
      try {
        await this.runInWorker(job, live);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.failRun(job.runId, job.seed, `the simulation worker could not be started: ${message}`);
      } finally {
        release();
      }
    } finally {
      this.live.delete(job.runId);
      live.end();
    }
  }

  private runInWorker(job: Omit<RunJob, "control">, live: LiveRun): Promise<void> {
    const controlBuffer = new SharedArrayBuffer(4);
    const control = new Int32Array(controlBuffer);
    const worker = new Worker(WORKER_FILE, { workerData: { ...job, control: controlBuffer } satisfies RunJob });
    this.runWorkers.set(worker, control);
    let failure: string | undefined;
    let stopped = false;
    return new Promise<void>((resolve) => {
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "events") live.publish(message.rows);
        else if (message.type === "failed") {
          failure = message.message;
          stopped = message.stopped;
        }
      });
      worker.on("error", (error) => {
        failure ??= `the simulation worker crashed: ${error.message}`;
      });
      worker.on("exit", (code) => {
        this.runWorkers.delete(worker);
        // The database says whether the run completed: the worker marks it COMPLETED in
        // the transaction that stores its last events. Anything else is a failure.
        if (this.store.runs.get(job.runId)?.status === "RUNNING") {
          const why = stopped
            ? "the server shut down before the run finished"
            : (failure ?? `the simulation worker exited with code ${code} before the run finished`);
          this.failRun(job.runId, job.seed, why);
        }
        resolve();
      });
    });
  }

  private async replay(job: ReplayJob): Promise<Replayed> {
    let release: () => void;
    try {
      release = await this.replaySlots.acquire();
    } catch {
      throw new FaultlineError("INTERNAL", "The server is shutting down.");
    }
    try {
      return await this.replayInWorker(job);
    } finally {
      release();
    }
  }

  private replayInWorker(job: ReplayJob): Promise<Replayed> {
    return new Promise<Replayed>((resolve, reject) => {
      const worker = new Worker(WORKER_FILE, { workerData: job });
      this.replayWorkers.add(worker);
      let result: Replayed | undefined;
      let failure: string | undefined;
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "replayed") result = { nodes: message.nodes, event: message.event };
        else if (message.type === "failed") failure = message.message;
      });
      worker.on("error", (error) => {
        failure ??= `the replay worker crashed: ${error.message}`;
      });
      worker.on("exit", (code) => {
        this.replayWorkers.delete(worker);
        if (result !== undefined) resolve(result);
        else {
          const why = failure ?? `the replay worker stopped (exit code ${code}) before it finished`;
          reject(new FaultlineError("INTERNAL", `The replay failed: ${why} (reproduce with seed=${job.seed})`));
        }
      });
    });
  }

  private failRun(runId: string, seed: number, why: string): void {
    if (!this.store.db.open) return;
    this.store.runs.fail(runId, `${why} (reproduce with seed=${seed})`);
  }

  private requireRun(runId: string): StoredRun {
    const run = this.store.runs.get(runId);
    if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    return run;
  }

  private record(runId: string): RunRecord {
    return toRecord(this.requireRun(runId));
  }

  /** For runs stored before the scenario's file was recorded: where the catalog would have found it. */
  private guessScenarioFile(scenarioId: string): string {
    const scenario = this.store.scenarios.get(scenarioId);
    return `${scenario?.topic ?? "unknown"}/${scenarioId}.yaml`;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new FaultlineError("INTERNAL", "The server is shutting down.");
  }
}

// -------------------------------------------------------------------- live feed

/** How many live events a follower holds for its reader before it lets them go and reads the store instead. */
const MAX_FOLLOWER_BUFFER = 10_000;
/** Events a follower reads from the store at a time. */
const FOLLOW_PAGE = 500;
/** A follower lets the event loop run between every this many events it hands out. */
const YIELD_EVERY_EVENTS = 200;

/** A run in progress in this process: what its worker announces goes to its followers. */
class LiveRun {
  private readonly followers = new Set<Follower>();
  ended = false;

  subscribe(follower: Follower): void {
    if (!this.ended) this.followers.add(follower);
  }

  unsubscribe(follower: Follower): void {
    this.followers.delete(follower);
  }

  /** Rows the worker has committed. Each follower turns a row into an event only when it hands it out. */
  publish(rows: readonly EventRow[]): void {
    for (const follower of this.followers) follower.push(rows);
  }

  end(): void {
    this.ended = true;
    for (const follower of this.followers) follower.wake();
    this.followers.clear();
  }
}

/**
 * One follower of one run: stored events from fromSeq on, then live ones, strictly
 * in seq order. The store is the truth (a worker announces only committed rows), and
 * live events are a buffer that saves reading it again: an event is handed out only
 * when its seq is the next one expected, so there is never a gap or a duplicate, and
 * a gap in the buffer (events let go, or announced before the follower existed) is
 * filled from the store.
 */
class Follower implements AsyncIterableIterator<TraceEvent> {
  private nextSeq: number;
  private page: TraceEvent[] = [];
  private pageIndex = 0;
  private buffer: EventRow[] = [];
  private bufferHead = 0;
  private finished = false;
  private sinceYield = 0;
  private wakeUp: (() => void) | undefined;
  private pulling: Promise<IteratorResult<TraceEvent>> = Promise.resolve({ done: true, value: undefined });

  constructor(
    private readonly store: Store,
    private readonly runId: string,
    fromSeq: number,
    private readonly live: LiveRun | undefined,
    private readonly pollMs: number,
    private readonly onFinish: (follower: Follower) => void,
  ) {
    this.nextSeq = fromSeq;
    live?.subscribe(this);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TraceEvent> {
    return this;
  }

  next(): Promise<IteratorResult<TraceEvent>> {
    // One pull at a time, in call order, even if a caller does not wait for the last.
    this.pulling = this.pulling.then(
      () => this.pull(),
      () => this.pull(),
    );
    return this.pulling;
  }

  return(): Promise<IteratorResult<TraceEvent>> {
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<TraceEvent>> {
    this.finish();
    return Promise.reject(error);
  }

  push(rows: readonly EventRow[]): void {
    if (this.finished) return;
    if (this.buffer.length - this.bufferHead + rows.length > MAX_FOLLOWER_BUFFER) {
      // The reader is slow: let the buffer go; the store has every one of these events.
      this.buffer = [];
      this.bufferHead = 0;
    } else {
      for (const row of rows) this.buffer.push(row);
    }
    this.wake();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.buffer = [];
    this.page = [];
    this.live?.unsubscribe(this);
    this.onFinish(this);
    this.wake();
  }

  private async pull(): Promise<IteratorResult<TraceEvent>> {
    // A reader that never waits would otherwise hand out a whole backlog in one chain
    // of microtasks and starve the event loop (timers, sockets, other requests).
    this.sinceYield += 1;
    if (this.sinceYield >= YIELD_EVERY_EVENTS) {
      this.sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (;;) {
      if (this.finished) return { done: true, value: undefined };
      const fromPage = this.page[this.pageIndex];
      if (fromPage !== undefined) {
        this.pageIndex += 1;
        this.nextSeq = fromPage.seq + 1;
        return { done: false, value: fromPage };
      }
      const fromBuffer = this.takeBuffered();
      if (fromBuffer !== undefined) return { done: false, value: fromBuffer };
      const stored = this.store.events.range(this.runId, this.nextSeq, FOLLOW_PAGE);
      if (stored.length > 0) {
        this.page = stored;
        this.pageIndex = 0;
        continue;
      }
      // Everything stored so far has been handed out.
      if (this.live === undefined) {
        // Not run by this process: ended, or run by another process that shares the file.
        if (this.store.runs.get(this.runId)?.status !== "RUNNING") {
          this.finish();
          continue;
        }
        await this.sleep(this.pollMs);
        continue;
      }
      if (this.live.ended) {
        this.finish();
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
  }

  /** The buffered event with seq nextSeq, if it is there; older buffered ones are dropped. */
  private takeBuffered(): TraceEvent | undefined {
    while (this.bufferHead < this.buffer.length && (this.buffer[this.bufferHead] as EventRow)[0] < this.nextSeq) {
      this.bufferHead += 1;
    }
    const row = this.buffer[this.bufferHead];
    if (row === undefined || row[0] !== this.nextSeq) return undefined;
    this.bufferHead += 1;
    this.nextSeq += 1;
    if (this.bufferHead >= 1024 && this.bufferHead * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.bufferHead);
      this.bufferHead = 0;
    }
    return fromEventRow(row);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      timer.unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

// -------------------------------------------------------------------- helpers

/** At most `max` holders at once; later ones wait in a bounded FIFO queue. */
class Slots {
  private active = 0;
  private readonly queue: { grant: (release: () => void) => void; refuse: (error: Error) => void }[] = [];
  private closed = false;

  constructor(
    private readonly max: number,
    private readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`a worker limit must be a positive integer, got ${max}`);
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** True when a new acquire() would have to wait and the queue is full. */
  get full(): boolean {
    return this.active >= this.max && this.queue.length >= this.maxWaiting;
  }

  acquire(): Promise<() => void> {
    if (this.closed) return Promise.reject(new Error("closed"));
    if (this.active < this.max) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((grant, refuse) => this.queue.push({ grant, refuse }));
  }

  /** Refuses everything that waits and every later acquire(). */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.refuse(new Error("closed"));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next !== undefined) next.grant(this.releaser());
      else this.active -= 1;
    };
  }
}

function toRecord(run: StoredRun): RunRecord {
  return {
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

function optionalInt(name: string, value: number | undefined, min: number, max: number): number | undefined {
  return value === undefined ? undefined : requiredInt(name, value, min, max);
}

function requiredInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FaultlineError(
      "BAD_USER_INPUT",
      `Argument "${name}" must be an integer between ${min} and ${max}; got ${value}.`,
      name,
    );
  }
  return value;
}

function checkKinds(kinds: readonly EventKind[]): readonly EventKind[] | undefined {
  for (const kind of kinds) {
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Argument "kinds" has an unknown event kind "${String(kind)}"; expected some of ${EVENT_KINDS.join(", ")}.`,
        "kinds",
      );
    }
  }
  // An empty list filters nothing, like an absent one.
  return kinds.length === 0 ? undefined : [...new Set(kinds)];
}

const CURSOR_PREFIX = "run:";

function encodeRunCursor(number: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${number}`).toString("base64url");
}

function decodeRunCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const number = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || encodeRunCursor(number) !== cursor) {
    throw new FaultlineError(
      "BAD_USER_INPUT",
      `Argument "after" is not a cursor this server gave out (use pageInfo.endCursor of the previous page).`,
      "after",
    );
  }
  return number;
}
