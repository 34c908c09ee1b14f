import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { formatProblem } from "../../src/scenarios/expect";
import { TEST_PROTOCOLS } from "./helpers";

function scenarioFile(id: string, topic: string, extra: readonly string[] = []): string {
  return [
    `id: ${id}`,
    `title: ${id}`,
    `topic: ${topic}`,
    "protocol: echo",
    "summary: A test scenario.",
    "objectives: [Load it.]",
    "nodes: [a, b]",
    ...extra,
  ].join("\n");
}

function withDirectory(files: Readonly<Record<string, string>>, body: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), "faultline-catalog-"));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a bad file is reported and skipped; the good ones load, in path order", () => {
  withDirectory(
    {
      "consensus/good.yaml": scenarioFile("good", "consensus"),
      "consensus/bad.yaml": scenarioFile("bad", "consensus", ["seed: -1"]),
      "clocks/skew.yaml": scenarioFile("skew", "clocks"),
      "clocks/broken.yaml": "id: [unclosed\n",
      "clocks/notes.txt": "not a scenario",
      ".drafts/consensus/draft.yaml": "anything: at all",
    },
    (dir) => {
      const catalog = loadScenarioDirectory(dir, TEST_PROTOCOLS);
      assert.deepEqual(
        catalog.scenarios.map((scenario) => scenario.file),
        ["clocks/skew.yaml", "consensus/good.yaml"],
      );
      assert.deepEqual(catalog.problems.map(formatProblem), [
        "clocks/broken.yaml:2:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented " +
          "and end with a ]",
        "consensus/bad.yaml:8:7: seed: expected a seed: an integer from 0 to 2147483647, found -1",
      ]);
    },
  );
});

test("two files with the same id: the later one (in path order) is reported at its id and skipped", () => {
  withDirectory(
    {
      "consensus/same.yaml": scenarioFile("same", "consensus"),
      "crdt/same.yaml": scenarioFile("same", "crdt"),
    },
    (dir) => {
      const catalog = loadScenarioDirectory(dir, TEST_PROTOCOLS);
      assert.deepEqual(
        catalog.scenarios.map((scenario) => `${scenario.file} ${scenario.topic}`),
        ["consensus/same.yaml consensus"],
      );
      assert.deepEqual(catalog.problems.map(formatProblem), [
        'crdt/same.yaml:1:5: id: expected a unique id, found "same" already used by consensus/same.yaml; this file is skipped',
      ]);
    },
  );
});

test("a file outside a topic folder and a missing directory are reported, not thrown", () => {
  withDirectory({ "loose.yaml": scenarioFile("loose", "consensus") }, (dir) => {
    assert.deepEqual(loadScenarioDirectory(dir, TEST_PROTOCOLS).problems.map(formatProblem), [
      "loose.yaml:1:1: expected the file in a topic folder (scenarios/<topic>/<id>.yaml), found it at the top level",
    ]);
    const missing = path.join(dir, "nowhere");
    const catalog = loadScenarioDirectory(missing, TEST_PROTOCOLS);
    assert.deepEqual(catalog.scenarios, []);
    assert.deepEqual(catalog.problems.map(formatProblem), [
      `nowhere:1:1: expected a directory of scenario files (scenarios/<topic>/<id>.yaml), found no such directory`,
    ]);
  });
});
