import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { parseScenario } from "../../src/scenarios/loader";
import { SCENARIO_LIMITS } from "../../src/scenarios/limits";
import type { ScenarioProblem } from "../../src/scenarios/problems";
import { TEST_PROTOCOLS } from "./helpers";

// Issue 13: a scenarios directory cannot hurt the server. Each hole found by a
// hostile probe is a case here; each must end quickly with a problem that names
// the file and the limit, and the good files still load.

function scenario(id: string, extra: readonly string[] = []): string {
  return [
    `id: ${id}`,
    `title: ${id}`,
    "topic: consensus",
    "protocol: echo",
    "summary: A test scenario.",
    "objectives: [Load it.]",
    "nodes: [a, b]",
    ...extra,
  ].join("\n");
}

function withDirectory(body: (dir: string, outside: string) => void): void {
  const base = mkdtempSync(path.join(tmpdir(), "faultline-hostile-"));
  const dir = path.join(base, "scenarios");
  const outside = path.join(base, "secret.yaml");
  mkdirSync(path.join(dir, "consensus"), { recursive: true });
  writeFileSync(path.join(dir, "consensus", "good.yaml"), scenario("good"));
  writeFileSync(outside, "id: secret\ntitle: the server's private file\n");
  try {
    body(dir, outside);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function load(dir: string): { ids: string[]; problems: ScenarioProblem[] } {
  const catalog = loadScenarioDirectory(dir, TEST_PROTOCOLS);
  return { ids: catalog.scenarios.map((s) => s.id), problems: catalog.problems };
}

test("a YAML alias bomb is refused before it is expanded", () => {
  withDirectory((dir) => {
    const levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 10; i++) {
      levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    }
    writeFileSync(path.join(dir, "consensus", "bomb.yaml"), scenario("bomb", ["questions:", "  - bomb:", ...levels.map((l) => `      ${l}`)]));
    const { ids, problems } = load(dir);
    assert.deepEqual(ids, ["good"]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, "consensus/bomb.yaml");
    assert.match(problems[0]?.message ?? "", new RegExp(String(SCENARIO_LIMITS.maxExpandedYamlNodes)));
  });
});

/** The one problem `parseScenario` reports for `source`, as file, line and message. */
function onlyProblem(source: string, file: string): { file: string; line: number; message: string } {
  const parsed = parseScenario(source, file, TEST_PROTOCOLS);
  assert.equal(parsed.ok, false, `${file} loaded`);
  const problems = parsed.ok ? [] : parsed.problems;
  assert.equal(problems.length, 1, problems.map((p) => `${p.line}: ${p.message}`).join("\n"));
  const [problem] = problems as [ScenarioProblem];
  return { file: problem.file, line: problem.line, message: problem.message };
}

const DEPTH = SCENARIO_LIMITS.maxYamlDepth;
const DEPTH_NAMED = new RegExp(`\\b${DEPTH}\\b.*the limit maxYamlDepth`);

test("YAML nested 10,000 deep, flow or block, is refused by maxYamlDepth at its line before anything recurses", () => {
  const levels = 10_000;
  withDirectory((dir) => {
    // Line 8 of each file (the scenario's own fields take lines 1 to 7).
    const files: Record<string, string> = {
      "flow.yaml": `questions: [${"[".repeat(levels)}${"]".repeat(levels)}]`,
      "flow-map.yaml": `questions: [${"{a: ".repeat(levels)}1${"}".repeat(levels)}]`,
      "block-list.yaml": `questions:\n  ${"- ".repeat(levels)}x`,
      "explicit-keys.yaml": `questions:\n  - ${"? ".repeat(levels)}x`,
    };
    for (const [name, body] of Object.entries(files)) {
      writeFileSync(path.join(dir, "consensus", name), scenario(name.replace(".yaml", "")) + "\n" + body);
    }
    const { ids, problems } = load(dir);
    assert.deepEqual(ids, ["good"]);
    const lines = Object.fromEntries(problems.map((p) => [p.file, p.line]));
    assert.deepEqual(lines, {
      "consensus/flow.yaml": 8,
      "consensus/flow-map.yaml": 8,
      "consensus/block-list.yaml": 9,
      "consensus/explicit-keys.yaml": 9,
    });
    for (const problem of problems) assert.match(problem.message, DEPTH_NAMED, problem.file);
  });
  // Mappings nested by indentation cannot fit maxFileBytes 10,000 deep (the indentation
  // alone is 50 MB), so this one is given to the loader directly, as runScenario would.
  const indented = Array.from({ length: levels }, (_, level) => `${" ".repeat(level + 2)}k${level}:`).join("\n");
  const refused = onlyProblem(`${scenario("indented")}\nexpect:\n${indented}`, "consensus/indented.yaml");
  assert.equal(refused.file, "consensus/indented.yaml");
  // expect: is on line 8; the mapping under it (depth 2) starts on line 9, one level a line.
  assert.equal(refused.line, 9 + (DEPTH + 1 - 2), "the first mapping one level too deep");
  assert.match(refused.message, DEPTH_NAMED);
});

test("maxYamlDepth levels load; one more is refused; aliases count as expanded", () => {
  // The document is a mapping (1) holding questions: (2), so a question gets DEPTH - 2 levels.
  const nested = (depth: number): string => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  const atLimit = parseScenario(`${scenario("at-limit")}\nquestions: [${nested(DEPTH - 2)}]`, "consensus/at-limit.yaml", TEST_PROTOCOLS);
  assert.equal(atLimit.ok, true, atLimit.ok ? "" : atLimit.problems.map((p) => p.message).join("\n"));
  const beyond = onlyProblem(`${scenario("beyond")}\nquestions: [${nested(DEPTH - 1)}]`, "consensus/beyond.yaml");
  assert.equal(beyond.line, 8);
  assert.match(beyond.message, DEPTH_NAMED);
  // Each line is well within the limit; the second, with the first expanded into it, is not.
  const half = DEPTH / 2 + 2;
  const chained = [
    "questions:",
    `  - &shallow ${"[".repeat(half)}1${"]".repeat(half)}`,
    `  - ${"[".repeat(half)}*shallow${"]".repeat(half)}`,
  ];
  const aliased = onlyProblem(`${scenario("aliased")}\n${chained.join("\n")}`, "consensus/aliased.yaml");
  assert.equal(aliased.line, 10);
  assert.match(aliased.message, DEPTH_NAMED);
  assert.match(aliased.message, /aliases are expanded/);
});

test("a FIFO named *.yaml is skipped, not read (reading it would block forever)", () => {
  withDirectory((dir) => {
    execFileSync("mkfifo", [path.join(dir, "consensus", "fifo.yaml")]);
    const { ids, problems } = load(dir);
    assert.deepEqual(ids, ["good"]);
    assert.deepEqual(problems.map((p) => p.file), ["consensus/fifo.yaml"]);
  });
});

test("a symlink loop and a symlink leading outside the directory are refused; the outside file is never shown", () => {
  withDirectory((dir, outside) => {
    symlinkSync("loop-b.yaml", path.join(dir, "consensus", "loop-a.yaml"));
    symlinkSync("loop-a.yaml", path.join(dir, "consensus", "loop-b.yaml"));
    symlinkSync(outside, path.join(dir, "consensus", "leak.yaml"));
    symlinkSync(path.join(dir, "consensus"), path.join(dir, "consensus", "again"));
    const { ids, problems } = load(dir);
    assert.deepEqual(ids, ["good"]);
    assert.deepEqual(problems.map((p) => p.file).sort(), ["consensus/leak.yaml", "consensus/loop-a.yaml", "consensus/loop-b.yaml"]);
    for (const problem of problems) {
      assert.doesNotMatch(problem.message, /private file/);
      assert.ok(!problem.message.includes(path.dirname(dir)), "no server path in a problem");
    }
  });
});

test("a file over maxFileBytes is refused without being parsed", () => {
  withDirectory((dir) => {
    const big = scenario("big", [`# ${"x".repeat(SCENARIO_LIMITS.maxFileBytes)}`]);
    writeFileSync(path.join(dir, "consensus", "big.yaml"), big);
    const { ids, problems } = load(dir);
    assert.deepEqual(ids, ["good"]);
    assert.match(problems[0]?.message ?? "", /maxFileBytes/);
  });
});

test("bytes that are not UTF-8 are refused with their line, not silently replaced", () => {
  withDirectory((dir) => {
    const text = Buffer.concat([Buffer.from(scenario("latin", []) + "\n# caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    writeFileSync(path.join(dir, "consensus", "latin.yaml"), text);
    const { ids, problems } = load(dir);
    assert.deepEqual(ids, ["good"]);
    assert.equal(problems[0]?.file, "consensus/latin.yaml");
    assert.equal(problems[0]?.line, 8);
  });
});

test("a missing directory is reported by its name, never its absolute path", () => {
  const catalog = loadScenarioDirectory(path.join(tmpdir(), "faultline-no-such-dir", "scenarios"), TEST_PROTOCOLS);
  assert.equal(catalog.problems.length, 1);
  assert.equal(catalog.problems[0]?.file, "scenarios");
  assert.ok(!catalog.problems[0]?.message.includes(tmpdir()));
});

test("node count, maxEvents, maxTime and list lengths are capped, each refusal naming its limit", () => {
  const nodes = Array.from({ length: SCENARIO_LIMITS.maxNodes + 1 }, (_, i) => `n${i}`);
  const tooMany = parseScenario(scenario("many", []).replace("nodes: [a, b]", `nodes: [${nodes.join(", ")}]`), "consensus/many.yaml", TEST_PROTOCOLS);
  assert.equal(tooMany.ok, false);
  assert.match(tooMany.ok ? "" : tooMany.problems.map((p) => p.message).join("\n"), /maxNodes/);

  const huge = parseScenario(scenario("huge", ["limits: { maxEvents: 1000000000, maxTime: 1000000000000 }"]), "consensus/huge.yaml", TEST_PROTOCOLS);
  assert.equal(huge.ok, false);
  const messages = huge.ok ? "" : huge.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
  assert.match(messages, /limits\.maxEvents: .*the limit maxEvents/);
  assert.match(messages, /limits\.maxTime: .*the limit maxTimeMs/);
});
