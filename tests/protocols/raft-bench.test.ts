import { test } from "node:test";
import assert from "node:assert/strict";
import { raft, raftBenchSpec } from "../../src/protocols/raft";
import { isJsonObject } from "../../src/sim/json";
import { Simulation } from "../../src/sim/world";

// Smoke test of the benchmark workload (bench/ measures the 10,000-write run): a
// 5-node cluster, writes sent to every node in turn and redirected to the leader.

test("raftBenchSpec: every write is redirected to the leader, committed on a majority and acknowledged", () => {
  const writes = 300;
  const seed = 1;
  const { config, spec } = raftBenchSpec(writes, seed);
  assert.equal(spec.nodes.length, 5);
  assert.equal(spec.workload.length, writes);
  const acknowledged = new Set<string>();
  let redirects = 0;
  const result = new Simulation(raft, config, spec, {
    keepEvents: false,
    onEvent(event) {
      if (event.kind !== "CLIENT_RETURN") return;
      const outcome = event.data?.["result"];
      if (!isJsonObject(outcome)) return;
      if (outcome["ok"] === true) acknowledged.add(String(event.data?.["request"]).split(".")[0] as string);
      else if (typeof outcome["redirect"] === "string") redirects += 1;
    },
  }).run();
  assert.equal(result.events.length, 0, "keepEvents: false keeps no events in memory");
  assert.equal(acknowledged.size, writes, `every write is acknowledged (seed=${seed})`);
  assert.ok(redirects >= writes / 2, `followers redirect most writes: ${redirects}`);
  assert.deepEqual(result.violations, []);
  const leader = result.nodes.find((view) => view.state?.["role"] === "leader");
  assert.ok(leader?.state !== undefined && leader.state !== null);
  assert.ok(Number(leader.state["commitIndex"]) >= writes + 1, "the writes and the leader's no-op are committed");
  for (const view of result.nodes) {
    assert.deepEqual(
      view.state?.["stateMachine"],
      leader.state["stateMachine"],
      `${view.node} applied the same writes`,
    );
  }
});
