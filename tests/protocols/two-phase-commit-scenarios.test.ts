import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkExpectations } from "../../src/scenarios/expect";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";
import type { JsonObject } from "../../src/sim/json";
import { Simulation } from "../../src/sim/world";
import { twoPhaseCommit } from "../../src/protocols/two-phase-commit";
import type { TwoPhaseCommitConfig } from "../../src/protocols/two-phase-commit";

// The transactions scenarios, read through the real loader and run by the real runner.
// Compiled to dist/tests/protocols, so the project root is three levels up.
const DIR = join(__dirname, "..", "..", "..", "scenarios", "transactions");

function load(id: string): Scenario {
  const file = `transactions/${id}.yaml`;
  const parsed = parseScenario(readFileSync(join(DIR, `${id}.yaml`), "utf8"), file);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

// Only the two-phase commit scenarios (the folder also holds sagas and isolation, tested in their own files).
const ids = readdirSync(DIR)
  .filter(
    (name) => name.endsWith(".yaml") && /^protocol: two-phase-commit$/m.test(readFileSync(join(DIR, name), "utf8")),
  )
  .map((name) => name.slice(0, -".yaml".length))
  .sort();

test("every transactions scenario loads, uses two-phase commit, and its expect: outcomes hold for its seed", () => {
  assert.ok(ids.includes("2pc-coordinator-crash") && ids.includes("2pc-coordinator-crash-after-partial-decision"));
  for (const id of ids) {
    const scenario = load(id);
    assert.equal(scenario.protocol, "two-phase-commit");
    assert.ok(scenario.objectives.length >= 2, `${id} tells the learner what to take away`);
    const result = runScenario(scenario);
    const failures = checkExpectations(scenario, result).map((f) => f.message);
    assert.deepEqual(failures, [], `${id} (reproduce with seed=${scenario.spec.seed})`);
    assert.ok(
      scenario.expect.some((e) => e.kind === "violations" && e.invariants.length === 0),
      `${id} promises no Atomicity violation`,
    );
    assert.equal(runScenario(scenario).traceHash, result.traceHash, `${id} is deterministic`);
  }
});

test("2pc-coordinator-crash: between the crash and the recovery every participant is PREPARED and holds x; uncertain at first, then blocked (Bernstein et al. 7.3)", () => {
  const scenario = load("2pc-coordinator-crash");
  const full = runScenario(scenario);
  const crash = full.events.find((e) => e.kind === "CRASH" && e.node === "coord");
  const recovery = full.events.find((e) => e.kind === "RECOVER" && e.node === "coord");
  assert.ok(crash !== undefined && recovery !== undefined);
  // Replay to a few points inside the window and look at the participants' states.
  const config = scenario.config as TwoPhaseCommitConfig;
  const standings = (stopAtSeq: number) => {
    const sim = new Simulation(twoPhaseCommit, config, scenario.spec, { stopAtSeq });
    sim.run();
    return sim
      .views()
      .filter((v) => v.node !== "coord")
      .map((view) => {
        const tx = (view.state?.["transactions"] as JsonObject)["t1"] as JsonObject;
        assert.equal(tx["status"], "PREPARED", `${view.node} after event ${stopAtSeq}`);
        assert.deepEqual(view.state?.["locks"], { x: "t1" }, `${view.node} holds x after event ${stopAtSeq}`);
        return tx["state"];
      });
  };
  assert.deepEqual(standings(crash.seq), ["uncertain", "uncertain", "uncertain"], "a crash alone blocks nobody yet");
  assert.deepEqual(
    standings(recovery.seq - 1),
    ["blocked", "blocked", "blocked"],
    "their timeouts found nobody to ask",
  );
  const blocked = full.events.filter((e) => e.data?.["fact"] === "blocked");
  assert.deepEqual(blocked.map((e) => e.node).sort(), ["p1", "p2", "p3"], "each becomes blocked once, by name");
  assert.ok(blocked.every((e) => e.seq > crash.seq && e.seq < recovery.seq));
});

test("a wrong two-phase commit config is reported at its field path and line", () => {
  const source = readFileSync(join(DIR, "2pc-participant-votes-no.yaml"), "utf8").replace(
    "votes: { p2: no }",
    "votes: { p9: no }",
  );
  const parsed = parseScenario(source, "transactions/2pc-participant-votes-no.yaml");
  assert.equal(parsed.ok, false);
  const problems = parsed.ok ? [] : parsed.problems;
  const problem = problems.find((p) => p.path === "config.votes.p9");
  assert.ok(problem !== undefined, problems.map(formatProblem).join("\n"));
  assert.match(problem.message, /p9 is not a participant/);
  const line = source.split("\n").findIndex((text) => text.includes("p9: no")) + 1;
  assert.equal(problem.line, line);
});
