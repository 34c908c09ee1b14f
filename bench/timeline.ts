import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BENCH_LIMITS } from "./server-limits";
import { createServer, type RunningServer } from "../src/api/server";
import { collectGarbage, type BenchRow } from "./measure";

const SCENARIO_ID = "bench-timeline";
/** The run's events read, and the seqs the snapshots span. */
export const TIMELINE_EVENTS = 1000;
export const TIMELINE_FRAMES = 100;

/** A 5-node Raft cluster taking a write every 20 ms after its first election: well over 1,000 events. */
export function timelineScenarioYaml(writes: number): string {
  const workload = Array.from({ length: writes }, (_, i) =>
    [
      `  - at: ${400 + i * 20}`,
      `    node: n${(i % 5) + 1}`,
      "    op: put",
      `    args: { key: k${i % 10}, value: ${i} }`,
    ].join("\n"),
  );
  return [
    `id: ${SCENARIO_ID}`,
    "title: A busy Raft cluster, for the timeline benchmark",
    "topic: consensus",
    "protocol: raft",
    "summary: Five Raft servers elect a leader and commit a stream of writes.",
    "objectives: [Measure how fast a timeline of a run is served.]",
    "nodes: [n1, n2, n3, n4, n5]",
    "seed: 3",
    "network: { delay: { min: 2, max: 10 } }",
    "workload:",
    ...workload,
    `limits: { maxTime: ${400 + writes * 20 + 500} }`,
    "",
  ].join("\n");
}

const NODE_FIELDS = "node up role term leader commitIndex state";
export const TIMELINE_QUERY = `query Timeline($id: ID!, $from: Int!, $to: Int!, $every: Int!) {
  run(id: $id) { timeline(fromSeq: $from, toSeq: $to, every: $every) { frames {
    seq time nodes { ${NODE_FIELDS} } network { partitions cut { from to } paused } timers { node name deadline } } } }
}`;
export const EVENTS_QUERY = `query Events($id: ID!, $first: Int!) {
  run(id: $id) { events(first: $first) { events {
    seq time node kind summary lamport vclock data message { id type from to payload } cause changes { path before after } } } }
}`;

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (body.errors !== undefined) throw new Error(`bench: the query failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function medianMs(calls: number, warmups: number, call: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmups; i++) await call();
  collectGarbage();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor((times.length - 1) / 2)] as number;
}

/**
 * (k) 100 snapshots of a 1,000-event Raft run through Run.timeline (one replay on a
 * pool thread, sliced every 10 seqs), against reading the same run's 1,000 events with
 * every field through Run.events, both over HTTP on a real server. Target: <= 3x.
 */
export async function benchTimeline(options: { calls: number; warmups: number }): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-timeline-"));
  let server: RunningServer | undefined;
  try {
    const scenariosDir = join(dir, "scenarios");
    mkdirSync(join(scenariosDir, "consensus"), { recursive: true });
    writeFileSync(join(scenariosDir, "consensus", `${SCENARIO_ID}.yaml`), timelineScenarioYaml(20));
    // The row measures speed, not the limits (100 frames with every field cost about 20,000 points, the default ceiling).
    server = await createServer({
      port: 0,
      dbPath: join(dir, "bench.db"),
      scenariosDir,
      limits: BENCH_LIMITS,
    });
    const url = server.url;
    const started = (await post(url, `mutation { startRun(scenarioId: "${SCENARIO_ID}") { id eventCount } }`, {})) as {
      startRun: { id: string; eventCount: number };
    };
    const { id, eventCount } = started.startRun;
    if (eventCount < TIMELINE_EVENTS)
      throw new Error(`bench: the run has ${eventCount} events, fewer than ${TIMELINE_EVENTS}`);
    const every = TIMELINE_EVENTS / TIMELINE_FRAMES;
    const timeline = await medianMs(options.calls, options.warmups, async () => {
      const data = (await post(url, TIMELINE_QUERY, { id, from: every - 1, to: TIMELINE_EVENTS - 1, every })) as {
        run: { timeline: { frames: unknown[] } };
      };
      if (data.run.timeline.frames.length !== TIMELINE_FRAMES)
        throw new Error("bench: a timeline had the wrong frames");
    });
    const events = await medianMs(options.calls, options.warmups, async () => {
      const data = (await post(url, EVENTS_QUERY, { id, first: TIMELINE_EVENTS })) as {
        run: { events: { events: unknown[] } };
      };
      if (data.run.events.events.length !== TIMELINE_EVENTS) throw new Error("bench: a page had the wrong events");
    });
    const ratio = timeline / events;
    return [
      {
        name: "timeline 100 snapshots",
        ours: `${timeline.toFixed(1)} ms`,
        ceiling: `${events.toFixed(1)} ms`,
        ratio,
        target: "ours/ceiling <= 3",
        ok: ratio <= 3,
        note:
          `Run.timeline(fromSeq: ${every - 1}, toSeq: ${TIMELINE_EVENTS - 1}, every: ${every}) of a ${eventCount}-event Raft run over HTTP ` +
          `(one replay on a pool thread, ${TIMELINE_FRAMES} frames of nodes, network and timers), beside reading its ` +
          `first ${TIMELINE_EVENTS} events with every field (typed ones included) through Run.events; medians of ${options.calls} calls.`,
      },
    ];
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
