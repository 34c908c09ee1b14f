import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { runScenario } from "../../src/scenarios/runner";
import { parseFencingConfig } from "../../src/protocols/fencing";
import { checkLinearizability, historyFromTrace } from "../../src/checkers/linearizability";
import type { TraceEvent } from "../../src/sim/types";

// Leases with fencing tokens (Kleppmann, DDIA ch. 8, "Process pauses", "Fencing
// tokens", Figures 8-4 and 8-5), with the core's `pause` fault as the GC pause.

const { scenarios } = loadScenarioDirectory(path.resolve(__dirname, "..", "..", "..", "scenarios"));
const run = (id: string, seed = 1) => {
  const scenario = scenarios.find((s) => s.id === id);
  assert.ok(scenario, id);
  return runScenario(scenario, { seed });
};
const facts = (events: readonly TraceEvent[], fact: string) =>
  events.filter((e) => e.data !== null && e.data["fact"] === fact).map((e) => e.data ?? {});

test("the lock service grants leases with increasing tokens, the second only after the first expired by its clock", () => {
  const grants = facts(run("split-brain-fenced").events, "lease-granted");
  assert.deepEqual(
    grants.map((g) => [g["client"], g["token"]]),
    [
      ["c1", 1],
      ["c2", 2],
    ],
  );
  assert.equal(grants[1]?.["previousHolder"], "c1");
  assert.equal(grants[1]?.["previousExpiredAt"], grants[0]?.["expiresAt"]);
});

test("Figure 8-4: without fencing the paused client's stale write is accepted, SplitBrain names it", () => {
  const result = run("split-brain-no-fencing");
  assert.deepEqual(
    result.violations.map((v) => v.invariant),
    ["SplitBrain"],
  );
  const details = result.events.find((e) => e.kind === "VIOLATION")?.data?.["details"] as Record<string, unknown>;
  assert.deepEqual(
    [details["staleClient"], details["staleToken"], details["newerClient"], details["newerToken"]],
    ["c1", 1, "c2", 2],
  );
  // The pause happened between c1's read and its write.
  const pause = result.events.find((e) => e.kind === "NOTE" && e.data?.["pause"] !== undefined);
  assert.ok(pause);
  const accepted = facts(result.events, "write-accepted");
  assert.deepEqual(
    accepted.map((w) => [w["client"], w["token"], w["value"]]),
    [
      ["c1", 1, 0],
      ["c2", 2, 2],
      ["c1", 1, 1],
    ],
  );
});

test("Figure 8-5: with fencing storage rejects the older token and c1's cas fails", () => {
  const result = run("split-brain-fenced");
  assert.deepEqual(result.violations, []);
  const rejected = facts(result.events, "write-rejected");
  assert.deepEqual(
    rejected.map((w) => [w["client"], w["token"], w["newestToken"]]),
    [["c1", 1, 2]],
  );
});

test("the linearizability checker: no fencing is NOT_LINEARIZABLE (two cas from 0 succeed), fenced is LINEARIZABLE", () => {
  for (const seed of [1, 2, 3]) {
    const unfenced = historyFromTrace(run("split-brain-no-fencing", seed).events);
    assert.ok(unfenced);
    assert.equal(checkLinearizability(unfenced.history).verdict, "NOT_LINEARIZABLE");
    const fenced = historyFromTrace(run("split-brain-fenced", seed).events);
    assert.ok(fenced);
    const failed = fenced.history.operations.filter((op) => op["failed"] === true);
    assert.equal(failed.length, 1, "c1's fenced cas failed and never took effect");
    assert.equal(checkLinearizability(fenced.history).verdict, "LINEARIZABLE");
  }
});

test("config errors name the field", () => {
  const bad = parseFencingConfig({ lockService: "nope", storage: "s", leaseMs: 0, fencing: 1 }, ["s", "c1"]);
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => p.path.join(".")).sort(), ["fencing", "leaseMs", "lockService"]);
});
