import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// `npm run cli -- grade` grades offline and writes what Gradescope and PrairieLearn read.

const ROOT = resolve(__dirname, "..", "..", "..");
const CLI = join(ROOT, "dist", "src", "cli", "main.js");

const QUESTIONS = `
questions:
  - id: crash-node
    prompt: Which node crashes?
    type: NODE
    points: 2
    answer: { event: { match: { kind: CRASH }, field: node } }
  - id: drops
    prompt: How many messages are lost?
    type: NUMBER
    points: 1
    answer: { count: { match: { kind: DROP } } }
`;

function withFiles(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "faultline-grade-"));
  try {
    mkdirSync(join(dir, "scenarios", "transactions"), { recursive: true });
    const source = readFileSync(join(ROOT, "scenarios", "transactions", "2pc-coordinator-crash.yaml"), "utf8");
    writeFileSync(
      join(dir, "scenarios", "transactions", "2pc-coordinator-crash.yaml"),
      source.replace(/^questions:[\s\S]*$/m, "") + QUESTIONS,
    );
    writeFileSync(
      join(dir, "assignment.yaml"),
      "title: Crash\nscenarioIds: [2pc-coordinator-crash]\nkeys: AFTER_SUBMIT\n",
    );
    writeFileSync(
      join(dir, "answers.json"),
      JSON.stringify({
        answers: [
          { questionId: "2pc-coordinator-crash/crash-node", value: "coord" },
          { questionId: "2pc-coordinator-crash/drops", value: -1 },
        ],
      }),
    );
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function grade(dir: string, extra: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [CLI, "grade", "--assignment", join(dir, "assignment.yaml"), "--answers", join(dir, "answers.json"), ...extra],
    { cwd: dir, env: { ...process.env, SCENARIOS_DIR: join(dir, "scenarios") }, encoding: "utf8", timeout: 60_000 },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("grade writes Gradescope's results.json: score, output, and a test per question", () => {
  withFiles((dir) => {
    const out = join(dir, "results.json");
    const result = grade(dir, ["--out", out]);
    assert.equal(result.status, 0, result.stderr);
    const results = JSON.parse(readFileSync(out, "utf8")) as {
      score: number;
      output: string;
      tests: { name: string; score: number; max_score: number; output: string; visibility: string }[];
    };
    assert.equal(results.score, 2);
    assert.equal(results.tests.length, 2);
    assert.deepEqual(
      results.tests.map((t) => [t.score, t.max_score]),
      [
        [2, 2],
        [0, 1],
      ],
    );
    assert.ok(results.tests.every((t) => typeof t.output === "string" && t.visibility === "visible"));
  });
});

test("--format prairielearn writes a score in [0, 1], gradable, and tests with points and max_points", () => {
  withFiles((dir) => {
    const out = join(dir, "results.json");
    const result = grade(dir, ["--out", out, "--format", "prairielearn"]);
    assert.equal(result.status, 0, result.stderr);
    const results = JSON.parse(readFileSync(out, "utf8")) as {
      score: number;
      gradable: boolean;
      tests: { points: number; max_points: number; message: string }[];
    };
    assert.equal(results.gradable, true);
    assert.ok(Math.abs(results.score - 2 / 3) < 1e-9);
    assert.deepEqual(
      results.tests.map((t) => [t.points, t.max_points]),
      [
        [2, 2],
        [0, 1],
      ],
    );
  });
});

test("a bad assignment file or answers file is a usage error naming the file, line and field", () => {
  withFiles((dir) => {
    writeFileSync(
      join(dir, "assignment.yaml"),
      "title: Crash\nscenarioIds: [2pc-coordinator-crash]\nkeys: SOMETIMES\n",
    );
    const bad = grade(dir, ["--out", join(dir, "r.json")]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /assignment\.yaml:3:\d+: keys/);
    writeFileSync(join(dir, "assignment.yaml"), "title: Crash\nscenarioIds: [2pc-coordinator-crash]\n");
    writeFileSync(join(dir, "answers.json"), JSON.stringify({ answers: [{ questionId: "nope", value: 1 }] }));
    const unknown = grade(dir, ["--out", join(dir, "r.json")]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /answers\[0\]\.questionId/);
  });
});
