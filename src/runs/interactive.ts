import { fileFor, validateScenarioSource } from "../explore/validate";
import { parseFaults, parseScenario, type FaultTiming, type LooseFault } from "../scenarios/loader";
import { formatProblem, type ScenarioProblem } from "../scenarios/problems";
import type { Scenario } from "../scenarios/types";
import { MAX_INTERVENTIONS, type Intervention } from "../sim/interventions";
import { canonicalEventLine } from "../sim/trace";
import type { TraceEvent } from "../sim/types";
import type { StoredRun, StoredRunSource } from "../store";
import type { FaultlineStore } from "../store/contract";
import { contentHash } from "../store/scenarios";
import type { Steering } from "./remote-control";
import { FaultlineError } from "./errors";
import type { RunRecord, ScenarioService } from "./types";
import { ARGUMENT_RANGES, badArgument, MAX_EVENTS_PAGE, optionalInt, requiredInt, type Maybe } from "./validate";

/** The most events one stepRun may release. */
export const MAX_STEP_EVENTS = 10_000;
/** The largest fault (injectFault) or fault list (forkRun) accepted, as JSON text, in bytes. */
export const MAX_FAULTS_BYTES = 64 * 1024;
/** Ad-hoc scenarios (runScenario) are stored under this prefix and 16 hex digits of their content hash. */
export const ADHOC_PREFIX = "adhoc-";

/** What a new run needs, whichever door it came through (startRun, forkRun, runScenario). */
export interface LaunchInput {
  readonly scenarioId: string;
  readonly source: string;
  readonly file: string;
  readonly seed: number;
  readonly pace: number | null;
  readonly interventions: readonly Intervention[];
  readonly parentId?: string;
  readonly forkedAt?: number;
  /** The student the new run belongs to (issue 9): a fork of a student's run is theirs too, never public. */
  readonly ownerStudentId?: string | null;
}

/** What the interactive doors need of the run engine (WorkerRunService). */
export interface Engine {
  readonly store: FaultlineStore;
  readonly scenarios: ScenarioService;
  requireRun(runId: string): Promise<StoredRun>;
  /** The run's controls: this process's, or reached through the run bus; undefined when nobody holds them. */
  control(runId: string): Promise<Steering | undefined>;
  launch(input: LaunchInput): Promise<RunRecord>;
  record(runId: string): Promise<RunRecord>;
}

/**
 * Interactive runs (issue 12): pause, step, resume and re-pace a live paced run, inject a
 * fault into a paused one, fork a run at a seq with another fault schedule, compare two
 * runs, and run a scenario sent as YAML. A run's trace is a function of its scenario,
 * seed and interventions (its schedule), so every replay, fork and export that is given
 * the schedule gives the same trace.
 */
export class InteractiveRuns {
  /** Scenarios parsed from stored sources, by content hash (runs of ad-hoc or since-changed scenarios). */
  private readonly parsed = new Map<string, Scenario>();

  constructor(private readonly engine: Engine) {}

  async pause(runId: string): Promise<RunRecord> {
    const control = await this.liveControl(runId, "paused");
    await control.pause();
    return this.engine.record(runId);
  }

  async resume(runId: string): Promise<RunRecord> {
    await (await this.pausedControl(runId, "resumed")).resume();
    return this.engine.record(runId);
  }

  async step(runId: string, eventsArgument: number): Promise<RunRecord> {
    const events = requiredInt("events", eventsArgument, { min: 1, max: MAX_STEP_EVENTS });
    const control = await this.pausedControl(runId, "stepped");
    await control.step(events, (await this.engine.requireRun(runId)).eventCount);
    return this.engine.record(runId);
  }

  async setPace(runId: string, paceArgument: number): Promise<RunRecord> {
    const pace = requiredInt("pace", paceArgument, ARGUMENT_RANGES.pace);
    await (await this.liveControl(runId, "re-paced")).setPace(pace);
    await this.engine.store.runs.setPace(runId, pace);
    return this.engine.record(runId);
  }

  /** A fault in the scenario files' syntax, without at:/when: (it applies now), into a paused run. */
  async inject(runId: string, fault: unknown): Promise<RunRecord> {
    const control = await this.pausedControl(runId, "given a fault");
    const scenario = await this.scenarioOfRun(runId);
    const [parsed] = this.parseFaultArgument("fault", fault, scenario, false, "now");
    const answer = await control.inject((parsed as LooseFault).action);
    if ("refused" in answer) {
      throw new FaultlineError("RUN_NOT_LIVE", `Run ${runId} did not take the fault: ${answer.refused}.`);
    }
    return this.engine.record(runId);
  }

  /**
   * A new run that shares the first atSeq events of its parent, then follows `faults`
   * (the scenario's syntax; one without at:/when: applies at the fork point), or, when
   * faults is absent, the parent's own schedule (then it reproduces the parent).
   */
  async fork(runId: string, atSeqArgument: number, faults: unknown, paceArgument: Maybe<number>): Promise<RunRecord> {
    const parent = await this.engine.requireRun(runId);
    const atSeq = requiredInt("atSeq", atSeqArgument, { min: 0, max: parent.eventCount });
    const pace = optionalInt("pace", paceArgument, ARGUMENT_RANGES.pace) ?? null;
    const source = await this.requireSource(runId);
    const inherited = JSON.parse(source.schedule) as Intervention[];
    let interventions: Intervention[];
    if (faults === undefined || faults === null) {
      interventions = inherited;
    } else {
      const parsed = this.parseFaultArgument("faults", faults, await this.scenarioOfRun(runId), true, "optional");
      const switchAt = atSeq - 1;
      // Parent interventions whose events all come before atSeq stay; the switch comes after event atSeq-1.
      interventions = [
        ...inherited.filter((intervention) => intervention.afterSeq < switchAt),
        {
          type: "replace",
          afterSeq: switchAt,
          faults: parsed.flatMap((fault) =>
            fault.trigger === undefined ? [] : [{ trigger: fault.trigger, action: fault.action }],
          ),
        },
        ...parsed.flatMap((fault): Intervention[] =>
          fault.trigger === undefined ? [{ type: "apply", afterSeq: switchAt, action: fault.action }] : [],
        ),
      ];
    }
    if (interventions.length > MAX_INTERVENTIONS) {
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Argument "faults" would give the fork ${interventions.length} interventions; at most ${MAX_INTERVENTIONS} are allowed (the limit MAX_INTERVENTIONS).`,
        "faults",
        undefined,
        { limit: MAX_INTERVENTIONS, limitName: "MAX_INTERVENTIONS" },
      );
    }
    return this.engine.launch({
      scenarioId: parent.scenarioId,
      source: source.scenarioSource,
      file: source.scenarioFile ?? "scenario.yaml",
      seed: source.seed,
      pace,
      interventions,
      parentId: parent.id,
      forkedAt: atSeq,
      ownerStudentId: await this.engine.store.grading.runOwner(parent.id),
    });
  }

  /** Runs a scenario sent as YAML: checked like a file of the catalogue, stored with its source under an ad-hoc id. */
  async runScenario(yaml: string, seedArgument: Maybe<number>, paceArgument: Maybe<number>): Promise<RunRecord> {
    const seed = optionalInt("seed", seedArgument, ARGUMENT_RANGES.seed);
    const pace = optionalInt("pace", paceArgument, ARGUMENT_RANGES.pace) ?? null;
    if (typeof yaml !== "string") throw badArgument("yaml", "must be the scenario's YAML text.");
    const problems = validateScenarioSource(yaml);
    if (problems.length > 0) throw scenarioProblems("yaml", problems);
    const file = fileFor(yaml);
    const loaded = parseScenario(yaml, file);
    if (!loaded.ok) throw scenarioProblems("yaml", loaded.problems);
    const scenario = loaded.scenario;
    const id = adhocScenarioId(yaml);
    await this.engine.store.scenarios.insertAdhoc({
      id,
      title: scenario.title,
      topic: scenario.topic,
      protocol: scenario.protocol,
      source: yaml,
    });
    return this.engine.launch({
      scenarioId: id,
      source: yaml,
      file,
      seed: seed ?? scenario.spec.seed,
      pace,
      interventions: [],
    });
  }

  /** The first seq at which the two runs' stored traces differ; null when they are the same. */
  async divergesAt(runId: string, otherId: string): Promise<number | null> {
    const run = await this.engine.requireRun(runId);
    const other = await this.engine.requireRun(otherId);
    if (run.traceHash !== null && run.traceHash === other.traceHash) return null;
    const events = this.engine.store.events;
    for (let from = 0; ; from += MAX_EVENTS_PAGE) {
      const [mine, theirs] = await Promise.all([
        events.range(run.id, from, MAX_EVENTS_PAGE),
        events.range(other.id, from, MAX_EVENTS_PAGE),
      ]);
      const shared = Math.min(mine.length, theirs.length);
      for (let i = 0; i < shared; i++) {
        if (canonicalEventLine(mine[i] as TraceEvent) !== canonicalEventLine(theirs[i] as TraceEvent)) {
          return from + i;
        }
      }
      if (mine.length !== theirs.length) return from + shared;
      if (mine.length < MAX_EVENTS_PAGE) return null;
    }
  }

  /** The run's interventions (its schedule beside scenario and seed). */
  async schedule(runId: string): Promise<readonly Intervention[]> {
    return JSON.parse((await this.requireSource(runId)).schedule) as Intervention[];
  }

  /** The scenario a run was made from: the catalogue's when it still has that exact source, else its stored source. */
  async scenarioOfRun(runId: string): Promise<Scenario> {
    const run = await this.engine.requireRun(runId);
    const catalogued = this.engine.scenarios.get(run.scenarioId);
    const source = await this.requireSource(runId);
    if (catalogued !== undefined && catalogued.source === source.scenarioSource) return catalogued;
    const key = contentHash(source.scenarioSource);
    let scenario = this.parsed.get(key);
    if (scenario === undefined) {
      const loaded = parseScenario(source.scenarioSource, source.scenarioFile ?? fileFor(source.scenarioSource));
      if (!loaded.ok) {
        throw new FaultlineError(
          "INTERNAL",
          `Run ${runId}'s stored scenario no longer loads: ${loaded.problems.map(formatProblem).join("; ")}`,
        );
      }
      // An ad-hoc scenario is known by its content-derived id, which is unique; its file's id may not be.
      scenario = run.scenarioId.startsWith(ADHOC_PREFIX) ? { ...loaded.scenario, id: run.scenarioId } : loaded.scenario;
      if (this.parsed.size >= 64) this.parsed.delete(this.parsed.keys().next().value as string);
      this.parsed.set(key, scenario);
    }
    return scenario;
  }

  // ------------------------------------------------------------------ internals

  private async liveControl(runId: string, what: string): Promise<Steering> {
    const run = await this.engine.requireRun(runId);
    const control = run.status === "RUNNING" && run.pace !== null ? await this.engine.control(run.id) : undefined;
    if (run.status !== "RUNNING" || control === undefined) {
      const why =
        run.status !== "RUNNING"
          ? `it is ${run.status}`
          : run.pace === null
            ? "it is not paced (start it with pace to steer it)"
            : "no server process holds it any more";
      throw new FaultlineError(
        "RUN_NOT_LIVE",
        `Run ${run.id} cannot be ${what}: ${why}. Only a RUNNING paced run can be.`,
      );
    }
    return control;
  }

  private async pausedControl(runId: string, what: string): Promise<Steering> {
    const control = await this.liveControl(runId, what);
    if (!control.paused) {
      throw new FaultlineError("RUN_NOT_LIVE", `Run ${runId} cannot be ${what}: it is not paused (pauseRun first).`);
    }
    return control;
  }

  private async requireSource(runId: string): Promise<StoredRunSource> {
    const source = await this.engine.store.runs.source(runId);
    if (source === undefined) throw new FaultlineError("NOT_FOUND", `There is no run with id "${runId}".`);
    return source;
  }

  /** A JSON argument read as the scenario files' faults, with the loader's own checks and messages. */
  private parseFaultArgument(
    name: string,
    value: unknown,
    scenario: Scenario,
    list: boolean,
    timing: FaultTiming,
  ): LooseFault[] {
    const text = JSON.stringify(value, null, 2) ?? "null";
    if (Buffer.byteLength(text) > MAX_FAULTS_BYTES) {
      throw new FaultlineError(
        "BAD_USER_INPUT",
        `Argument "${name}" is ${Buffer.byteLength(text)} bytes of JSON; at most ${MAX_FAULTS_BYTES} are allowed (the limit MAX_FAULTS_BYTES).`,
        name,
        undefined,
        { limit: MAX_FAULTS_BYTES, limitName: "MAX_FAULTS_BYTES" },
      );
    }
    const parsed = parseFaults(text, name, scenario, { list, timing });
    if (!parsed.ok) {
      throw scenarioProblems(
        name,
        parsed.problems.map((problem) => ({
          ...problem,
          path: problem.path === "" ? name : `${name}${problem.path.startsWith("[") ? "" : "."}${problem.path}`,
        })),
      );
    }
    return parsed.faults;
  }
}

/** The id an ad-hoc scenario is stored under: the same YAML always gets the same id. */
export function adhocScenarioId(source: string): string {
  return ADHOC_PREFIX + contentHash(source).slice(0, 16);
}

/** BAD_USER_INPUT listing every problem (line, column, path, message), also in extensions.problems. */
function scenarioProblems(argument: string, problems: readonly ScenarioProblem[]): FaultlineError {
  const lines = problems.map(
    (problem) =>
      `${problem.line}:${problem.column}: ${problem.path === "" ? "" : `${problem.path}: `}${problem.message}`,
  );
  return new FaultlineError(
    "BAD_USER_INPUT",
    `Argument "${argument}" has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}: ${lines.join("; ")}`,
    argument,
    undefined,
    {
      problems: problems.map((problem) => ({
        line: problem.line,
        column: problem.column,
        path: problem.path,
        message: problem.message,
      })),
    },
  );
}
