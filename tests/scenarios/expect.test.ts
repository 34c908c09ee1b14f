import { test } from "node:test";
import assert from "node:assert/strict";
import { checkExpectations, eventMatches, formatProblem, valueAt } from "../../src/scenarios/expect";
import { parseScenario } from "../../src/scenarios/loader";
import type { Scenario } from "../../src/scenarios/types";
import { Simulation, type SimulationResult } from "../../src/sim/world";
import { strictEcho, TEST_PROTOCOLS } from "./helpers";

// One run of strict-echo: at 0 a client asks a to ping; a sends PING to b and c, both
// answer PONG, and the NoPongs checker reports a once. The expectations below are
// judged against that run.
const HEADER = [
  "id: pings",
  "title: Pings",
  "topic: consensus",
  "protocol: strict-echo",
  "summary: a pings b and c.",
  "objectives: [Watch the pongs.]",
  "nodes: [a, b, c]",
  "seed: 3",
  "config: { leader: a }",
  "workload: [{ at: 0, node: a, op: ping }]",
];

function scenarioWith(lines: readonly string[]): Scenario {
  const result = parseScenario([...HEADER, ...lines].join("\n") + "\n", "consensus/pings.yaml", TEST_PROTOCOLS);
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join("\n"));
  return result.scenario;
}

function run(scenario: Scenario): SimulationResult {
  return new Simulation(strictEcho, scenario.config, scenario.spec).run();
}

/** The failure messages of a scenario's expectations on its own seed. */
function failures(lines: readonly string[]): string[] {
  const scenario = scenarioWith(lines);
  return checkExpectations(scenario, run(scenario)).map((failure) => failure.message);
}

test("outcomes that hold for the run give no failures", () => {
  assert.deepEqual(
    failures([
      "expect:",
      "  - violations: [NoPongs]",
      "  - events: { kind: SEND, node: a, message: PING }",
      "    count: 2",
      "  - events: { kind: DELIVER, to: a, message: PONG }",
      "    min: 2",
      "    max: 2",
      "  - events: { kind: CRASH }",
      "    count: 0",
      "  - state: { node: b, path: pings, equals: 1 }",
      "  - state: { node: a, path: pongs, equals: 2 }",
      "  - stop: quiescent",
      "  - order: { first: { kind: SEND, message: PING }, then: { kind: DELIVER, message: PONG } }",
    ]),
    [],
  );
});

test("violations: the exact set is compared, and a failure lists what was violated where", () => {
  const [message, ...rest] = failures(["expect:", "  - violations: []"]);
  assert.deepEqual(rest, []);
  assert.match(
    message as string,
    /^expect\[0\] \(violations\): expected violations \[\] \(none\), found \[NoPongs\] \(NoPongs at seq \d+: a received a PONG\)$/,
  );
});

test("events: count, min and max failures say how many matched", () => {
  assert.deepEqual(
    failures([
      "expect:",
      "  - events: { kind: SEND, node: a, message: PING }",
      "    count: 3",
      "  - events: { kind: SEND, node: a, message: PING }",
      "    min: 3",
      "  - events: { kind: DELIVER, to: a }",
      "    max: 1",
    ]),
    [
      "expect[0] (events): expected 3 events matching { kind: SEND, node: a, message: PING }, found 2",
      "expect[1] (events): expected at least 3 events matching { kind: SEND, node: a, message: PING }, found 2",
      "expect[2] (events): expected at most 1 events matching { kind: DELIVER, to: a }, found 2",
    ],
  );
});

test("state: a wrong value, a missing path and a node that is down are each named", () => {
  assert.deepEqual(
    failures([
      "faults: [{ at: 500, do: crash, node: c }]",
      "expect:",
      "  - state: { node: b, path: pings, equals: 2 }",
      "  - state: { node: b, path: log.5, equals: x }",
      "  - state: { node: b, path: nope.deeper, equals: 1 }",
      "  - state: { node: c, path: pings, equals: 1 }",
      "    description: c answered the ping",
    ]),
    [
      "expect[0] (state): expected b.pings to equal 2, found 1",
      'expect[1] (state): expected b.log.5 to equal "x", found no value: log has 1 item, so no item 5',
      'expect[2] (state): expected b.nope.deeper to equal 1, found no value: the state has no "nope" (it has pings, pongs, log)',
      'expect[3] (state) "c answered the ping": expected c.pings to equal 1, found c down at the end of the run',
    ],
  );
});

test("stop and order failures say what the run did instead", () => {
  const found = failures([
    "expect:",
    "  - stop: maxTime",
    "  - order: { first: { kind: DELIVER, message: PONG }, then: { kind: SEND, message: PING } }",
    "  - order: { first: { kind: SEND }, then: { kind: CRASH } }",
    "  - order: { first: { kind: CRASH }, then: { kind: SEND } }",
  ]);
  assert.equal(found.length, 4, found.join("\n"));
  assert.match(found[0] as string, /^expect\[0\] \(stop\): expected the run to stop with maxTime, found quiescent \(the run stopped because nothing was left to happen/);
  // seq 0 is the CLIENT_INVOKE at a, seq 1 its first PING.
  assert.match(
    found[1] as string,
    /^expect\[1\] \(order\): expected every event matching \{ kind: DELIVER, message: PONG \} before the first matching \{ kind: SEND, message: PING \} \(seq 1\), found seq \d+: a receives PONG from [bc]\.$/,
  );
  assert.equal(found[2], "expect[2] (order): expected an event matching { kind: CRASH } after { kind: SEND }, found none");
  assert.equal(found[3], "expect[3] (order): expected an event matching { kind: CRASH }, found none");
});

test("eventMatches: message is the message type of network events and the op of client events", () => {
  const scenario = scenarioWith([]);
  const events = run(scenario).events;
  const invoke = events.find((event) => event.kind === "CLIENT_INVOKE");
  const send = events.find((event) => event.kind === "SEND");
  assert.ok(invoke && send);
  assert.ok(eventMatches({ message: "ping" }, invoke), "a client event matches its op");
  assert.ok(eventMatches({ kind: "SEND", from: "a", message: "PING", summaryContains: "pings" }, send));
  assert.ok(!eventMatches({ message: "PONG" }, send));
  assert.ok(!eventMatches({ to: "a" }, send), "a's first PING goes to b, not to a");
});

test("valueAt walks mappings by key and lists by index", () => {
  const state = { transactions: { t1: { status: "PREPARED", votes: ["YES", "NO"] } } };
  assert.deepEqual(valueAt(state, "transactions.t1.status"), { value: "PREPARED" });
  assert.deepEqual(valueAt(state, "transactions.t1.votes.1"), { value: "NO" });
  assert.deepEqual(valueAt(state, "transactions.t2.status"), {
    missing: 'transactions has no "t2" (it has t1)',
  });
  assert.deepEqual(valueAt(state, "transactions.t1.votes.2"), { missing: "transactions.t1.votes has 2 items, so no item 2" });
});

test("formatProblem prints file:line:column: path: message, and leaves out an empty path", () => {
  assert.equal(
    formatProblem({ file: "transactions/x.yaml", line: 3, column: 7, path: "faults[0].node", message: "expected a node" }),
    "transactions/x.yaml:3:7: faults[0].node: expected a node",
  );
  assert.equal(
    formatProblem({ file: "transactions/x.yaml", line: 2, column: 1, path: "", message: "YAML syntax error: oops" }),
    "transactions/x.yaml:2:1: YAML syntax error: oops",
  );
});
