import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import type { JsonObject } from "../../src/sim/json";
import type { SimulationResult } from "../../src/sim/world";

// Delta-state CRDTs (Almeida, Shoker & Baquero 2018) beside state- and op-based
// gossip, on one workload (scenarios/crdt/orset-delta-gossip.yaml), and garbage
// collection by causal stability (Baquero, Almeida & Shoker 2014) on
// scenarios/crdt/orset-tombstone-gc.yaml. Assertions read event data and views.

const ROOT = join(__dirname, "..", "..", "..", "scenarios");

function load(file: string, edit: (source: string) => string = (source) => source): Scenario {
  const parsed = parseScenario(edit(readFileSync(join(ROOT, file), "utf8")), file);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

function traffic(result: SimulationResult): JsonObject {
  const note = result.events.find((e) => e.kind === "NOTE" && e.data?.["invariant"] === "GossipTraffic");
  assert.ok(note, "every CRDT run ends with its traffic account");
  return note.data as JsonObject;
}

test("one OR-Set workload in state, op and delta mode: same final set, and deltas send at most three quarters of the bytes of whole states (seeds 1-20)", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const bytes: Record<string, number> = {};
    const values = new Set<string>();
    for (const mode of ["state", "op", "delta"]) {
      const scenario = load("crdt/orset-delta-gossip.yaml", (source) =>
        source.replace("mode: delta,", `mode: ${mode},`),
      );
      const result = runScenario(scenario, { seed });
      const why = `mode=${mode}; reproduce with seed=${seed}`;
      assert.deepEqual(result.violations, [], why);
      assert.equal(result.stopReason, "quiescent", why);
      const account = traffic(result);
      assert.equal(account["mode"], mode);
      const sent = account["bytes"] as number;
      const byType = account["byType"] as JsonObject;
      const sum = Object.values(byType).reduce(
        (total: number, entry) => total + ((entry as JsonObject)["bytes"] as number),
        0,
      );
      assert.equal(sum, sent, `the per-type bytes add up; ${why}`);
      bytes[mode] = sent;
      for (const node of result.nodes) values.add(JSON.stringify(node.state?.["value"]));
      // Each replica's own count is in its view as well.
      assert.ok(result.nodes.every((node) => typeof (node.state?.["wire"] as JsonObject)["bytes"] === "number"));
    }
    assert.equal(values.size, 1, `all three modes reach the same set; seed=${seed}`);
    assert.ok(
      (bytes["delta"] as number) * 4 <= (bytes["state"] as number) * 3,
      `delta ${bytes["delta"]} vs state ${bytes["state"]} bytes; seed=${seed}`,
    );
  }
});

test("delta mode: a delta-interval is acknowledged and dropped once every peer has it (Algorithm 2's GC of D)", () => {
  const result = runScenario(load("crdt/orset-delta-gossip.yaml"));
  for (const node of result.nodes) {
    const deltas = node.state?.["deltas"] as JsonObject;
    assert.equal(deltas["buffered"], 0, `${node.node} keeps no delta-group every peer acknowledged`);
    assert.equal((node.state?.["metadata"] as JsonObject)["log"], 0);
  }
  const sends = result.events.filter(
    (e) => e.kind === "SEND" && (e.data?.["message"] as JsonObject)["type"] === "DELTA",
  );
  const full = sends.filter((e) => (e.data?.["message"] as JsonObject)["full"] === true);
  assert.ok(sends.length > full.length, "most gossip is delta-intervals, not whole payloads");
});

test("causal stability: a partitioned replica stops the frontier of every replica, and the logs grow until it is heard from", () => {
  const scenario = load("crdt/orset-tombstone-gc.yaml");
  const during = runScenario(
    load("crdt/orset-tombstone-gc.yaml", (source) =>
      source.replace("maxTime: 5000", "maxTime: 350").replace("  - at: 400\n    do: heal\n", ""),
    ),
  );
  assert.equal(during.stopReason, "maxTime");
  for (const name of ["n1", "n2"]) {
    const view = during.nodes.find((node) => node.node === name)?.state as JsonObject;
    assert.deepEqual(
      (view["stability"] as JsonObject)["frontier"],
      {},
      `${name}: nothing is stable while n3 is cut off`,
    );
    assert.equal((view["metadata"] as JsonObject)["log"], 40, `${name} keeps every op`);
  }
  const after = runScenario(scenario);
  const notes = after.events.filter((e) => e.kind === "NOTE" && e.data?.["removedLog"] !== undefined);
  assert.deepEqual(notes.map((e) => [e.node, e.data?.["removedLog"]]).sort(), [
    ["n1", 40],
    ["n2", 40],
    ["n3", 40],
  ]);
  for (const note of notes) assert.deepEqual(note.data?.["stable"], { n1: 20, n2: 20 });
});

test("orset-tombstone-gc vs orset-tombstone-growth: with GC the metadata ends bounded, without it the log keeps every op", () => {
  const gc = runScenario(load("crdt/orset-tombstone-gc.yaml"));
  const without = runScenario(load("crdt/orset-tombstone-gc.yaml", (source) => source.replace("gc: true, ", "")));
  const total = (result: SimulationResult): number[] =>
    result.nodes.map((node) => (node.state?.["metadata"] as JsonObject)["total"] as number);
  assert.deepEqual(total(gc), [2, 2, 2], "one vector entry per writer, nothing else");
  assert.deepEqual(total(without), [42, 42, 42], "40 logged ops and 2 vector entries");
});

test("causal stability: a crashed replica holds the frontier back too, and after it recovers every op is stable and collected", () => {
  const crashInstead = (source: string): string =>
    source.replace(
      "  - at: 0\n    do: partition\n    groups: [[n1, n2], [n3]]\n  - at: 400\n    do: heal\n",
      "  - at: 0\n    do: crash\n    node: n3\n  - at: 400\n    do: recover\n    node: n3\n",
    );
  const scenario = load("crdt/orset-tombstone-gc.yaml", crashInstead);
  assert.deepEqual(
    scenario.spec.faults.map((fault) => fault.action.do),
    ["crash", "recover"],
  );
  const during = runScenario(
    load("crdt/orset-tombstone-gc.yaml", (source) =>
      crashInstead(source)
        .replace("maxTime: 5000", "maxTime: 350")
        .replace("  - at: 400\n    do: recover\n    node: n3\n", ""),
    ),
  );
  for (const name of ["n1", "n2"]) {
    const view = during.nodes.find((node) => node.node === name)?.state as JsonObject;
    assert.deepEqual((view["stability"] as JsonObject)["frontier"], {}, `${name}: nothing is stable while n3 is down`);
    assert.equal((view["metadata"] as JsonObject)["log"], 40);
  }
  const after = runScenario(scenario);
  assert.deepEqual(after.violations, []);
  assert.equal(after.stopReason, "quiescent");
  for (const node of after.nodes) {
    const view = node.state as JsonObject;
    assert.deepEqual(view["value"], []);
    assert.deepEqual((view["stability"] as JsonObject)["frontier"], { n1: 20, n2: 20 }, node.node);
    assert.equal((view["metadata"] as JsonObject)["log"], 0, node.node);
  }
});
