import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database";
import {
  applyRetention,
  MIGRATIONS,
  migrate,
  openStore,
  toEventRow,
  vacuum,
  type EventRow,
  type Store,
} from "../../src/store";
import type { DiskStore } from "../../src/store/contract";
import { SqliteStore } from "../../src/store/sqlite";

// Issue 13, disk: sources stored once, deleting runs, retention, reclaiming FAILED traces, vacuum.

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-disk-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SOURCE = "id: echo-demo\ntitle: Echo\n";

function rows(n: number): EventRow[] {
  return Array.from({ length: n }, (_, seq) =>
    toEventRow({
      seq,
      time: seq,
      node: "a",
      kind: "NOTE",
      summary: `event ${seq}.`,
      lamport: seq + 1,
      vclock: { a: seq + 1 },
      data: { n: seq, padding: "x".repeat(200) },
    }),
  );
}

function openTemp(t: { after(fn: () => void): void }): Store {
  const { store } = openStore(join(tempDir(t), "disk.db"));
  t.after(() => store.close());
  store.scenarios.upsertAll([
    { id: "echo-demo", title: "Echo", topic: "transactions", protocol: "echo", source: SOURCE },
    { id: "other", title: "Other", topic: "transactions", protocol: "echo", source: "id: other\n" },
  ]);
  return store;
}

/** The store's disk tables through the asynchronous contract, which retention and vacuum take. */
function diskOf(store: Store): DiskStore {
  return new SqliteStore(store, store.db.name).disk;
}

function addRun(
  store: Store,
  id: string,
  options: {
    scenarioId?: string;
    source?: string;
    events?: number;
    createdAt?: string;
    finish?: "COMPLETED" | "FAILED";
  } = {},
): void {
  store.runs.insert({
    id,
    scenarioId: options.scenarioId ?? "echo-demo",
    seed: 7,
    pace: null,
    scenarioSource: options.source ?? SOURCE,
    scenarioFile: "transactions/echo-demo.yaml",
    createdAt: options.createdAt ?? new Date().toISOString(),
  });
  const count = options.events ?? 3;
  const finish = options.finish ?? "COMPLETED";
  if (finish === "COMPLETED") {
    store.completeRun(id, 0, rows(count), [{ invariant: "I", seq: 0, message: "m" }], {
      eventCount: count,
      traceHash: "c".repeat(64),
      stopReason: "quiescent",
      finalNodes: "[]",
      finishedAt: options.createdAt ?? new Date().toISOString(),
    });
  } else {
    store.appendEvents(id, 0, rows(count));
    store.runs.fail(id, "boom (reproduce with seed=7)", options.createdAt ?? new Date().toISOString());
  }
}

/** A submission whose feedback links to runId (the shape grading stores). */
function addSubmission(store: Store, runId: string): string {
  const student = store.grading.createStudent("Ada");
  const assignment = store.grading.createAssignment("A1", "{}");
  const stored = store.grading.insertSubmission(
    {
      assignmentId: assignment.id,
      studentId: student.id,
      seeds: "{}",
      answers: "{}",
      score: 1,
      maxScore: 1,
      feedback: JSON.stringify([
        { questionId: "q1", runId },
        { questionId: "q2", runId: null },
      ]),
    },
    null,
  );
  assert.notEqual(stored, "attempts-used");
  return (stored as { id: string }).id;
}

test("a scenario source is stored once however many runs use it, and goes when its last run goes", (t) => {
  const store = openTemp(t);
  for (const id of ["r1", "r2", "r3"]) addRun(store, id);
  addRun(store, "r4", { source: "id: echo-demo\ntitle: Echo, edited\n" });
  assert.equal(store.disk.stats().sources, 2);
  assert.equal(store.runs.source("r2")?.scenarioSource, SOURCE);
  assert.equal(store.disk.deleteRun("r4"), "deleted");
  assert.equal(store.disk.stats().sources, 1, "a source no run names is deleted with its last run");
  assert.equal(store.disk.deleteRun("r1"), "deleted");
  assert.equal(store.runs.source("r2")?.scenarioSource, SOURCE, "a source other runs name stays");
});

test("deleteRun deletes a finished run with its events and violations, never a RUNNING or linked one", (t) => {
  const store = openTemp(t);
  addRun(store, "done", { events: 10 });
  addRun(store, "linked");
  store.runs.insert({
    id: "live",
    scenarioId: "echo-demo",
    seed: 1,
    pace: 5,
    scenarioSource: SOURCE,
    scenarioFile: "transactions/echo-demo.yaml",
    createdAt: new Date().toISOString(),
  });
  const submission = addSubmission(store, "linked");
  assert.equal(store.disk.linkedSubmissions("linked"), 1, "the trigger records the submission's link");

  assert.equal(store.disk.deleteRun("nope"), "not-found");
  assert.equal(store.disk.deleteRun("live"), "running");
  assert.equal(store.disk.deleteRun("linked"), "linked");
  assert.equal(store.disk.deleteRun("done"), "deleted");
  assert.equal(store.runs.get("done"), undefined);
  assert.equal(store.events.count("done"), 0);
  assert.deepEqual(store.violations.list("done"), []);
  assert.equal(store.runs.get("linked")?.status, "COMPLETED");
  assert.equal(store.runs.get("live")?.status, "RUNNING");
  assert.throws(
    () => store.db.prepare("DELETE FROM runs WHERE id = 'linked'").run(),
    /FOREIGN KEY/,
    "the database itself refuses to delete a run a submission links to",
  );
  assert.ok(store.grading.submission(submission) !== undefined);
});

test("retention keeps the newest N runs per scenario, runs younger than D days, linked and owned runs", async (t) => {
  const store = openTemp(t);
  const now = new Date("2026-11-27T12:00:00.000Z");
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  for (let i = 0; i < 6; i++) addRun(store, `echo-${i}`, { createdAt: daysAgo(10 - i) }); // echo-5 is newest
  addRun(store, "other-0", { scenarioId: "other", createdAt: daysAgo(30) });
  addSubmission(store, "echo-0");
  const student = store.grading.createStudent("Grace");
  store.grading.setRunOwner("echo-1", student.id);

  const none = await applyRetention(diskOf(store), { failedTraceMinutes: 60 }, now);
  assert.equal(none.runsDeleted, 0, "with no rule set nothing is deleted");

  const byCount = await applyRetention(diskOf(store), { keepRunsPerScenario: 2, failedTraceMinutes: 60 }, now);
  assert.equal(byCount.runsDeleted, 2, "echo-2 and echo-3 go; echo-0 is linked, echo-1 owned, echo-4/5 newest");
  assert.equal(byCount.eventsDeleted, 6);
  const left = () => store.db.prepare("SELECT id FROM runs ORDER BY id").pluck().all() as string[];
  assert.deepEqual(left(), ["echo-0", "echo-1", "echo-4", "echo-5", "other-0"]);

  const both = await applyRetention(
    diskOf(store),
    { keepRunsPerScenario: 1, keepRunsDays: 6.5, failedTraceMinutes: 60 },
    now,
  );
  assert.equal(both.runsDeleted, 0, "echo-4 is not among the newest 1 but is younger than 6.5 days: kept");
  const byAge = await applyRetention(diskOf(store), { keepRunsDays: 6.5, failedTraceMinutes: 60 }, now);
  assert.equal(byAge.runsDeleted, 1, "other-0 (30 days old) goes; echo-4 (6 days) is younger: kept");
  assert.deepEqual(left(), ["echo-0", "echo-1", "echo-4", "echo-5"]);
});

test("a FAILED run's partial trace is reclaimed after the grace; the run keeps its error and seed", async (t) => {
  const store = openTemp(t);
  const now = new Date("2026-11-27T12:00:00.000Z");
  addRun(store, "old-failure", { finish: "FAILED", events: 50, createdAt: "2026-11-27T10:00:00.000Z" });
  addRun(store, "new-failure", { finish: "FAILED", events: 20, createdAt: "2026-11-27T11:59:00.000Z" });
  const report = await applyRetention(diskOf(store), { failedTraceMinutes: 60 }, now);
  assert.deepEqual(report, { runsDeleted: 0, tracesReclaimed: 1, eventsDeleted: 50, sourcesDeleted: 0 });
  const run = store.runs.get("old-failure");
  assert.equal(run?.status, "FAILED");
  assert.equal(run?.seed, 7);
  assert.equal(run?.error, "boom (reproduce with seed=7)");
  assert.equal(run?.eventCount, 0);
  assert.equal(store.events.count("old-failure"), 0);
  assert.equal(store.events.count("new-failure"), 20, "a failure younger than the grace keeps its trace");
});

test("opening the store fails interrupted runs and reclaims their partial traces at once", (t) => {
  const dbPath = join(tempDir(t), "interrupted.db");
  {
    const { store } = openStore(dbPath);
    store.scenarios.upsertAll([
      { id: "echo-demo", title: "Echo", topic: "transactions", protocol: "echo", source: SOURCE },
    ]);
    addRun(store, "complete", { events: 5 });
    store.runs.insert({
      id: "half",
      scenarioId: "echo-demo",
      seed: 9,
      pace: null,
      scenarioSource: SOURCE,
      scenarioFile: "transactions/echo-demo.yaml",
      createdAt: new Date().toISOString(),
    });
    store.appendEvents("half", 0, rows(100));
    store.close();
  }
  const { store, interruptedRuns, reclaimedEvents } = openStore(dbPath);
  t.after(() => store.close());
  assert.equal(interruptedRuns, 1);
  assert.equal(reclaimedEvents, 100);
  assert.equal(store.runs.get("half")?.status, "FAILED");
  assert.match(store.runs.get("half")?.error ?? "", /seed=9/);
  assert.equal(store.events.count("half"), 0);
  assert.equal(store.events.count("complete"), 5);
});

test("migration 4 moves every run's source into sources and keeps every trace; old submissions' links count", (t) => {
  const dbPath = join(tempDir(t), "v3.db");
  const db = openDatabase(dbPath);
  migrate(db, MIGRATIONS.slice(0, 3));
  db.prepare(
    "INSERT INTO scenarios (id, title, topic, protocol, source, content_hash, loaded_at) VALUES ('s', 'S', 'transactions', 'echo', ?, ?, 'then')",
  ).run(SOURCE, "0".repeat(64));
  const insertRun = db.prepare(
    `INSERT INTO runs (id, scenario_id, seed, status, event_count, trace_hash, stop_reason, created_at, finished_at, scenario_source)
     VALUES (?, 's', 3, 'COMPLETED', 2, ?, 'quiescent', 'then', 'then', ?)`,
  );
  insertRun.run("a", "a".repeat(64), SOURCE);
  insertRun.run("b", "b".repeat(64), SOURCE);
  insertRun.run("c", "c".repeat(64), "id: s\ntitle: changed\n");
  const insertEvent = db.prepare(
    "INSERT INTO events (run_id, seq, time, node, kind, summary, lamport, vclock, data) VALUES (?, ?, 0, 'n', 'NOTE', 'x.', 1, '{}', NULL)",
  );
  for (const id of ["a", "b", "c"]) for (const seq of [0, 1]) insertEvent.run(id, seq);
  db.prepare("INSERT INTO students (id, name, created_at) VALUES ('st', 'Ada', 'then')").run();
  db.prepare("INSERT INTO assignments (id, title, settings, created_at) VALUES ('as', 'A', '{}', 'then')").run();
  db.prepare(
    `INSERT INTO submissions (id, assignment_id, student_id, created_at, seeds, answers, score, max_score, feedback)
     VALUES ('sub', 'as', 'st', 'then', '{}', '{}', 1, 1, ?)`,
  ).run(JSON.stringify([{ runId: "b" }, { runId: "gone" }, { runId: null }]));
  const before = db.prepare("SELECT * FROM events ORDER BY run_id, seq").all();
  db.close();

  const { store } = openStore(dbPath);
  t.after(() => store.close());
  assert.deepEqual(store.db.prepare("SELECT * FROM events ORDER BY run_id, seq").all(), before);
  assert.equal(store.disk.stats().sources, 2);
  assert.equal(store.runs.source("a")?.scenarioSource, SOURCE);
  assert.equal(store.runs.source("c")?.scenarioSource, "id: s\ntitle: changed\n");
  assert.equal(store.runs.get("b")?.traceHash, "b".repeat(64));
  assert.equal(store.disk.deleteRun("b"), "linked", "a submission stored before the migration still protects its run");
  assert.deepEqual(store.db.pragma("foreign_key_check"), []);
});

test("db stats counts each table group; vacuum applies retention and gives free pages back", async (t) => {
  const store = openTemp(t);
  for (let i = 0; i < 4; i++) addRun(store, `run-${i}`, { events: 2_000 });
  const full = store.disk.stats();
  assert.equal(full.runs, 4);
  assert.equal(full.events, 8_000);
  assert.equal(full.violations, 4);
  assert.equal(full.sources, 1);
  assert.equal(full.sourceBytes, Buffer.byteLength(SOURCE));
  const report = await vacuum(diskOf(store), { keepRunsPerScenario: 1, failedTraceMinutes: 60 }, new Date());
  assert.equal(report.runsDeleted, 3);
  assert.equal(report.eventsDeleted, 6_000);
  assert.ok(report.bytesAfter < report.bytesBefore / 2, `${report.bytesAfter} < ${report.bytesBefore} / 2`);
  const after = store.disk.stats();
  assert.equal(after.events, 2_000);
  assert.equal(after.freeBytes, 0);
  assert.equal(store.db.pragma("integrity_check", { simple: true }), "ok");
});

test("a run that forks name as their parent is not deleted, nor let go by retention, until its forks are gone", (t) => {
  const store = openTemp(t);
  addRun(store, "parent", { createdAt: "2020-01-01T00:00:00.000Z" });
  store.runs.insert({
    id: "fork",
    scenarioId: "echo-demo",
    seed: 7,
    pace: null,
    scenarioSource: SOURCE,
    scenarioFile: "transactions/echo-demo.yaml",
    createdAt: "2020-01-02T00:00:00.000Z",
    schedule: "[]",
    parentId: "parent",
    forkedAt: 2,
  });
  store.runs.fail("fork", "cancelled (reproduce with seed=7)", "2020-01-02T00:00:00.000Z");
  assert.equal(store.disk.forks("parent"), 1);
  assert.equal(store.disk.deleteRun("parent"), "forked");
  assert.equal(store.runs.get("parent")?.status, "COMPLETED", "a refused delete deletes nothing");
  assert.deepEqual(store.disk.expiredRuns({ keepRunsDays: 1, failedTraceMinutes: 60 }, new Date(), 10), ["fork"]);
  assert.equal(store.disk.deleteRun("fork"), "deleted");
  assert.equal(store.disk.deleteRun("parent"), "deleted");
});
