import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import { InterventionQueue, type Intervention } from "../../src/sim/interventions";
import { canonicalEventLine } from "../../src/sim/world";

/**
 * Interventions (src/sim/interventions.ts): faults injected after a run started, and a
 * fork's switch to new faults, applied at step boundaries, so that scenario + seed +
 * schedule always give the same trace.
 */

const catalog = loadScenarioDirectory(join(projectRoot, "scenarios"));
function scenario(id: string): Scenario {
  const found = catalog.scenarios.find((candidate) => candidate.id === id);
  assert.ok(found !== undefined, id);
  return found;
}

function run(id: string, seed: number, interventions: readonly Intervention[]) {
  return runScenario(scenario(id), { seed, interventions: new InterventionQueue(interventions) });
}

test("an injected crash applies at the end of the step that holds its afterSeq, and replays identically", () => {
  const schedule: Intervention[] = [{ type: "apply", afterSeq: 2, action: { do: "crash", node: "p1" } }];
  const first = run("2pc-happy-path", 20, schedule);
  const again = run("2pc-happy-path", 20, schedule);
  assert.equal(first.traceHash, again.traceHash, "same scenario, seed and schedule: same trace");
  const plain = runScenario(scenario("2pc-happy-path"), { seed: 20 });
  const crash = first.events.find((event) => event.kind === "CRASH");
  assert.ok(crash !== undefined && crash.node === "p1");
  assert.ok(crash.seq > 2);
  // Everything before the crash is the plain run's: the intervention waited for the step to end.
  for (const event of first.events.slice(0, crash.seq)) {
    assert.equal(canonicalEventLine(event), canonicalEventLine(plain.events[event.seq] as (typeof plain.events)[0]));
  }
});

test("a live queue records where a fault was injected so that a replay applies it at the same boundary", () => {
  const live = new InterventionQueue();
  let injected: Intervention | undefined;
  const first = runScenario(scenario("2pc-happy-path"), {
    seed: 20,
    interventions: live,
    onEvent: (event) => {
      // As a paused worker does: inject while the trace hands over event 7.
      if (event.seq === 7) injected = live.inject({ do: "crash", node: "p3" });
    },
  });
  assert.ok(injected !== undefined);
  assert.equal(injected.afterSeq, 8, "the step in progress records event 8 next");
  assert.ok(live.closed, "the queue closes when the event loop ends");
  const replay = run("2pc-happy-path", 20, live.list());
  assert.equal(replay.traceHash, first.traceHash);
});

test("a replacement disarms the scenario's pending faults: the coordinator of 2pc-coordinator-crash never crashes", () => {
  const parent = runScenario(scenario("2pc-coordinator-crash"), { seed: 9 });
  const crashSeq = parent.events.find((event) => event.kind === "CRASH")?.seq as number;
  const atSeq = crashSeq - 3;
  const fork = run("2pc-coordinator-crash", 9, [{ type: "replace", afterSeq: atSeq - 1, faults: [] }]);
  assert.equal(
    fork.events.filter((event) => event.kind === "CRASH").length,
    0,
    "neither the when: crash nor the at: 400 recovery is left",
  );
  for (let seq = 0; seq < atSeq; seq++) {
    assert.equal(
      canonicalEventLine(fork.events[seq] as (typeof fork.events)[0]),
      canonicalEventLine(parent.events[seq] as (typeof parent.events)[0]),
      `event ${seq} is shared`,
    );
  }
  // A replacement that re-arms the same faults gives the parent back.
  const same = run("2pc-coordinator-crash", 9, [
    { type: "replace", afterSeq: atSeq - 1, faults: scenario("2pc-coordinator-crash").spec.faults },
  ]);
  assert.equal(same.traceHash, parent.traceHash);
});

test("lose: exactly the next message on the link is lost, without a random draw", () => {
  const result = run("2pc-happy-path", 20, [
    { type: "apply", afterSeq: -1, action: { do: "lose", from: "coord", to: "p2", count: 1 } },
  ]);
  const note = result.events.find((event) => event.data?.["lose"] !== undefined);
  assert.deepEqual(note?.data?.["lose"], { from: "coord", to: "p2", count: 1 });
  const drops = result.events.filter((event) => event.kind === "DROP");
  assert.equal(drops.length, 1);
  assert.equal(drops[0]?.data?.["from"], "coord");
  assert.equal(drops[0]?.data?.["to"], "p2");
});

test("a replacement's at: time already past applies at the switch's time instead of never", () => {
  const plain = runScenario(scenario("2pc-happy-path"), { seed: 20 });
  const atSeq = 12;
  const switchTime = (plain.events[atSeq - 1] as (typeof plain.events)[0]).time;
  assert.ok(switchTime > 0);
  const fork = run("2pc-happy-path", 20, [
    {
      type: "replace",
      afterSeq: atSeq - 1,
      faults: [{ trigger: { type: "at", at: 0 }, action: { do: "crash", node: "p3" } }],
    },
  ]);
  const crash = fork.events.find((event) => event.kind === "CRASH");
  assert.equal(crash?.node, "p3");
  assert.ok((crash?.time ?? -1) >= switchTime);
});
