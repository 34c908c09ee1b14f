import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
import { lossOf, totalLost } from "../../bench/load/follow";
import { COLUMNS } from "../../bench/load/report";

// `npm run load` must not rot: its SQLite mode runs for a few seconds with few clients
// (real server process, real sockets, real autocannon), loses no event and prints every
// figure of its table. The numbers themselves are the driver's business, not the test's.

const LOAD = join(projectRoot, "dist", "bench", "load.js");

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDriver(env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The table's cells by column name, for the row of `mode`. */
function rowOf(stdout: string, mode: string): Map<string, string> {
  const lines = stdout.split("\n");
  const header = lines.find((line) => line.startsWith("mode "));
  const row = lines.find((line) => line.startsWith(`${mode} `));
  assert.ok(header !== undefined && row !== undefined, stdout);
  const names = header.split(" | ").map((cell) => cell.trim());
  const cells = row.split(" | ").map((cell) => cell.trim());
  assert.deepEqual(names, [...COLUMNS]);
  assert.equal(cells.length, names.length, row);
  return new Map(names.map((name, index) => [name, cells[index] as string]));
}

test(
  "npm run load, SQLite mode for 3 s with few clients: every figure present, no event lost, exit 0",
  { timeout: 180_000 },
  async () => {
    const subscribers = 12;
    const finished = await runDriver({
      FAULTLINE_LOAD_MODES: "sqlite",
      FAULTLINE_LOAD_SECONDS: "3",
      FAULTLINE_LOAD_RUNS: "6",
      FAULTLINE_LOAD_PACED_RUNS: "3",
      FAULTLINE_LOAD_SUBSCRIBERS: String(subscribers),
      FAULTLINE_LOAD_QUERY_CONNECTIONS: "2",
      FAULTLINE_LOAD_STUDENTS: "2",
    });
    const output = `${finished.stdout}\n${finished.stderr}`;
    assert.equal(finished.code, 0, output);
    const row = rowOf(finished.stdout, "sqlite");
    for (const column of ["query p50/p99 ms", "idle p50/p99 ms", "peak RSS MB sum/max"]) {
      const parts = (row.get(column) as string).split("/").map(Number);
      assert.equal(parts.length, 2, `${column}: ${row.get(column)}`);
      assert.ok(
        parts.every((part) => Number.isFinite(part) && part > 0),
        `${column}: ${row.get(column)}`,
      );
    }
    for (const column of ["p50 ratio", "runs/s", "alone runs/s", "runs ratio", "submissions/s"]) {
      const value = Number(row.get(column));
      assert.ok(Number.isFinite(value) && value > 0, `${column}: ${row.get(column)}\n${output}`);
    }
    // At least one wave: every subscriber of every paced run, each receiving the run's events.
    assert.ok(Number(row.get("subscribers")) >= subscribers, output);
    assert.ok(Number(row.get("events delivered")) >= Number(row.get("subscribers")), output);
    assert.equal(row.get("events lost"), "0", output);
    assert.equal(row.get("errors"), "0", output);
  },
);

test("an unknown mode is refused by name before anything starts", async () => {
  const finished = await runDriver({ FAULTLINE_LOAD_MODES: "sqlite,mongo" });
  assert.equal(finished.code, 1);
  assert.match(finished.stderr, /FAULTLINE_LOAD_MODES/);
  assert.match(finished.stderr, /mongo/);
});

test("lossOf counts missing, repeated or out-of-order, and never-stored seqs", () => {
  const stored = [0, 1, 2, 3, 4];
  const none = { missing: 0, outOfOrder: 0, unexpected: 0, missingSeqs: [] };
  assert.deepEqual(lossOf(stored, [0, 1, 2, 3, 4]), none);
  assert.deepEqual(lossOf(stored, [0, 1, 3, 4]), { ...none, missing: 1, missingSeqs: [2] });
  assert.deepEqual(lossOf(stored, [0, 2, 1, 3, 4]), { ...none, outOfOrder: 1 });
  assert.deepEqual(lossOf(stored, [0, 1, 1, 2, 3, 4]), { ...none, outOfOrder: 1 });
  assert.deepEqual(lossOf(stored, [0, 1, 2, 3, 4, 5]), { ...none, unexpected: 1 });
  assert.equal(totalLost(lossOf(stored, [])), 5);
  const long = Array.from({ length: 100 }, (_, seq) => seq);
  assert.deepEqual(lossOf(long, []).missingSeqs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
