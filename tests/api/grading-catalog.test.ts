import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
import { query } from "./client";
import { useServer } from "./server-fixture";

// The server loads scenarios as the CLI does (loadGradedCatalog): a question whose
// key fails on the default seed makes its file a scenario problem, and the rest are served.

const dir = mkdtempSync(join(tmpdir(), "faultline-grading-catalog-scenarios-"));
mkdirSync(join(dir, "transactions"));
const happy = readFileSync(join(projectRoot, "scenarios", "transactions", "2pc-happy-path.yaml"), "utf8");
const badFile =
  happy.replace(/^questions:.*$/m, "") +
  [
    "questions:",
    "  - id: phantom-crash",
    "    prompt: When does the coordinator crash?",
    "    type: EVENT_SEQ",
    "    points: 1",
    "    answer: { event: { match: { kind: CRASH } } }",
    "",
  ].join("\n");
writeFileSync(join(dir, "transactions", "2pc-happy-path.yaml"), badFile);
writeFileSync(
  join(dir, "transactions", "2pc-coordinator-crash.yaml"),
  readFileSync(join(projectRoot, "scenarios", "transactions", "2pc-coordinator-crash.yaml"), "utf8"),
);
const api = useServer("faultline-grading-catalog-", dir);
after(() => rmSync(dir, { recursive: true, force: true }));

test("a scenario whose question fails on its default seed is a scenario problem naming file, line and question id", async () => {
  const data = await query<{
    scenarios: { id: string; questions: { id: string }[] }[];
    scenarioProblems: { file: string; line: number; path: string; message: string }[];
  }>(api.server.url, `{ scenarios { id questions { id } } scenarioProblems { file line path message } }`);
  assert.deepEqual(
    data.scenarios.map((scenario) => scenario.id),
    ["2pc-coordinator-crash"],
  );
  assert.ok((data.scenarios[0]?.questions.length ?? 0) >= 6);
  const [problem] = data.scenarioProblems;
  assert.equal(data.scenarioProblems.length, 1);
  assert.equal(problem?.file, "transactions/2pc-happy-path.yaml");
  assert.equal(problem?.path, "questions[0].answer");
  assert.equal(problem?.line, badFile.split("\n").findIndex((text) => text.includes("answer: { event")) + 1);
  assert.match(problem?.message ?? "", /phantom-crash/);
});
