import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after } from "node:test";
import { elleLikePlans, executeSerially } from "../../bench/serializability-workload";
import * as H from "../checkers/serializability-histories";

/** `npm run cli -- check-ser FILE.json` as a user runs it: the compiled entry point, its output and exit code. */

const ROOT = resolve(__dirname, "..", "..", "..");
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "faultline-check-ser-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function checkSer(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, "check-ser", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("exit 0 and SERIALIZABLE for a serializable history", () => {
  const run = checkSer(file("ok.json", H.SERIALIZABLE));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^SERIALIZABLE/);
});

test("exit 1 for write skew, printing G2_ITEM with its transactions; --json gives the same as data", () => {
  const path = file("g2.json", H.G2_ITEM);
  const run = checkSer(path);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /^NOT SERIALIZABLE/);
  assert.match(run.stdout, /^G2_ITEM {2}T\d, T\d$/m);
  const json = checkSer(path, "--json");
  assert.equal(json.status, 1);
  const result = JSON.parse(json.stdout) as { verdict: string; anomalies: { type: string; cycle: number[] }[] };
  assert.equal(result.verdict, "NOT_SERIALIZABLE");
  assert.deepEqual(
    result.anomalies.map((anomaly) => [anomaly.type, [...anomaly.cycle].sort()]),
    [["G2_ITEM", [0, 1]]],
  );
});

test("exit 2 when the budget runs out before the answer is certain (UNKNOWN)", () => {
  const history = executeSerially("list-append", elleLikePlans(5_000, 1));
  const run = checkSer(file("big.json", history), "--timeout-ms", "1", "--json");
  assert.equal(run.status, 2, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { verdict: string }).verdict, "UNKNOWN");
});

test("exit 2 for bad input: not JSON, a malformed history naming its place, a missing file, bad usage", () => {
  const notJson = checkSer(file("bad.json", "{ kind: "));
  assert.equal(notJson.status, 2);
  assert.match(notJson.stderr, /not valid JSON/);
  const malformed = checkSer(
    file("malformed.json", { kind: "rw-register", txns: [{ process: 0, type: "ok", ops: [["w", "x"]] }] }),
  );
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /txns\[0\]\.ops\[0\]/);
  assert.equal(checkSer(join(dir, "missing.json")).status, 2);
  assert.equal(checkSer().status, 2);
  assert.equal(checkSer(file("x.json", H.SERIALIZABLE), "--timeout-ms", "soon").status, 2);
  assert.equal(checkSer("--help").status, 0);
});
