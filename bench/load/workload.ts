import { performance } from "node:perf_hooks";
import { call } from "./graphql";
import { submissions, unpacedRuns } from "./loops";
import { checkEvents, drain, PACED_SCENARIO, pacedSlot, type PacedRun, type RunLoss } from "./paced";
import { Problems } from "./problems";
import { smallQueries, type LatencySummary } from "./queries";
import { setUpCourse } from "./setup";

/**
 * One mode's load, against API instances already running: first the ceilings on the
 * idle servers (small queries alone, then unpaced runs alone), then everything at once
 * for the bounded time, then a drain and the check of every subscriber's events.
 */

export interface LoadConfig {
  /** Length of the loaded phase. */
  readonly seconds: number;
  /** Runs in progress at once: `pacedRuns` paced ones, the rest unpaced back to back. */
  readonly runsAtOnce: number;
  readonly pacedRuns: number;
  /** graphql-ws subscribers, spread over the paced runs, each on its own socket. */
  readonly subscribers: number;
  /** autocannon connections for the small queries, over all API instances. */
  readonly queryConnections: number;
  /** Students submitting back to back. */
  readonly students: number;
}

export interface Endpoint {
  readonly url: string;
  readonly wsUrl: string;
}

export interface LoadTarget {
  /** Where runs are started. */
  readonly runApi: Endpoint;
  /** Where subscribers listen: another instance than runApi when there are two, so fan-out crosses instances. */
  readonly subscribeApi: Endpoint;
  readonly apis: readonly Endpoint[];
  /** DB_PATH or DATABASE_URL of the servers. */
  readonly storeLocator: string;
}

export interface LoadResult {
  readonly idleQueries: LatencySummary;
  readonly loadedQueries: LatencySummary;
  readonly unpacedAlonePerSecond: number;
  readonly unpacedLoadedPerSecond: number;
  readonly pacedRunsCompleted: number;
  readonly subscriptions: number;
  readonly eventsDelivered: number;
  readonly eventsLost: number;
  readonly losses: readonly RunLoss[];
  readonly submissions: number;
  readonly submissionsPerSecond: number;
  readonly loadedSeconds: number;
  /** CPU the driver itself used (user + system): it shares the machine with the servers. */
  readonly driverCpuSeconds: number;
  readonly problems: Problems;
}

/** Everything that failed: requests the loops saw fail, and small queries autocannon saw fail. */
export function errorCount(result: LoadResult): number {
  return result.problems.count + result.idleQueries.failures + result.loadedQueries.failures;
}

export async function runLoad(target: LoadTarget, config: LoadConfig): Promise<LoadResult> {
  const problems = new Problems();
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const progress = (what: string): void => {
    process.stderr.write(`load: ${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}\n`);
  };
  progress("setting up students and an assignment");
  const course = await setUpCourse(target.storeLocator, target.runApi.url, config.students);
  const warm = await call<{ startRun: { id: string; eventCount: number; status: string } }>(
    target.runApi.url,
    `mutation($id: ID!) { startRun(scenarioId: $id) { id eventCount status } }`,
    { id: PACED_SCENARIO },
  );
  if (warm.startRun.status !== "COMPLETED") throw new Error(`load: the warm-up run ended ${warm.startRun.status}`);
  const urls = target.apis.map((api) => api.url);
  const unpacedLoops = Math.max(0, config.runsAtOnce - config.pacedRuns);
  const idleSeconds = Math.max(1, Math.min(3, config.seconds / 5));

  // Ceilings: each part alone on the idle servers, measured in this run.
  progress(`ceilings on the idle servers (${idleSeconds} s each)`);
  const idleQueries = await smallQueries({
    urls,
    runId: warm.startRun.id,
    seconds: idleSeconds,
    connections: config.queryConnections,
  });
  const alone = await unpacedRuns(target.runApi.url, unpacedLoops, performance.now() + idleSeconds * 1000, problems);
  const unpacedAlonePerSecond = alone.completed / alone.seconds;

  // Everything at once.
  progress(`everything at once for ${config.seconds} s`);
  const began = performance.now();
  const deadline = began + config.seconds * 1000;
  // Paced so that a run spans the loaded phase: its subscribers stay for all of it, at
  // the pace a learner watches (tens of milliseconds an event for a 20 s load).
  const waveMs = config.seconds * 1000;
  const pace = Math.min(10_000, Math.max(1, Math.round(waveMs / Math.max(1, warm.startRun.eventCount))));
  const pacedRuns: PacedRun[] = [];
  const pacedWork = Array.from({ length: config.pacedRuns }, (_, slot) =>
    pacedSlot(target, share(config.subscribers, config.pacedRuns, slot), pace, deadline, waveMs, pacedRuns, problems),
  );
  const [loadedQueries, loadedRuns, submitted] = await Promise.all([
    smallQueries({ urls, runId: warm.startRun.id, seconds: config.seconds, connections: config.queryConnections }),
    unpacedRuns(target.runApi.url, unpacedLoops, deadline, problems),
    submissions(target, course, deadline, problems),
  ]);
  const loadedSeconds = (performance.now() - began) / 1000;
  progress("waiting for the paced runs to end");
  await drain(pacedWork, pacedRuns, Math.max(30_000, config.seconds * 2000), problems);

  progress("checking every subscriber's events against the stored runs");
  const check = await checkEvents(target.subscribeApi.url, pacedRuns, problems);
  return {
    idleQueries,
    loadedQueries,
    unpacedAlonePerSecond,
    unpacedLoadedPerSecond: loadedRuns.completed / loadedRuns.seconds,
    pacedRunsCompleted: pacedRuns.length,
    ...check,
    submissions: submitted.count,
    submissionsPerSecond: submitted.count / submitted.seconds,
    loadedSeconds,
    driverCpuSeconds: cpuSeconds(process.cpuUsage(cpuBefore)),
    problems,
  };
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/** `total` spread over `parts`, the remainder to the first ones. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}
