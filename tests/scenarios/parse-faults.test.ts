import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { parseFaults } from "../../src/scenarios/loader";
import { formatProblem } from "../../src/scenarios/problems";

/** Faults given apart from a file (injectFault, forkRun) get the loader's own checks and messages. */

const catalog = loadScenarioDirectory(join(projectRoot, "scenarios"));
const scenario = catalog.scenarios.find((candidate) => candidate.id === "2pc-coordinator-crash");

function problems(source: string, list: boolean, timing: "now" | "optional"): string[] {
  assert.ok(scenario !== undefined);
  const result = parseFaults(source, "fault", scenario, { list, timing });
  return result.ok ? [] : result.problems.map(formatProblem);
}

test("an injected fault is checked like a file's, and must not be timed", () => {
  assert.ok(scenario !== undefined);
  const good = parseFaults('{ "do": "lose", "from": "coord", "to": "p1" }', "fault", scenario, {
    list: false,
    timing: "now",
  });
  assert.ok(good.ok);
  assert.deepEqual(good.faults, [{ trigger: undefined, action: { do: "lose", from: "coord", to: "p1", count: 1 } }]);
  assert.deepEqual(problems('{ "do": "crash", "node": "cord" }', false, "now"), [
    'fault:1:26: node: expected one of the scenario\'s nodes (coord, p1, p2, p3), found "cord"; did you mean "coord"?',
  ]);
  assert.equal(problems('{ "at": 5, "do": "crash", "node": "p1" }', false, "now").length, 1);
  assert.match(problems('{ "do": "lose", "from": "p1", "to": "p1" }', false, "now")[0] ?? "", /to: expected a node other than from/);
  assert.match(problems('{ "do": "lose", "from": "p1", "to": "p2", "count": 0 }', false, "now")[0] ?? "", /count/);
});

test("a fork's faults: a list, each with or without a trigger", () => {
  assert.ok(scenario !== undefined);
  const result = parseFaults('[{ "do": "crash", "node": "p2" }, { "at": 400, "do": "recover", "node": "p2" }]', "faults", scenario, {
    list: true,
    timing: "optional",
  });
  assert.ok(result.ok);
  assert.equal(result.faults[0]?.trigger, undefined);
  assert.deepEqual(result.faults[1]?.trigger, { type: "at", at: 400 });
  assert.deepEqual(problems('[{ "do": "heal" }, { "do": "crash" }]', true, "optional"), [
    'fault:1:20: [1].node: missing required field "node"',
  ]);
  assert.equal(problems('{ "do": "heal" }', true, "optional").length, 1, "a list is expected");
});
