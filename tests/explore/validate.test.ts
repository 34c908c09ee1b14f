import { test } from "node:test";
import assert from "node:assert/strict";
import { validateScenarioSource } from "../../src/explore/validate";
import { realCatalog } from "./helpers";

test("every real scenario's source validates with no problem", () => {
  for (const scenario of realCatalog().scenarios)
    assert.deepEqual(validateScenarioSource(scenario.source), [], scenario.id);
});

test("a broken scenario gives the loader's problems with line, column and path; oversized text names the limit", () => {
  const source = realCatalog().scenarios.find((s) => s.id === "2pc-happy-path")?.source as string;
  const problems = validateScenarioSource(source.replace(/^nodes:.*$/m, "nodes: []"));
  assert.ok(problems.length > 0);
  assert.ok(problems.some((p) => p.path === "nodes" && p.line > 1));
  assert.ok(validateScenarioSource("id: [").length > 0);
  assert.match(validateScenarioSource("#".repeat(300_000))[0]?.message ?? "", /maxFileBytes/);
});
