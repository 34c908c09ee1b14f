import { setImmediate as nextTurn } from "node:timers/promises";
import { GradingError, type Identity } from "../grading";
import { count } from "../sim/english";
import { applyRetention, type ReclaimReport, type RetentionPolicy, type Store } from "../store";
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

/** Thrown into a retention pass when the service closes: the pass stops between two runs. */
class Closed extends Error {}

/**
 * Deleting runs (Mutation.deleteRun) and the periodic retention pass. The pass runs on
 * the API's thread but deletes one run per short transaction and yields to the event
 * loop between runs, so requests keep being answered while it works.
 */
export class DiskService {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<ReclaimReport | undefined> | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly settings: RetentionSettings,
    private readonly report: (line: string) => void = () => {},
  ) {}

  /**
   * Deletes a finished run with its events and violations. The run's owner (a student)
   * or an instructor may; a run without an owner was started anonymously, and nobody
   * can prove it is theirs, so only an instructor may delete it. A RUNNING run is
   * refused (cancelRun it first): deleting under a live writer and live subscribers
   * would end their streams without a word. A run a submission links to is refused.
   */
  deleteRun(who: Identity, runIdArgument: string): boolean {
    const runId = requiredName("runId", runIdArgument);
    if (who.role === "anonymous") {
      throw new GradingError(
        "UNAUTHENTICATED",
        who.rejected === true
          ? "the bearer token is unknown or expired"
          : "sign in to delete a run: only its owner or an instructor may",
      );
    }
    const owner = this.store.grading.runOwner(runId);
    const run = this.store.runs.get(runId);
    if (run === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    if (who.role === "student" && owner !== who.studentId) {
      throw new GradingError("FORBIDDEN", `only the run's owner or an instructor may delete run ${runId}`);
    }
    const outcome = this.store.disk.deleteRun(runId);
    if (outcome === "not-found") throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    if (outcome === "running") {
      throw badArgument("runId", `names run ${runId}, which is RUNNING: cancel it (cancelRun) before deleting it.`);
    }
    if (outcome === "linked") {
      const links = this.store.disk.linkedSubmissions(runId);
      throw badArgument(
        "runId",
        `names run ${runId}, which ${links === 1 ? "a submission links" : `${links} submissions link`} to: ` +
          "runs that grades rest on are never deleted.",
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

  /** Stops the timer and lets a pass under way stop between two runs. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.pass;
  }

  private async passOnce(now: Date): Promise<ReclaimReport | undefined> {
    try {
      const done = await applyRetention(this.store.disk, this.settings.policy, now, async () => {
        await nextTurn();
        if (this.closed) throw new Closed();
      });
      if (done.runsDeleted + done.tracesReclaimed > 0) {
        this.report(
          `faultline: retention deleted ${count(done.runsDeleted, "run")} and reclaimed the partial traces of ` +
            `${count(done.tracesReclaimed, "FAILED run")}: ${count(done.eventsDeleted, "event")} in all`,
        );
      }
      return done;
    } catch (error) {
      if (error instanceof Closed) return undefined;
      this.report(`faultline: a retention pass failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
