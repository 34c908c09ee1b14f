import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { createServer, type RunningServer } from "../../src/api/server";
import { openDatabase } from "../../src/store/database";
import { query } from "./client";

// Run.linearizability and Run.serializability are computed once, when the run completes,
// in the worker that ran it, and stored in the runs table (migration 4); they survive a
// restart because they are read back, not recomputed. A real server on a real SQLite
// file, restarted on the same file.

const scenariosDir = join(projectRoot, "scenarios");
let dir = "";
let dbPath = "";
let server: RunningServer | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "faultline-verdicts-"));
  dbPath = join(dir, "faultline.db");
  server = await createServer({ port: 0, dbPath, scenariosDir });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function url(): string {
  if (server === undefined) throw new Error("the server is used before before() ran");
  return server.url;
}

async function restart(): Promise<void> {
  await server?.close();
  server = await createServer({ port: 0, dbPath, scenariosDir });
}

const VERDICTS = `
  linearizability { verdict operations failedOp prefix explanation }
  serializability { verdict transactions anomalies { type cycle explanation } }`;

interface Verdicts {
  linearizability: {
    verdict: string;
    operations: number;
    failedOp: number | null;
    prefix: number[] | null;
    explanation: string;
  } | null;
  serializability: {
    verdict: string;
    transactions: number;
    anomalies: { type: string; cycle: number[]; explanation: string }[];
  } | null;
}

async function startRun(scenarioId: string): Promise<{ id: string } & Verdicts> {
  const data = await query<{ startRun: { id: string } & Verdicts }>(
    url(),
    `mutation ($id: ID!) { startRun(scenarioId: $id) { id ${VERDICTS} } }`,
    { id: scenarioId },
  );
  return data.startRun;
}

async function verdictsOf(runId: string): Promise<Verdicts> {
  const data = await query<{ run: Verdicts }>(url(), `query ($id: ID!) { run(id: $id) { ${VERDICTS} } }`, {
    id: runId,
  });
  return data.run;
}

/** The stored columns, read straight from the database file. */
function storedColumns(runId: string): { linearizability: string | null; serializability: string | null } {
  const db = openDatabase(dbPath);
  try {
    return db.prepare("SELECT linearizability, serializability FROM runs WHERE id = ?").get(runId) as {
      linearizability: string | null;
      serializability: string | null;
    };
  } finally {
    db.close();
  }
}

function writeColumns(runId: string, linearizability: string | null, serializability: string | null): void {
  const db = openDatabase(dbPath);
  try {
    db.prepare("UPDATE runs SET linearizability = ?, serializability = ? WHERE id = ?").run(
      linearizability,
      serializability,
      runId,
    );
  } finally {
    db.close();
  }
}

const runs: Record<string, string> = {};

test("a stale read (raft-stale-read) is NOT_LINEARIZABLE, stored when the run completed; it has no transactions", async () => {
  const run = await startRun("raft-stale-read");
  runs["stale"] = run.id;
  // Stored by the worker in the transaction that completed the run, before any request asked for it.
  const stored = storedColumns(run.id);
  assert.equal(JSON.parse(stored.linearizability ?? "undefined").verdict, "NOT_LINEARIZABLE");
  assert.equal(stored.serializability, "null", "computed: no transactions (JSON null, not SQL NULL)");
  assert.equal(run.linearizability?.verdict, "NOT_LINEARIZABLE");
  // Workload order: put x=1, put x=2, local get, ReadIndex get at n1, ReadIndex get at n3; the local read fails.
  assert.equal(run.linearizability?.failedOp, 2);
  assert.equal(run.serializability, null);
});

test("write skew under snapshot isolation is NOT_SERIALIZABLE: G2_ITEM names the two doctors' transactions", async () => {
  const run = await startRun("isolation-write-skew");
  runs["skew"] = run.id;
  assert.equal(run.linearizability, null, "the isolation store has no client register operations");
  const verdict = run.serializability;
  assert.equal(verdict?.verdict, "NOT_SERIALIZABLE");
  const g2 = verdict?.anomalies.filter((anomaly) => anomaly.type === "G2_ITEM") ?? [];
  assert.equal(g2.length, 1, JSON.stringify(verdict));
  // T0 is the setup transaction (the initial values); T1 and T2 are the two doctors' transactions.
  assert.deepEqual([...g2[0]!.cycle].sort(), [1, 2]);
  assert.notEqual(storedColumns(run.id).serializability, null);
});

test("the same workload under serializable isolation is SERIALIZABLE", async () => {
  const run = await startRun("isolation-serializable-prevents-write-skew");
  runs["serializable"] = run.id;
  assert.equal(run.serializability?.verdict, "SERIALIZABLE");
  assert.deepEqual(run.serializability?.anomalies, []);
  assert.ok((run.serializability?.transactions ?? 0) >= 3);
});

test("after a restart the verdicts are read from the store, not recomputed", async () => {
  const before = await verdictsOf(runs["stale"]!);
  // A marker no checker would write: if the restarted server recomputed, it would be gone.
  const stored = JSON.parse(storedColumns(runs["stale"]!).linearizability ?? "null") as Record<string, unknown>;
  const marked = { ...stored, explanation: "stored-marker" };
  writeColumns(runs["stale"]!, JSON.stringify(marked), "null");
  await restart();
  const afterRestart = await verdictsOf(runs["stale"]!);
  assert.equal(afterRestart.linearizability?.explanation, "stored-marker");
  assert.equal(afterRestart.linearizability?.verdict, before.linearizability?.verdict);
  assert.deepEqual(afterRestart.linearizability?.prefix, before.linearizability?.prefix);
  const skew = await verdictsOf(runs["skew"]!);
  assert.equal(skew.serializability?.verdict, "NOT_SERIALIZABLE");
});

test("a run stored without verdicts (before migration 4) gets them computed once and stored, even when asked twice at once", async () => {
  const expected = await verdictsOf(runs["skew"]!);
  writeColumns(runs["skew"]!, null, null);
  const [first, second] = await Promise.all([verdictsOf(runs["skew"]!), verdictsOf(runs["skew"]!)]);
  assert.deepEqual(first, expected);
  assert.deepEqual(second, expected);
  const stored = storedColumns(runs["skew"]!);
  assert.equal(stored.linearizability, "null");
  assert.equal(JSON.parse(stored.serializability ?? "null").verdict, "NOT_SERIALIZABLE");
});
