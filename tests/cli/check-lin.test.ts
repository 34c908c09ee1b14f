import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// `npm run cli -- check-lin FILE.json` as a user runs it (the compiled entry point):
// exit 0 linearizable, 1 not, 2 unknown or bad input (issue 10's Contract).

const ROOT = resolve(__dirname, "..", "..", "..");
const CLI = join(ROOT, "dist", "src", "cli", "main.js");

function checkLin(history: unknown, flags: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "faultline-check-lin-"));
  try {
    const file = join(dir, "history.json");
    writeFileSync(file, typeof history === "string" ? history : JSON.stringify(history));
    const result = spawnSync(process.execPath, [CLI, "check-lin", file, ...flags], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const write = { client: 1, op: "write", args: [1], invokeIndex: 0, returnIndex: 1 };
const read = (result: number) => ({ client: 2, op: "read", args: [], result, invokeIndex: 2, returnIndex: 3 });

test("check-lin exits 0 for a linearizable history and prints the verdict", () => {
  const result = checkLin({ model: "register", initial: 0, operations: [write, read(1)] });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^verdict: +LINEARIZABLE$/m);
});

test("check-lin exits 1 for a stale read and names the operation that cannot be placed", () => {
  const result = checkLin({ model: "register", initial: 0, operations: [write, read(0)] });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stdout, /^verdict: +NOT_LINEARIZABLE$/m);
  assert.match(result.stdout, /^failed op: +1$/m);
});

test("check-lin exits 2 when the budget runs out before a verdict", () => {
  // Fourteen concurrent writes and a read of a value none wrote: many orders to rule out.
  const operations: unknown[] = [];
  for (let client = 0; client < 14; client++) {
    operations.push({ client, op: "write", args: [client + 1], invokeIndex: client, returnIndex: 100 + client });
  }
  operations.push({ client: 99, op: "read", args: [], result: 1000, invokeIndex: 50, returnIndex: 60 });
  const result = checkLin({ model: "register", initial: 0, operations }, ["--timeout", "1"]);
  assert.equal(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stdout, /^verdict: +UNKNOWN$/m);
});

test("check-lin exits 2 for bad input, naming the operation and field", () => {
  const overlapping = checkLin({
    model: "register",
    operations: [write, { ...read(1), client: 1, invokeIndex: 1 }],
  });
  assert.equal(overlapping.status, 2);
  assert.match(overlapping.stderr, /operations\[1\]\.invokeIndex/);
  const notJson = checkLin("{ model: register");
  assert.equal(notJson.status, 2);
  assert.match(notJson.stderr, /not JSON/);
  const badFlag = checkLin({ model: "register", operations: [] }, ["--timeout", "0"]);
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /--timeout/);
});
