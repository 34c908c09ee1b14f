import { existsSync } from "node:fs";
import { join } from "node:path";
import Piscina from "piscina";
import { GradingError, type Identity } from "../grading";
import { count } from "../sim/english";
import type { DeleteOutcome, ReclaimReport, RetentionPolicy } from "../store";
import type { FaultlineStore } from "../store/contract";
import { runDiskTask, type DiskTask } from "./disk-worker";
import { FaultlineError } from "./errors";
import { badArgument, requiredName } from "./validate";

/** How long a FAILED run's partial trace is kept before a retention pass deletes it, in minutes. */
export const DEFAULT_FAILED_TRACE_MINUTES = 60;
/** How often the server applies retention, in minutes. */
export const DEFAULT_RETENTION_INTERVAL_MINUTES = 10;

/** The environment variables of retention, each in the README (Disk and retention). */
export const RETENTION_VARIABLES = {
  keepRunsPerScenario: "FAULTLINE_KEEP_RUNS_PER_SCENARIO",
  keepRunsDays: "FAULTLINE_KEEP_RUNS_DAYS",
  failedTraceMinutes: "FAULTLINE_FAILED_TRACE_MINUTES",
  intervalMinutes: "FAULTLINE_RETENTION_INTERVAL_MINUTES",
} as const;

export interface RetentionSettings {
  readonly policy: RetentionPolicy;
  /** Minutes between passes; 0: no periodic pass (`db vacuum` still applies the policy). */
  readonly intervalMinutes: number;
}

/** Retention from the environment; a bad value stops start-up, naming the variable. */
export function retentionFromEnv(env: Readonly<Record<string, string | undefined>>): RetentionSettings {
  const read = (name: string, min: number, integer: boolean): number | undefined => {
    const text = env[name];
    if (text === undefined || text === "") return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isSafeInteger(value))) {
      throw new Error(
        `faultline: ${name} must be ${integer ? "an integer" : "a number"} of at least ${min}; got "${text}"`,
      );
    }
    return value;
  };
  const keepRunsPerScenario = read(RETENTION_VARIABLES.keepRunsPerScenario, 1, true);
  const keepRunsDays = read(RETENTION_VARIABLES.keepRunsDays, 0, false);
  return {
    policy: {
      ...(keepRunsPerScenario === undefined ? {} : { keepRunsPerScenario }),
      ...(keepRunsDays === undefined ? {} : { keepRunsDays }),
      failedTraceMinutes: read(RETENTION_VARIABLES.failedTraceMinutes, 0, false) ?? DEFAULT_FAILED_TRACE_MINUTES,
    },
    intervalMinutes: read(RETENTION_VARIABLES.intervalMinutes, 0, false) ?? DEFAULT_RETENTION_INTERVAL_MINUTES,
  };
}

/** The compiled task module, next to this file in dist/. */
const DISK_WORKER_FILE = join(__dirname, "disk-worker.js");

/**
 * Deleting runs (Mutation.deleteRun) and the periodic retention pass. Who may delete is
 * decided here, on the API's thread; the deleting itself runs on one thread of its own
 * (disk-worker.ts), one run per transaction, so requests are answered while a run of a
 * million events is deleted. An in-memory database has no file a thread could open:
 * it is deleted from here.
 */
export class DiskService {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<ReclaimReport | undefined> | undefined;
  private closed = false;
  private readonly thread: Piscina<DiskTask, DeleteOutcome | ReclaimReport> | undefined;

  constructor(
    private readonly store: FaultlineStore,
    private readonly dbPath: string,
    private readonly settings: RetentionSettings,
    private readonly report: (line: string) => void = () => {},
  ) {
    if (dbPath !== ":memory:") {
      if (!existsSync(DISK_WORKER_FILE)) {
        throw new Error(
          `faultline: the disk worker ${DISK_WORKER_FILE} is missing; build with \`npm run build\` first`,
        );
      }
      this.thread = new Piscina({ filename: DISK_WORKER_FILE, minThreads: 0, maxThreads: 1, idleTimeout: 30_000 });
    }
  }

  /**
   * Deletes a finished run with its events and violations. The run's owner (a student)
   * or an instructor may; a run without an owner was started anonymously, and nobody
   * can prove it is theirs, so only an instructor may delete it. A RUNNING run is
   * refused (cancelRun it first): deleting under a live writer and live subscribers
   * would end their streams without a word. A run a submission links to is refused.
   */
  async deleteRun(who: Identity, runIdArgument: string): Promise<boolean> {
    const runId = requiredName("runId", runIdArgument);
    if (who.role === "anonymous") {
      throw new GradingError(
        "UNAUTHENTICATED",
        who.rejected === true
          ? "the bearer token is unknown or expired"
          : "sign in to delete a run: only its owner or an instructor may",
      );
    }
    const [owner, run] = await Promise.all([this.store.grading.runOwner(runId), this.store.runs.get(runId)]);
    if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    if (who.role === "student" && owner !== who.studentId) {
      throw new GradingError("FORBIDDEN", `only the run's owner or an instructor may delete run ${runId}`);
    }
    const outcome = (await this.task({ kind: "delete", dbPath: this.dbPath, runId })) as DeleteOutcome;
    if (outcome === "not-found") throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    if (outcome === "running") {
      throw badArgument("runId", `names run ${runId}, which is RUNNING: cancel it (cancelRun) before deleting it.`);
    }
    if (outcome === "linked") {
      const links = await this.store.disk.linkedSubmissions(runId);
      throw badArgument(
        "runId",
        `names run ${runId}, which ${links === 1 ? "a submission links" : `${links} submissions link`} to: ` +
          "runs that grades rest on are never deleted.",
      );
    }
    if (outcome === "forked") {
      const forks = await this.store.disk.forks(runId);
      throw badArgument(
        "runId",
        `names run ${runId}, which ${forks === 1 ? "a fork names" : `${forks} forks name`} as its parent: ` +
          "delete the forks first.",
      );
    }
    return true;
  }

  /** Starts the periodic pass (unless the interval is 0). The timer never keeps the process alive. */
  start(): void {
    if (this.settings.intervalMinutes === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.runPass(), this.settings.intervalMinutes * 60_000).unref();
  }

  /** One retention pass now (one at a time: a pass asked for while one runs joins it). */
  runPass(now: Date = new Date()): Promise<ReclaimReport | undefined> {
    this.pass ??= this.passOnce(now).finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  /** Stops the timer and the thread (a pass under way is cut off between two runs' transactions). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.thread?.destroy();
    await this.pass;
  }

  private task(task: DiskTask): Promise<DeleteOutcome | ReclaimReport> {
    if (this.closed) return Promise.reject(new FaultlineError("INTERNAL", "The server is shutting down."));
    return this.thread === undefined ? runDiskTask(this.store, task) : this.thread.run(task);
  }

  private async passOnce(now: Date): Promise<ReclaimReport | undefined> {
    try {
      const task: DiskTask = { kind: "pass", dbPath: this.dbPath, policy: this.settings.policy, nowMs: now.getTime() };
      const done = (await this.task(task)) as ReclaimReport;
      if (done.runsDeleted + done.tracesReclaimed > 0) {
        this.report(
          `faultline: retention deleted ${count(done.runsDeleted, "run")} and reclaimed the partial traces of ` +
            `${count(done.tracesReclaimed, "FAILED run")}: ${count(done.eventsDeleted, "event")} in all`,
        );
      }
      return done;
    } catch (error) {
      if (this.closed) return undefined;
      this.report(`faultline: a retention pass failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
