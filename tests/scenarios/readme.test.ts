import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { formatProblem } from "../../src/scenarios/expect";
import { parseScenario } from "../../src/scenarios/loader";

// The README's "Scenario format" section is the contract: its example must load with
// the real protocol registry, and the error it shows must be the one a user gets.

const README = readFileSync(path.resolve(__dirname, "..", "..", "..", "README.md"), "utf8");
const section = README.slice(README.indexOf("<!-- section:scenarios -->"), README.indexOf("<!-- /section:scenarios -->"));
const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
const FILE = "transactions/2pc-coordinator-crash.yaml";

test("the README's scenario example is a valid scenario", () => {
  assert.notEqual(example, "", "the section has a yaml example");
  const result = parseScenario(example, FILE);
  assert.deepEqual(result.ok ? [] : result.problems.map(formatProblem), []);
  assert.ok(result.ok);
  assert.equal(result.scenario.spec.faults.length, 2);
  assert.equal(result.scenario.expect.length, 5);
});

test("the README's example error is what a misspelt node in that example gives", () => {
  const shown = /^ {4}(transactions\/2pc-coordinator-crash\.yaml:.*)$/m.exec(section)?.[1];
  assert.ok(shown, "the section shows an example error line");
  const lines = example.split("\n");
  const crash = lines.findIndex((line) => line.trim() === "do: crash");
  assert.equal(lines[crash + 1], "    node: coord");
  lines[crash + 1] = "    node: cord";
  const result = parseScenario(lines.join("\n"), FILE);
  assert.deepEqual(result.ok ? [] : result.problems.map(formatProblem), [shown]);
});
