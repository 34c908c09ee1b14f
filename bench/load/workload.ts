import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Xorshift } from "../measure";
import { follow, lossOf, totalLost, type Followed } from "./follow";
import { call, socketClient, storedSeqs } from "./graphql";
import { Problems } from "./problems";
import { smallQueries, type LatencySummary } from "./queries";
import { setUpCourse, submit, type Course } from "./setup";

/**
 * One mode's load, against API instances already running: first the ceilings on the
 * idle servers (small queries alone, then unpaced runs alone), then everything at once
 * for the bounded time, then a drain and the check of every subscriber's events.
 */

/** Paced runs: a Raft election, long enough to follow, short enough to pace into a wave. */
export const PACED_SCENARIO = "raft-leader-election";
/** Unpaced runs: the smallest transaction scenario, so runs/s measures the run path, not one big simulation. */
export const UNPACED_SCENARIO = "2pc-happy-path";

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

export interface RunLoss {
  readonly runId: string;
  readonly seed: number;
  readonly subscriber: number;
  readonly lost: number;
  readonly detail: string;
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

interface PacedRun {
  readonly id: string;
  readonly seed: number;
  readonly followers: readonly Followed[];
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

/** `loops` loops, each starting an unpaced run as soon as its last one completed, until the deadline. */
async function unpacedRuns(
  url: string,
  loops: number,
  deadline: number,
  problems: Problems,
): Promise<{ completed: number; seconds: number }> {
  const began = performance.now();
  let completed = 0;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      const seeds = new Xorshift(loop + 1);
      while (performance.now() < deadline) {
        const seed = seeds.below(2_147_483_647);
        try {
          const run = await call<{ startRun: { id: string; status: string } }>(
            url,
            `mutation($id: ID!, $seed: Int) { startRun(scenarioId: $id, seed: $seed) { id status } }`,
            { id: UNPACED_SCENARIO, seed },
          );
          if (run.startRun.status === "COMPLETED") completed += 1;
          else problems.add(`unpaced run ${run.startRun.id} (seed ${seed})`, `ended ${run.startRun.status}`);
        } catch (error) {
          problems.add(`unpaced run (seed ${seed})`, error);
          await sleep(100);
        }
      }
    }),
  );
  return { completed, seconds: (performance.now() - began) / 1000 };
}

/**
 * One paced run at a time, each followed by `followers` subscribers on subscribeApi from
 * its start (added to `runs` as it starts); a new wave starts while it can end by about
 * the deadline.
 */
async function pacedSlot(
  target: LoadTarget,
  followers: number,
  pace: number,
  deadline: number,
  waveMs: number,
  runs: PacedRun[],
  problems: Problems,
): Promise<void> {
  for (let wave = 0; wave === 0 || performance.now() + waveMs / 2 < deadline; wave++) {
    let run: { id: string; seed: number };
    try {
      const started = await call<{ startRun: { id: string; seed: number } }>(
        target.runApi.url,
        `mutation($id: ID!, $pace: Int) { startRun(scenarioId: $id, pace: $pace) { id seed } }`,
        { id: PACED_SCENARIO, pace },
      );
      run = started.startRun;
    } catch (error) {
      problems.add("paced startRun", error);
      if (performance.now() >= deadline) break;
      await sleep(100);
      continue;
    }
    const clients = Array.from({ length: followers }, () => socketClient(target.subscribeApi.wsUrl));
    const followed = clients.map((client) => follow(client, run.id));
    runs.push({ id: run.id, seed: run.seed, followers: followed });
    await Promise.all(followed.map((one) => one.done));
    // Without followers nothing marks the run's end: ask, so one slot keeps one run in progress.
    if (followers === 0) await untilEnded(target.runApi.url, run.id, deadline + waveMs * 2, problems);
    await Promise.all(clients.map((client) => client.dispose()));
  }
}

async function untilEnded(url: string, runId: string, giveUpAt: number, problems: Problems): Promise<void> {
  while (performance.now() < giveUpAt) {
    try {
      const answer = await call<{ run: { status: string } | null }>(
        url,
        `query($id: ID!) { run(id: $id) { status } }`,
        {
          id: runId,
        },
      );
      if (answer.run?.status !== "RUNNING") return;
    } catch (error) {
      problems.add(`status of paced run ${runId}`, error);
    }
    await sleep(250);
  }
}

/**
 * Waits for the paced slots' last waves. Subscribers still open after `timeoutMs` are
 * given up: their missing events count as lost, which is what a reader of the table
 * must see when a run's stream stalls.
 */
async function drain(
  work: Promise<void>[],
  runs: readonly PacedRun[],
  timeoutMs: number,
  problems: Problems,
): Promise<void> {
  const all = Promise.all(work).then(() => "done" as const);
  if ((await Promise.race([all, sleep(timeoutMs).then(() => "late" as const)])) === "done") return;
  problems.add(
    "drain",
    `paced runs still streaming ${timeoutMs} ms after the deadline: their subscribers were given up`,
  );
  for (const run of runs) for (const follower of run.followers) follower.giveUp(`given up after ${timeoutMs} ms`);
  if ((await Promise.race([all, sleep(10_000).then(() => "late" as const)])) === "late") {
    problems.add("drain", "a paced slot did not stop 10 s after its subscribers were given up");
  }
}

/** Submissions back to back, one loop per student, spread over the API instances. */
async function submissions(
  target: LoadTarget,
  course: Course,
  deadline: number,
  problems: Problems,
): Promise<{ count: number; seconds: number }> {
  const began = performance.now();
  let count = 0;
  await Promise.all(
    course.studentTokens.map(async (token, index) => {
      const url = (target.apis[index % target.apis.length] as Endpoint).url;
      while (performance.now() < deadline) {
        try {
          if (typeof (await submit(url, course, token)) === "number") count += 1;
        } catch (error) {
          problems.add(`submission of student ${index}`, error);
          await sleep(100);
        }
      }
    }),
  );
  return { count, seconds: (performance.now() - began) / 1000 };
}

/** Every follower's seqs against its run's stored seqs, read after the run ended. */
async function checkEvents(
  url: string,
  runs: readonly PacedRun[],
  problems: Problems,
): Promise<{ subscriptions: number; eventsDelivered: number; eventsLost: number; losses: RunLoss[] }> {
  let subscriptions = 0;
  let eventsDelivered = 0;
  let eventsLost = 0;
  const losses: RunLoss[] = [];
  for (const run of runs) {
    const status = await call<{ run: { status: string; eventCount: number } | null }>(
      url,
      `query($id: ID!) { run(id: $id) { status eventCount } }`,
      { id: run.id },
    );
    if (status.run?.status !== "COMPLETED")
      problems.add(`paced run ${run.id} (seed ${run.seed})`, `ended ${status.run?.status ?? "missing"}`);
    const stored = await storedSeqs(url, run.id);
    run.followers.forEach((follower, subscriber) => {
      subscriptions += 1;
      eventsDelivered += follower.received.length;
      const loss = lossOf(stored, follower.received);
      const lost = totalLost(loss);
      eventsLost += lost;
      if (lost > 0 || follower.error() !== null) {
        const detail =
          `${loss.missing} missing, ${loss.outOfOrder} out of order, ${loss.unexpected} never stored` +
          (follower.error() === null ? "" : `; ${follower.error() as string}`);
        losses.push({ runId: run.id, seed: run.seed, subscriber, lost, detail });
      }
    });
  }
  return { subscriptions, eventsDelivered, eventsLost, losses };
}
