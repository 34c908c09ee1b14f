import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { projectRoot } from "../src/api/paths";
import { BENCH_LIMITS } from "./server-limits";
import { createServer, type RunningServer } from "../src/api/server";
import {
  checkScenarioQuestions,
  defaultGradingThreads,
  performGradingTask,
  scenarioParser,
  type GradeTask,
} from "../src/grading";
import { loadScenarioDirectory } from "../src/scenarios/catalog";
import type { Json } from "../src/sim/json";
import { openStore, type Store } from "../src/store";
import { SqliteStore } from "../src/store/sqlite";
import type { BenchRow } from "./measure";

/**
 * (h) Grading under load: `students` students submit at once over real HTTP to one
 * assignment of 2pc-coordinator-crash with personal seeds (its five answer questions
 * and its schedule challenge each): submissions graded per second, and the p99 of a
 * submit. Ceiling: the same answers on the same seeds graded in-process, one after
 * another (keys, the schedule's run, both stored), times the grading pool's threads.
 */

const SCENARIO_ID = "2pc-coordinator-crash";
const SCENARIOS_DIR = join(projectRoot, "scenarios");
const ANSWERS: { questionId: string; value: Json }[] = [
  { questionId: `${SCENARIO_ID}/crash-seq`, value: 20 },
  { questionId: `${SCENARIO_ID}/who-crashed`, value: "coord" },
  { questionId: `${SCENARIO_ID}/down-after-crash`, value: ["coord"] },
  { questionId: `${SCENARIO_ID}/lost-requests`, value: 3 },
  { questionId: `${SCENARIO_ID}/atomicity`, value: "no" },
  {
    questionId: `${SCENARIO_ID}/keep-them-waiting`,
    value: [
      { when: { event: { kind: "DELIVER", to: "coord", message: "VOTE_YES", count: 3 } }, do: "crash", node: "coord" },
      { at: 700, do: "recover", node: "coord" },
    ],
  },
];
const SUBMIT = `mutation($id: ID!, $answers: [AnswerInput!]!) { submitAnswers(assignmentId: $id, answers: $answers) { score seeds } }`;

export interface GradingBenchOptions {
  /** Students submitting at once. */
  readonly students: number;
  /** Of those submissions, how many are graded again in-process for the ceiling (the median counts). */
  readonly ceilingSamples: number;
}

export async function benchGrading(options: GradingBenchOptions): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-grading-"));
  const dbPath = join(dir, "bench.db");
  let server: RunningServer | undefined;
  let ceilingStore: Store | undefined;
  try {
    server = await createServer({ port: 0, dbPath, scenariosDir: SCENARIOS_DIR, limits: BENCH_LIMITS });
    const url = server.url;
    const instructor = withStore(dbPath, (store) => store.grading.createToken("instructor", null));
    const assignment = await call<{ createAssignment: { id: string } }>(
      url,
      instructor,
      `mutation {
      createAssignment(input: { title: "bench", scenarioIds: ["${SCENARIO_ID}"], personalSeeds: true }) { id } }`,
    );
    const tokens: string[] = [];
    for (let i = 0; i < options.students; i++) {
      const created = await call<{ createStudent: { token: string } }>(
        url,
        instructor,
        `mutation { createStudent(name: "student ${i}") { token } }`,
      );
      tokens.push(created.createStudent.token);
    }

    // Warm-up: one submission per grading thread (threads start on demand and load the code once).
    const threads = Number(process.env["FAULTLINE_GRADING_WORKERS"] ?? "") || defaultGradingThreads();
    await Promise.all(
      Array.from({ length: threads }, async (_, i) => {
        const warm = await call<{ createStudent: { token: string } }>(
          url,
          instructor,
          `mutation { createStudent(name: "warm-up ${i}") { token } }`,
        );
        await call(url, warm.createStudent.token, SUBMIT, { id: assignment.createAssignment.id, answers: ANSWERS });
      }),
    );

    // Ours: every student submits at once.
    const latencies: number[] = [];
    const began = performance.now();
    const submitted = await Promise.all(
      tokens.map(async (token) => {
        const started = performance.now();
        const data = await call<{ submitAnswers: { seeds: Record<string, number> } }>(url, token, SUBMIT, {
          id: assignment.createAssignment.id,
          answers: ANSWERS,
        });
        latencies.push(performance.now() - started);
        return data.submitAnswers.seeds[SCENARIO_ID] as number;
      }),
    );
    const wallMs = performance.now() - began;
    const oursPerSecond = (options.students / wallMs) * 1000;
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 0.99);

    // Ceiling: the same answers on the same seeds, graded in-process one after another.
    const scenario = loadScenarioDirectory(SCENARIOS_DIR).scenarios.find((one) => one.id === SCENARIO_ID);
    if (scenario === undefined) throw new Error(`bench: no scenario ${SCENARIO_ID}`);
    const questions = checkScenarioQuestions(scenario).questions;
    const ceilingPath = join(dir, "ceiling.db");
    ceilingStore = openStore(ceilingPath).store;
    ceilingStore.scenarios.upsertAll([
      { id: scenario.id, title: scenario.title, topic: scenario.topic, protocol: scenario.protocol, source: "" },
    ]);
    const student = ceilingStore.grading.createStudent("ceiling").id;
    const parse = scenarioParser();
    const store = new SqliteStore(ceilingStore, ceilingPath);
    // One after another, as the ceiling says: each sample is one grading with nothing beside it.
    const samples: number[] = [];
    for (const seed of submitted.slice(0, options.ceilingSamples)) {
      const task: GradeTask = {
        kind: "grade",
        studentId: student,
        items: [{ source: scenario.source, file: scenario.file, seed, questions }],
        answers: ANSWERS,
      };
      const started = performance.now();
      await performGradingTask(task, store, parse);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const oneMs = percentile(samples, 0.5);
    const ceilingPerSecond = (1000 / oneMs) * threads;
    const ratio = oursPerSecond / ceilingPerSecond;
    // The 99th submission to finish cannot finish before 99% of the work, shared by the threads, is done.
    const ceilingP99 = (Math.ceil(options.students * 0.99) * oneMs) / threads;
    const p99Ratio = p99 / ceilingP99;

    const env = `load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`;
    return [
      {
        name: `grading, ${options.students} students at once`,
        ours: `${oursPerSecond.toFixed(1)} subs/s`,
        ceiling: `${ceilingPerSecond.toFixed(1)} subs/s`,
        ratio,
        target: "ours/ceiling >= 0.5",
        ok: ratio >= 0.5,
        note:
          `${options.students} submitAnswers over HTTP at once after one warm-up per thread (6 answers each, one a schedule challenge; personal ` +
          `seeds), all graded in ${wallMs.toFixed(0)} ms; ceiling: the same answers on the same seeds graded ` +
          `in-process (keys, the schedule's run, both stored), median ${oneMs.toFixed(1)} ms of ` +
          `${samples.length}, times the ${threads} grading thread${threads === 1 ? "" : "s"}; ${env}`,
      },
      {
        name: `grading submit p99, ${options.students} at once`,
        ours: `${p99.toFixed(0)} ms`,
        ceiling: `${ceilingP99.toFixed(0)} ms`,
        ratio: p99Ratio,
        target: "ours/ceiling <= 2",
        ok: p99Ratio <= 2,
        note:
          `p99 of the ${options.students} submits above (p50 ${percentile(latencies, 0.5).toFixed(0)} ms); ` +
          `ceiling: 99% of the submissions' in-process grading shared by the ${threads} threads, the least time ` +
          `the 99th can wait; ${env}`,
      },
    ];
  } finally {
    ceilingStore?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function withStore<T>(dbPath: string, body: (store: Store) => T): T {
  const { store } = openStore(dbPath);
  try {
    return body(store);
  } finally {
    store.close();
  }
}

async function call<Data>(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown };
  if (body.errors !== undefined || body.data === undefined) throw new Error(`bench: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}
