import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { projectRoot } from "../../src/api/paths";
import { hashEvents } from "../../src/sim/world";
import type { TraceEvent } from "../../src/sim/types";
import { openDatabase } from "../../src/store/database";
import { Store } from "../../src/store";
import { post } from "../api/client";

// Issue 13: a real server process is killed with SIGKILL while it persists a large run,
// then started again on the same file. Every completed run must be intact (the same
// trace hash, recomputed from its stored events), the interrupted run FAILED with its
// seed and its partial trace reclaimed, and SQLite's integrity_check must say ok.

const MAIN = join(projectRoot, "dist", "src", "api", "main.js");
/** How many trace rows of the large run must be stored before the kill: it dies mid-persist, not before. */
const KILL_AFTER_ROWS = 10_000;

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** Starts `node dist/src/api/main.js` (what `npm start` runs) on port 0 and waits for the URL it prints. */
async function startServer(dbPath: string, scenariosDir: string): Promise<Server> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: "0", DB_PATH: dbPath, SCENARIOS_DIR: scenariosDir, FAULTLINE_RUN_WORKERS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  for (let waited = 0; waited < 120_000; waited += 50) {
    const match = /GraphQL API and IDE at (http:\/\/\S+)/.exec(output);
    if (match !== null) return { child, url: match[1] as string, output: () => output };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`the server did not start:\n${output}`);
}

async function stopServer(server: Server, signal: NodeJS.Signals): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.kill(signal);
  await exited;
}

/** A scenarios dir with a small Raft scenario and a large one: heartbeats forever, stopped by maxEvents. */
function scenariosDir(root: string): string {
  const dir = join(root, "scenarios");
  mkdirSync(join(dir, "consensus"), { recursive: true });
  const source = readFileSync(join(projectRoot, "scenarios", "consensus", "raft-leader-election.yaml"), "utf8");
  writeFileSync(join(dir, "consensus", "raft-leader-election.yaml"), source);
  const large = source
    .replace("id: raft-leader-election", "id: raft-long")
    .replace("limits: { maxTime: 1000 }", "limits: { maxTime: 100000000, maxEvents: 1000000 }");
  assert.notEqual(large, source);
  writeFileSync(join(dir, "consensus", "raft-long.yaml"), large);
  return dir;
}

function storedTraceHash(store: Store, runId: string): string {
  const events: TraceEvent[] = [];
  for (let from = 0; ;) {
    const page = store.events.range(runId, from, 10_000);
    events.push(...page);
    if (page.length < 10_000) break;
    from = (page[page.length - 1] as TraceEvent).seq + 1;
  }
  return hashEvents(events);
}

test("kill -9 mid-persist: completed runs intact, the interrupted run FAILED and reclaimed, integrity ok", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "faultline-kill-nine-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dbPath = join(root, "faultline.db");
  const dir = scenariosDir(root);

  const first = await startServer(dbPath, dir);
  t.after(() => stopServer(first, "SIGKILL"));
  const completed = new Map<string, string>();
  for (const seed of [1, 2, 3]) {
    const answer = await post<{ startRun: { id: string; status: string; traceHash: string } }>(
      first.url,
      `mutation($seed: Int) { startRun(scenarioId: "raft-leader-election", seed: $seed) { id status traceHash } }`,
      { seed },
    );
    assert.equal(answer.data?.startRun.status, "COMPLETED", JSON.stringify(answer));
    completed.set(answer.data?.startRun.id as string, answer.data?.startRun.traceHash as string);
  }

  // The large run: its startRun answers only when it ends, which it never will.
  void post(first.url, `mutation { startRun(scenarioId: "raft-long", seed: 9) { id } }`).catch(() => undefined);
  const reader = openDatabase(dbPath);
  let interrupted: { id: string; event_count: number } | undefined;
  try {
    for (let waited = 0; waited < 60_000; waited += 10) {
      interrupted = reader
        .prepare("SELECT id, event_count FROM runs WHERE scenario_id = 'raft-long' AND status = 'RUNNING'")
        .get() as { id: string; event_count: number } | undefined;
      if (interrupted !== undefined && interrupted.event_count >= KILL_AFTER_ROWS) break;
      await sleep(10);
    }
  } finally {
    reader.close();
  }
  assert.ok(interrupted !== undefined && interrupted.event_count >= KILL_AFTER_ROWS, first.output());
  await stopServer(first, "SIGKILL");
  assert.equal(first.child.signalCode, "SIGKILL");

  const second = await startServer(dbPath, dir);
  try {
    assert.match(
      second.output(),
      /1 run was still RUNNING when the last server stopped; marked FAILED, and its partial trace \(\d+ events\) deleted/,
    );
    const answer = await post<{ run: { status: string; error: string; eventCount: number; seed: number } }>(
      second.url,
      `query($id: ID!) { run(id: $id) { status error eventCount seed } }`,
      { id: interrupted.id },
    );
    assert.equal(answer.data?.run.status, "FAILED");
    assert.equal(answer.data?.run.seed, 9);
    assert.match(answer.data?.run.error ?? "", /interrupted.*seed=9/);
    assert.equal(answer.data?.run.eventCount, 0, "its partial trace is reclaimed");
  } finally {
    await stopServer(second, "SIGTERM");
  }

  const store = new Store(openDatabase(dbPath));
  try {
    assert.equal(store.db.pragma("integrity_check", { simple: true }), "ok");
    assert.deepEqual(store.db.pragma("foreign_key_check"), []);
    assert.equal(store.events.count(interrupted.id), 0);
    for (const [runId, traceHash] of completed) {
      const run = store.runs.get(runId);
      assert.equal(run?.status, "COMPLETED");
      assert.equal(run?.traceHash, traceHash);
      assert.equal(
        storedTraceHash(store, runId),
        traceHash,
        `run ${runId}'s stored events still hash to its trace hash`,
      );
    }
  } finally {
    store.close();
  }
});
