import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServices, FaultlineError } from "../../src/runs";
import { concurrentWith, happensBefore } from "../../src/sim/causality";
import { isJsonObject } from "../../src/sim/json";
import type { TraceEvent } from "../../src/sim/types";
import { checkExpectations } from "../../src/scenarios/expect";
import { formatProblem, parseScenario } from "../../src/scenarios/loader";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";

// The clocks scenarios of the clocks protocol, read through the real loader and run by
// the real runner (clock-skew-lww belongs to the CRDT protocol and is tested with it).
// Compiled to dist/tests/protocols, so the project root is three levels up.
const DIR = join(__dirname, "..", "..", "..", "scenarios", "clocks");
const IDS = ["lamport-total-order", "vector-clock-concurrency", "hlc-bounded"];

function load(id: string): Scenario {
  const parsed = parseScenario(readFileSync(join(DIR, `${id}.yaml`), "utf8"), `clocks/${id}.yaml`);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join("\n"));
  return parsed.scenario;
}

/** The first SEND of the application message with this text. */
function sendOf(events: readonly TraceEvent[], text: string): TraceEvent {
  const found = events.find((e) => {
    const message = e.data?.["message"];
    return e.kind === "SEND" && isJsonObject(message) && message["text"] === text;
  });
  assert.ok(found, `a SEND of "${text}"`);
  return found;
}

test("every clocks scenario loads, and its expect: outcomes hold for its seed, the same way every time", () => {
  for (const id of IDS) {
    const scenario = load(id);
    assert.equal(scenario.protocol, "clocks");
    assert.equal(scenario.topic, "clocks");
    assert.ok(scenario.objectives.length >= 3, `${id} tells the learner what to take away`);
    const result = runScenario(scenario);
    const failures = checkExpectations(scenario, result).map((f) => f.message);
    assert.deepEqual(failures, [], `${id} (reproduce with seed=${scenario.spec.seed})`);
    assert.ok(scenario.expect.some((e) => e.kind === "violations" && e.invariants.length === 0));
    assert.equal(runScenario(scenario).traceHash, result.traceHash, `${id} is deterministic`);
  }
});

test("vector-clock-concurrency: the core's causality agrees with what n3 concluded", () => {
  const result = runScenario(load("vector-clock-concurrency"));
  const x1 = sendOf(result.events, "x=1");
  const x2 = sendOf(result.events, "x=2");
  const x3 = sendOf(result.events, "x=3");
  assert.equal(happensBefore(result.events, x1.seq, x2.seq), "CONCURRENT");
  assert.ok(concurrentWith(result.events, x1.seq).includes(x2.seq));
  assert.equal(happensBefore(result.events, x1.seq, x3.seq), "BEFORE");
  assert.equal(happensBefore(result.events, x2.seq, x3.seq), "BEFORE", "x=3 was written after n1 heard of x=2");
  const lamportOf = (event: TraceEvent): unknown => (event.data?.["message"] as { lamport?: unknown }).lamport;
  assert.equal(lamportOf(x1), 1);
  assert.equal(lamportOf(x2), 1, "the protocol's Lamport clock gives both writes 1: it cannot tell them apart");
});

test("lamport-total-order: the total order extends happened-before, and orders concurrent sends too", () => {
  const result = runScenario(load("lamport-total-order"));
  const order = result.nodes.find((n) => n.node === "n2")?.state?.["lamportOrder"];
  assert.ok(Array.isArray(order));
  const sends = result.events.filter((e) => e.kind === "SEND");
  const position = (event: TraceEvent): number => {
    const message = event.data?.["message"];
    return order.indexOf(isJsonObject(message) ? (message["id"] as string) : "");
  };
  let concurrentPairs = 0;
  for (const a of sends) {
    for (const b of sends) {
      const relation = happensBefore(result.events, a.seq, b.seq);
      if (relation === "BEFORE" && position(a) !== position(b)) {
        assert.ok(position(a) < position(b), `${a.summary} happened before ${b.summary}`);
      }
      if (relation === "CONCURRENT" && position(a) < position(b)) concurrentPairs += 1;
    }
  }
  assert.ok(concurrentPairs >= 1, "some concurrent sends are ordered all the same");
});

test("hlc-bounded: under its skew the checkers stay silent for many seeds, not only the scenario's own", () => {
  const scenario = load("hlc-bounded");
  for (let seed = 1; seed <= 40; seed++) {
    const result = runScenario(scenario, { seed });
    assert.deepEqual(
      result.violations.map((v) => `${v.invariant}: ${v.message}`),
      [],
      `reproduce with seed=${seed}: hlc-bounded, clocks=${JSON.stringify(scenario.spec.clocks)}`,
    );
    assert.ok(result.events.some((e) => e.kind === "STATE_CHANGE" && e.data?.["clockChange"] === "jump"));
  }
});

test("the run service answers happensBefore and concurrentWith from a stored run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-clocks-"));
  const services = await createServices({
    dbPath: join(dir, "test.db"),
    scenariosDir: join(__dirname, "..", "..", "..", "scenarios"),
    maxRunWorkers: 1,
    report: () => undefined,
  });
  try {
    const run = await services.runs.startRun({ scenarioId: "vector-clock-concurrency" });
    assert.equal(run.status, "COMPLETED");
    const expected = runScenario(load("vector-clock-concurrency"));
    const x1 = sendOf(expected.events, "x=1");
    const x2 = sendOf(expected.events, "x=2");
    const x3 = sendOf(expected.events, "x=3");
    assert.equal(await services.runs.happensBefore(run.id, x1.seq, x2.seq), "CONCURRENT");
    assert.equal(await services.runs.happensBefore(run.id, x3.seq, x1.seq), "AFTER");
    assert.equal(await services.runs.happensBefore(run.id, x3.seq, x3.seq), "SAME");
    // The service leaves the network's pseudo-events (here a checker's summary NOTE) out of its answers.
    const nodeEvents = concurrentWith(expected.events, x1.seq).filter(
      (seq) => expected.events[seq]?.node !== "network",
    );
    assert.deepEqual(await services.runs.concurrentWith(run.id, x1.seq), nodeEvents);
    await assert.rejects(
      () => services.runs.happensBefore(run.id, 0, 99_999),
      (error: unknown) =>
        error instanceof FaultlineError && error.code === "BAD_USER_INPUT" && /seq 99999/.test(error.message),
    );
    await assert.rejects(() => services.runs.concurrentWith("no-such-run", 0), FaultlineError);
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
