import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { runScenario } from "../../src/scenarios/runner";
import { parseSpannerConfig } from "../../src/protocols/spanner";
import { historyFromTrace, checkLinearizability } from "../../src/checkers/linearizability";
import type { TraceEvent } from "../../src/sim/types";

// Spanner's commit wait (Corbett et al. 2012, 3 and 4.1.2): s = TT.now().latest, then
// wait until TT.now().earliest > s before acknowledging; external consistency follows.

const { scenarios } = loadScenarioDirectory(path.resolve(__dirname, "..", "..", "..", "scenarios"));
const scenario = (id: string) => {
  const found = scenarios.find((s) => s.id === id);
  assert.ok(found, id);
  return found;
};
const facts = (events: readonly TraceEvent[], fact: string) =>
  events.filter((e) => e.data !== null && e.data["fact"] === fact).map((e) => e.data ?? {});

function withEpsilon(epsilonMs: number, commitWait = true) {
  const base = scenario("spanner-commit-wait");
  const parsed = parseSpannerConfig({ epsilonMs, commitWait });
  assert.ok(parsed.ok);
  return runScenario({ ...base, config: parsed.config }, { seed: 1 });
}

test("4.1.2: the commit timestamp is TT.now().latest and the ack waits until TT.now().earliest > s", () => {
  const result = runScenario(scenario("spanner-commit-wait"), { seed: 1 });
  const assigned = facts(result.events, "timestamp-assigned");
  const ended = facts(result.events, "commit-wait-ended");
  assert.equal(assigned.length, 3);
  for (const a of assigned) assert.ok((a["timestamp"] as number) >= (a["latest"] as number), "s >= TT.now().latest");
  assert.equal(ended.length, 3);
  for (const e of ended) assert.ok((e["earliest"] as number) > (e["timestamp"] as number), "TT.after(s) holds");
  // Every acknowledgement comes after its wait ended, and carries s.
  const returns = result.events.filter((e) => e.kind === "CLIENT_RETURN" && e.data?.["op"] === "put");
  for (const r of returns) {
    const result_ = r.data?.["result"] as { timestamp: number; earliest: number };
    assert.ok(result_.earliest > result_.timestamp);
  }
  assert.deepEqual(result.violations, []);
});

test("the wait grows with epsilon (about 2 epsilon + 1 ms)", () => {
  const waits = [2, 7, 20].map((epsilon) =>
    facts(withEpsilon(epsilon).events, "commit-wait-ended").map((e) => e["waitedMs"] as number),
  );
  assert.deepEqual(waits[0], [5, 5, 5]);
  assert.deepEqual(waits[1], [15, 15, 15]);
  assert.deepEqual(waits[2], [41, 41, 41]);
});

test("without commit wait, a transaction that starts after another commits gets a smaller timestamp", () => {
  const result = runScenario(scenario("spanner-no-commit-wait-violation"), { seed: 1 });
  assert.deepEqual(
    result.violations.map((v) => v.invariant),
    ["ExternalConsistency"],
  );
  const violation = result.events.find((e) => e.kind === "VIOLATION");
  const details = violation?.data?.["details"] as Record<string, unknown>;
  assert.equal(details["earlier"], "r1");
  assert.equal(details["later"], "r2");
  assert.ok((details["laterTimestamp"] as number) < (details["earlierTimestamp"] as number));
  assert.ok((details["earlierCommitSeq"] as number) < (details["laterStartSeq"] as number));
});

test("the same skew with commit wait on is externally consistent", () => {
  assert.deepEqual(withEpsilon(7, true).violations, []);
  assert.deepEqual(
    withEpsilon(7, false).violations.map((v) => v.invariant),
    ["ExternalConsistency"],
  );
});

test("a spanner run is a kv history the linearizability checker judges", () => {
  const result = runScenario(scenario("spanner-commit-wait"), { seed: 1 });
  const extracted = historyFromTrace(result.events);
  assert.ok(extracted);
  assert.equal(extracted.history.operations.length, 5);
  assert.equal(checkLinearizability(extracted.history).verdict, "LINEARIZABLE");
});

test("config errors name the field", () => {
  const bad = parseSpannerConfig({ epsilonMs: -1, commitWait: "yes", extra: 1 });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => p.path.join(".")).sort(), ["commitWait", "epsilonMs", "extra"]);
});
