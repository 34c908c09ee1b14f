import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadGradedCatalog } from "../../src/grading";
import { formatProblem } from "../../src/scenarios/problems";
import { SCENARIOS_DIR } from "./helpers";

test("every question of every scenario in scenarios/ has a key on its default seed", () => {
  const catalog = loadGradedCatalog(SCENARIOS_DIR);
  assert.deepEqual(catalog.problems.map(formatProblem), []);
});

test("a question whose answer query fails is a load error naming the file, line and question id", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "faultline-questions-"));
  try {
    mkdirSync(path.join(dir, "transactions"));
    const source = readFileSync(path.join(SCENARIOS_DIR, "transactions", "2pc-happy-path.yaml"), "utf8");
    const withQuestion =
      source.replace(/^questions:.*$/m, "") +
      [
        "questions:",
        "  - id: phantom-crash",
        "    prompt: When does the coordinator crash?",
        "    type: EVENT_SEQ",
        "    points: 1",
        "    answer: { event: { match: { kind: CRASH } } }",
        "",
      ].join("\n");
    writeFileSync(path.join(dir, "transactions", "2pc-happy-path.yaml"), withQuestion);
    const catalog = loadGradedCatalog(dir);
    assert.equal(catalog.scenarios.length, 0, "the scenario is skipped");
    assert.equal(catalog.problems.length, 1);
    const problem = catalog.problems[0];
    assert.equal(problem?.file, "transactions/2pc-happy-path.yaml");
    assert.equal(problem?.path, "questions[0].answer");
    const line = withQuestion.split("\n").findIndex((text) => text.includes("answer: { event")) + 1;
    assert.equal(problem?.line, line);
    assert.match(problem?.message ?? "", /phantom-crash/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
