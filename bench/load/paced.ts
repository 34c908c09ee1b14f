import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { follow, lossOf, totalLost, type Followed, type Loss } from "./follow";
import { call, socketClient, storedSeqs } from "./graphql";
import type { Problems } from "./problems";
import type { LoadTarget } from "./workload";

/**
 * The paced share of the load: runs started on one instance and followed by graphql-ws
 * subscribers on the other, then every subscriber's seqs checked against the run's
 * stored events once it has ended.
 */

/** Paced runs: a Raft election, long enough to follow, short enough to pace into the loaded phase. */
export const PACED_SCENARIO = "raft-leader-election";

export interface RunLoss {
  readonly runId: string;
  readonly seed: number;
  readonly subscriber: number;
  readonly lost: number;
  readonly detail: string;
}

export interface PacedRun {
  readonly id: string;
  readonly seed: number;
  readonly followers: readonly Followed[];
}

/**
 * One paced run at a time, each followed by `followers` subscribers on subscribeApi from
 * its start (added to `runs` as it starts); a new wave starts while it can end by about
 * the deadline.
 */
export async function pacedSlot(
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
export async function drain(
  work: Promise<void>[],
  runs: readonly PacedRun[],
  timeoutMs: number,
  problems: Problems,
): Promise<void> {
  const all = Promise.all(work).then(() => "done" as const);
  // Unreferenced timers: a timeout that lost the race must not hold the driver's exit.
  const late = (ms: number): Promise<"late"> => sleep(ms, "late" as const, { ref: false });
  if ((await Promise.race([all, late(timeoutMs)])) === "done") return;
  problems.add(
    "drain",
    `paced runs still streaming ${timeoutMs} ms after the deadline: their subscribers were given up`,
  );
  for (const run of runs) for (const follower of run.followers) follower.giveUp(`given up after ${timeoutMs} ms`);
  if ((await Promise.race([all, late(10_000)])) === "late") {
    problems.add("drain", "a paced slot did not stop 10 s after its subscribers were given up");
  }
}

/** Every follower's seqs against its run's stored seqs, read after the run ended. */
export async function checkEvents(
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
          `${loss.missing} missing${seqsText(loss)}, ` +
          `${loss.outOfOrder} out of order, ${loss.unexpected} never stored of ${stored.length} stored, ` +
          `${follower.received.length} received` +
          (follower.error() === null ? "" : `; ${follower.error() as string}`);
        losses.push({ runId: run.id, seed: run.seed, subscriber, lost, detail });
        if (follower.error() !== null) problems.add(`subscriber ${subscriber} of run ${run.id}`, follower.error());
      }
    });
  }
  return { subscriptions, eventsDelivered, eventsLost, losses };
}

/** " (seqs 12, 13, 14)": where in the run the stream broke; "" when nothing is missing. */
function seqsText(loss: Loss): string {
  if (loss.missing === 0) return "";
  return ` (seqs ${loss.missingSeqs.join(", ")}${loss.missing > loss.missingSeqs.length ? ", ..." : ""})`;
}
