import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { PROTOCOLS } from "../../src/protocols";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { parseScenario } from "../../src/scenarios/loader";
import { BASE, TEST_PROTOCOLS } from "./helpers";

// A protocol declares the names of its invariants (Protocol.invariants), so the loader
// can check `expect: violations:` without building checkers; the declaration must
// equal the names of the checkers it really builds, for every config a scenario uses.

const SCENARIOS_DIR = path.resolve(__dirname, "..", "..", "..", "scenarios");

test("each protocol's declared invariants are exactly the names of the checkers it builds, for every scenario's config", () => {
  const { scenarios } = loadScenarioDirectory(SCENARIOS_DIR);
  const seen = new Set<string>();
  for (const scenario of scenarios) {
    const protocol = PROTOCOLS.get(scenario.protocol);
    assert.ok(protocol, `${scenario.id}: protocol ${scenario.protocol} is registered`);
    const built = protocol.checkers(scenario.config).map((checker) => checker.invariant);
    assert.deepEqual(
      [...built].sort(),
      [...protocol.invariants].sort(),
      `${scenario.protocol} (config of ${scenario.id}) declares ${protocol.invariants.join(", ")} but builds ${built.join(", ")}`,
    );
    assert.equal(new Set(protocol.invariants).size, protocol.invariants.length, `${scenario.protocol}: no name twice`);
    seen.add(scenario.protocol);
  }
  assert.deepEqual([...seen].sort(), [...PROTOCOLS.keys()].sort(), "every registered protocol has a scenario");
});

test("the loader checks violations: names against the declared invariants, even when config: is wrong", () => {
  const file = [
    ...BASE.map((line) => (line === "protocol: echo" ? "protocol: strict-echo" : line)),
    "config: { leader: zz }",
    "expect:",
    "  - violations: [NoPong]",
  ];
  const result = parseScenario(file.join("\n") + "\n", "consensus/demo.yaml", TEST_PROTOCOLS);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const paths = result.problems.map((problem) => problem.path);
  assert.ok(paths.includes("expect[0].violations[0]"), `the unknown invariant is reported: ${paths.join(", ")}`);
});
