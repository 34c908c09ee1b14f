import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario, type ProtocolLookup } from "../../src/scenarios/loader";
import { formatProblem } from "../../src/scenarios/expect";
import type { Scenario } from "../../src/scenarios/types";
import { DEFAULT_LIMITS, DEFAULT_NETWORK } from "../../src/sim/spec";
import { erase } from "../../src/protocols";
import { echoProtocol } from "../sim/helpers";
import { BASE, TEST_PROTOCOLS } from "./helpers";

// Each test feeds the loader a YAML file as a user would write it and checks the
// exact lines a user would see: "file:line:column: path: message".

function problems(lines: readonly string[], file = "consensus/demo.yaml", protocols: ProtocolLookup = TEST_PROTOCOLS) {
  const result = parseScenario(lines.join("\n") + "\n", file, protocols);
  if (result.ok) assert.fail(`expected ${file} to be rejected, but it loaded`);
  return result.problems.map(formatProblem);
}

function load(lines: readonly string[], file = "consensus/demo.yaml", protocols: ProtocolLookup = TEST_PROTOCOLS) {
  const result = parseScenario(lines.join("\n") + "\n", file, protocols);
  if (!result.ok) assert.fail(`expected ${file} to load, got:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.scenario;
}

/** BASE with line `index` (1-based) replaced. */
function withLine(line: number, text: string): string[] {
  return BASE.map((original, index) => (index === line - 1 ? text : original));
}

test("the smallest valid file loads with every default the README promises", () => {
  const scenario: Scenario = load(BASE);
  assert.equal(scenario.id, "demo");
  assert.equal(scenario.title, "Demo");
  assert.equal(scenario.topic, "consensus");
  assert.equal(scenario.protocol, "echo");
  assert.equal(scenario.summary, "Pings and pongs.");
  assert.deepEqual(scenario.objectives, ["See a ping answered."]);
  assert.equal(scenario.file, "consensus/demo.yaml");
  assert.equal(scenario.source, BASE.join("\n") + "\n");
  assert.deepEqual(scenario.spec, {
    nodes: ["a", "b", "c"],
    seed: 1,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload: [],
    faults: [],
    limits: DEFAULT_LIMITS,
  });
  assert.deepEqual(scenario.expect, []);
  assert.deepEqual(scenario.questions, []);
  assert.deepEqual(scenario.config, { persistPings: true }, "the config is what the protocol's parseConfig returned");
});

test("every field of the format is read into the SimulationSpec", () => {
  const scenario = load([
    "id: full",
    "title: Everything",
    "topic: consensus",
    "protocol: strict-echo",
    "summary: |",
    "  Every field.",
    "objectives:",
    "  - One.",
    "nodes: [a, b, c]",
    "seed: 42",
    "network:",
    "  delay: { min: 2, max: 4 }",
    "  drop: 0.1",
    "  duplicate: 0",
    "  fifo: true",
    "  partitionInFlight: hold",
    "  links:",
    "    - { from: a, to: b, delay: { min: 7, max: 7 }, drop: 0 }",
    "clocks:",
    "  b: { offset: -120, drift: 0.001 }",
    "config: { leader: a }",
    "workload:",
    "  - at: 0",
    "    node: a",
    "    op: ping",
    "    args: { n: 1, tags: [x, y], nested: { ok: true, none: null } }",
    "  - when: { event: { kind: DELIVER, to: b, message: PING, count: 2 } }",
    "    after: 5",
    "    node: b",
    "    op: tick",
    "    followRedirects: 0",
    "faults:",
    "  - when: { event: { kind: PARTITION, node: network } }",
    "    do: crash",
    "    node: c",
    "  - { at: 10, do: recover, node: c }",
    "  - { at: 11, do: partition, groups: [[a], [b, c]] }",
    "  - { at: 12, do: isolate, node: a }",
    "  - { at: 13, do: heal }",
    "  - { at: 14, do: cut, from: a, to: b }",
    "  - { at: 15, do: drop, to: c, probability: 0.5 }",
    "  - { at: 16, do: duplicate, from: a, probability: 1 }",
    "  - { at: 17, do: delay, min: 3, max: 9 }",
    "  - { at: 18, do: ignore, message: PONG }",
    "  - { at: 19, do: clock, node: b, offset: 30 }",
    "expect:",
    "  - violations: [NoPongs]",
    "  - events: { kind: SEND, from: a }",
    "    min: 1",
    "    description: a pings",
    '  - state: { node: a, path: log.0, equals: "PONG from b" }',
    "  - stop: quiescent",
    "  - order: { first: { kind: CLIENT_INVOKE }, then: { kind: CRASH } }",
    "questions:",
    '  - { ask: "Who crashed?" }',
    "limits: { maxTime: 5000 }",
  ], "consensus/full.yaml");
  assert.equal(scenario.summary, "Every field.\n");
  assert.deepEqual(scenario.spec, {
    nodes: ["a", "b", "c"],
    seed: 42,
    network: {
      delay: { min: 2, max: 4 },
      drop: 0.1,
      duplicate: 0,
      fifo: true,
      partitionInFlight: "hold",
      links: [{ from: "a", to: "b", delay: { min: 7, max: 7 }, drop: 0 }],
    },
    clocks: { b: { offset: -120, drift: 0.001 } },
    workload: [
      {
        trigger: { type: "at", at: 0 },
        node: "a",
        op: "ping",
        args: { n: 1, tags: ["x", "y"], nested: { ok: true, none: null } },
        followRedirects: 3,
      },
      {
        trigger: { type: "when", when: { kind: "DELIVER", to: "b", message: "PING", count: 2 }, after: 5 },
        node: "b",
        op: "tick",
        args: {},
        followRedirects: 0,
      },
    ],
    faults: [
      {
        trigger: { type: "when", when: { kind: "PARTITION", node: "network", count: 1 }, after: 0 },
        action: { do: "crash", node: "c" },
      },
      { trigger: { type: "at", at: 10 }, action: { do: "recover", node: "c" } },
      { trigger: { type: "at", at: 11 }, action: { do: "partition", groups: [["a"], ["b", "c"]] } },
      { trigger: { type: "at", at: 12 }, action: { do: "isolate", node: "a" } },
      { trigger: { type: "at", at: 13 }, action: { do: "heal" } },
      { trigger: { type: "at", at: 14 }, action: { do: "cut", from: "a", to: "b" } },
      { trigger: { type: "at", at: 15 }, action: { do: "drop", to: "c", probability: 0.5 } },
      { trigger: { type: "at", at: 16 }, action: { do: "duplicate", from: "a", probability: 1 } },
      { trigger: { type: "at", at: 17 }, action: { do: "delay", min: 3, max: 9 } },
      { trigger: { type: "at", at: 18 }, action: { do: "ignore", message: "PONG" } },
      { trigger: { type: "at", at: 19 }, action: { do: "clock", node: "b", offset: 30 } },
    ],
    limits: { maxTime: 5000, maxEvents: DEFAULT_LIMITS.maxEvents },
  });
  assert.deepEqual(scenario.expect, [
    { kind: "violations", invariants: ["NoPongs"] },
    { kind: "events", match: { kind: "SEND", from: "a" }, min: 1, description: "a pings" },
    { kind: "state", node: "a", path: "log.0", equals: "PONG from b" },
    { kind: "stop", reason: "quiescent" },
    { kind: "order", first: { kind: "CLIENT_INVOKE" }, then: { kind: "CRASH" } },
  ]);
  assert.deepEqual(scenario.questions, [{ ask: "Who crashed?" }]);
});

test("a YAML syntax error is reported at its line and column, and the content is not validated", () => {
  assert.deepEqual(problems([...BASE, "title: Again"]), [
    "consensus/demo.yaml:8:1: YAML syntax error: Map keys must be unique",
  ]);
  // An unclosed [ is noticed where the list should have ended: the line after it.
  assert.deepEqual(problems(withLine(7, "nodes: [a, b, c")), [
    "consensus/demo.yaml:8:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented " +
      "and end with a ]",
  ]);
});

test("an empty file or a list instead of a mapping says what the top level must be", () => {
  const expected = "expected a mapping with the fields id, title, topic, protocol, summary, objectives, nodes";
  assert.deepEqual(problems([]), [`consensus/demo.yaml:1:1: ${expected}, found nothing`]);
  assert.deepEqual(problems(["- a", "- b"]), [`consensus/demo.yaml:1:1: ${expected}, found a list`]);
});

test("missing required fields are each reported at the mapping that lacks them", () => {
  assert.deepEqual(problems(["# a scenario", "id: demo", "topic: consensus"]), [
    'consensus/demo.yaml:2:1: title: missing required field "title"',
    'consensus/demo.yaml:2:1: protocol: missing required field "protocol"',
    'consensus/demo.yaml:2:1: summary: missing required field "summary"',
    'consensus/demo.yaml:2:1: objectives: missing required field "objectives"',
    'consensus/demo.yaml:2:1: nodes: missing required field "nodes"',
  ]);
});

test("an unknown field is rejected at its key, with a suggestion when one is close", () => {
  assert.deepEqual(problems([...BASE, "sead: 7", "flavour: mint"]), [
    'consensus/demo.yaml:8:1: sead: unknown field "sead": did you mean "seed"? (expected one of id, title, topic, ' +
      "protocol, summary, objectives, nodes, seed, seeds, network, clocks, config, workload, faults, expect, questions, limits)",
    'consensus/demo.yaml:9:1: flavour: unknown field "flavour"; expected one of id, title, topic, protocol, summary, ' +
      "objectives, nodes, seed, seeds, network, clocks, config, workload, faults, expect, questions, limits",
  ]);
});

test("the id must be kebab-case and equal the file name; the topic a known one and equal the folder", () => {
  assert.deepEqual(problems(withLine(1, "id: Demo_1")), [
    'consensus/demo.yaml:1:5: id: expected an id in kebab-case (lower-case letters and digits joined by single -), found "Demo_1"',
  ]);
  assert.deepEqual(problems(withLine(1, "id: other")), [
    'consensus/demo.yaml:1:5: id: expected "demo" (the id must equal the file\'s name without .yaml), found "other"',
  ]);
  assert.deepEqual(problems(withLine(3, "topic: clocks")), [
    'consensus/demo.yaml:3:8: topic: expected "consensus" (the topic must equal the folder the file is in), found "clocks"',
  ]);
  assert.deepEqual(problems(withLine(3, "topic: consensu"), "demo.yaml"), [
    "demo.yaml:3:8: topic: expected a topic: one of consensus, transactions, clocks, crdt, replication, " +
      'found "consensu"; did you mean "consensus"?',
  ]);
  assert.equal(load(withLine(3, "topic: clocks"), "demo.yaml").topic, "clocks", "a file with no folder has no folder rule");
  assert.equal(load(BASE, "consensus/demo.yml").id, "demo", ".yml works like .yaml");
  assert.deepEqual(problems(withLine(2, "title: 2024")), [
    "consensus/demo.yaml:2:8: title: expected a title (text), found 2024",
  ]);
});

test("the protocol must be registered; the registry's names are listed", () => {
  assert.deepEqual(problems(withLine(4, "protocol: ecko")), [
    'consensus/demo.yaml:4:11: protocol: expected a registered protocol (echo, strict-echo), found "ecko"; did you mean "echo"?',
  ]);
  const lookup = (name: string) => TEST_PROTOCOLS.get(name);
  assert.equal(load(BASE, "consensus/demo.yaml", lookup).protocol, "echo", "a lookup function works like a map");
  assert.deepEqual(problems(withLine(4, "protocol: ecko"), "consensus/demo.yaml", lookup), [
    'consensus/demo.yaml:4:11: protocol: expected a registered protocol, found "ecko"',
  ]);
});

test("node names are unique, not 'network', without spaces; an empty list or value says so", () => {
  assert.deepEqual(problems(withLine(7, "nodes: [a, b, a, network, 'x y']")), [
    'consensus/demo.yaml:7:15: nodes[2]: node "a" is listed twice; node names must be unique',
    "consensus/demo.yaml:7:18: nodes[3]: expected a node name other than \"network\" (the trace's name for the network), " +
      'found "network"',
    'consensus/demo.yaml:7:27: nodes[4]: expected a node name without spaces, found "x y"',
  ]);
  assert.deepEqual(problems(withLine(7, "nodes: []")), [
    "consensus/demo.yaml:7:8: nodes: expected at least one node, found an empty list",
  ]);
  assert.deepEqual(problems(withLine(7, "nodes:")), [
    "consensus/demo.yaml:7:1: nodes: expected a list of node names, found nothing",
  ]);
});

test("plain text with ': ' in it is read by YAML as a mapping; the message says to quote it", () => {
  assert.deepEqual(problems([...BASE.slice(0, 5), "objectives:", "  - Explain presumed abort: why it is safe.", BASE[6] as string]), [
    'consensus/demo.yaml:7:5: objectives[0]: expected an objective (text), found a mapping: in plain YAML text ": " ' +
      "starts a mapping, so put the text in quotes",
  ]);
});

test("workload items: every problem in every item is collected, each at its own value", () => {
  assert.deepEqual(
    problems([
      ...BASE,
      "workload:",
      "  - at: -5",
      "    node: d",
      "    op: pong",
      "  - at: 3",
      "    when: { event: { kind: SEND } }",
      "    node: a",
      "    op: ping",
      "  - node: b",
      "    op: ping",
      "  - at: 1",
      "    after: 2",
      "    node: c",
      "    op: ping",
      "    args: [1]",
      "    followRedirects: -1",
    ]),
    [
      "consensus/demo.yaml:9:9: workload[0].at: expected a non-negative integer number of ms, found -5",
      'consensus/demo.yaml:10:11: workload[0].node: expected one of the scenario\'s nodes (a, b, c), found "d"',
      "consensus/demo.yaml:11:9: workload[0].op: expected one of echo's operations (ping, tick), found \"pong\"; " +
        'did you mean "ping"?',
      "consensus/demo.yaml:12:5: workload[1]: expected exactly one of at: (a time) or when: (an event predicate), found both",
      "consensus/demo.yaml:16:5: workload[2]: expected at: (a time in ms) or when: (an event predicate) saying when " +
        "this happens, found neither",
      "consensus/demo.yaml:19:12: workload[3].after: after: is only allowed with when:; with at: add the delay to the time instead",
      "consensus/demo.yaml:22:11: workload[3].args: expected a mapping of arguments, found a list",
      "consensus/demo.yaml:23:22: workload[3].followRedirects: expected a non-negative integer number of redirects, found -1",
    ],
  );
});

test("faults: do: must be known, and each kind takes exactly its own fields with valid values", () => {
  assert.deepEqual(
    problems([
      ...BASE,
      "faults:",
      "  - at: 10",
      "    do: crsh",
      "    node: a",
      "  - at: 10",
      "    do: crash",
      "  - at: 10",
      "    do: crash",
      "    node: a",
      "    groups: [[a]]",
      "  - at: 10",
      "    do: partition",
      "    groups: [[a, b], [b, c], []]",
      "  - at: 10",
      "    do: cut",
      "    from: a",
      "    to: a",
      "  - when: { event: { kind: DELIVERED, count: 0 } }",
      "    do: drop",
      "    probability: 1.5",
      "  - at: 10",
      "    do: delay",
      "    min: 10",
      "    max: 5",
      "  - at: 10",
      "    do: clock",
      "    node: b",
      "    offset: 5",
      "    drift: -2",
    ]),
    [
      "consensus/demo.yaml:10:9: faults[0].do: expected a fault kind (crash, recover, partition, isolate, heal, cut, " +
        'drop, duplicate, delay, ignore, clock, pause, lose), found "crsh"; did you mean "crash"?',
      'consensus/demo.yaml:12:5: faults[1].node: missing required field "node"',
      'consensus/demo.yaml:17:5: faults[2].groups: unknown field "groups" for do: crash; expected one of at, when, ' +
        "after, do, node",
      "consensus/demo.yaml:20:23: faults[3].groups[1][0]: b is already in faults[3].groups[0]; a node is in one group only",
      "consensus/demo.yaml:20:30: faults[3].groups[2]: expected a group with at least one node, found an empty list",
      'consensus/demo.yaml:24:9: faults[4].to: expected a node other than from (a), found "a"',
      "consensus/demo.yaml:25:28: faults[5].when.event.kind: expected an event kind (SEND, DELIVER, DROP, DUPLICATE, " +
        "TIMER, CRASH, RECOVER, PARTITION, HEAL, CLIENT_INVOKE, CLIENT_RETURN, STATE_CHANGE, NOTE, VIOLATION), " +
        'found "DELIVERED"; did you mean "DELIVER"?',
      "consensus/demo.yaml:25:46: faults[5].when.event.count: expected a count of at least 1, found 0",
      "consensus/demo.yaml:27:18: faults[5].probability: expected a probability between 0 and 1, found 1.5",
      "consensus/demo.yaml:31:10: faults[6].max: expected a max of at least min (10), found 5",
      "consensus/demo.yaml:36:12: faults[7].drift: expected a drift greater than -1 (a fraction: 0.001 gains 1 ms " +
        "per second), found -2",
    ],
  );
});

test("a pause fault takes a node and a duration of at least 1 ms, at a time or on a trigger", () => {
  const scenario = load([
    ...BASE,
    "faults:",
    "  - at: 10",
    "    do: pause",
    "    node: b",
    "    duration: 300",
    "  - when: { event: { kind: DELIVER, to: a } }",
    "    do: pause",
    "    node: a",
    "    duration: 1",
  ]);
  assert.deepEqual(
    scenario.spec.faults.map((fault) => fault.action),
    [
      { do: "pause", node: "b", duration: 300 },
      { do: "pause", node: "a", duration: 1 },
    ],
  );
  assert.deepEqual(
    problems([
      ...BASE,
      "faults:",
      "  - at: 10",
      "    do: pause",
      "    node: b",
      "    duration: 0",
      "  - at: 10",
      "    do: pause",
      "    node: b",
      "  - at: 10",
      "    do: pause",
      "    node: x",
      "    duration: 5",
    ]),
    [
      "consensus/demo.yaml:12:15: faults[0].duration: expected a pause of at least 1 ms (an integer), found 0",
      'consensus/demo.yaml:13:5: faults[1].duration: missing required field "duration"',
      'consensus/demo.yaml:18:11: faults[2].node: expected one of the scenario\'s nodes (a, b, c), found "x"',
    ],
  );
});

test("trigger predicates name real nodes; only node: may be the network, from:/to: may not", () => {
  assert.deepEqual(
    problems([
      ...BASE,
      "faults:",
      "  - when: { event: { node: network, from: network, to: d } }",
      "    do: heal",
    ]),
    [
      'consensus/demo.yaml:9:43: faults[0].when.event.from: expected one of the scenario\'s nodes (a, b, c), found "network"',
      'consensus/demo.yaml:9:56: faults[0].when.event.to: expected one of the scenario\'s nodes (a, b, c), found "d"',
    ],
  );
});

test("network: delays, probabilities, the in-flight policy and links are checked", () => {
  assert.deepEqual(
    problems([
      ...BASE,
      "network:",
      "  delay: { min: 5, max: 2 }",
      "  drop: 2",
      "  partitionInFlight: keep",
      "  links:",
      "    - { from: a, to: a }",
      "    - { from: a, to: b, drop: 0.5 }",
      "    - { from: a, to: b }",
      "    - { from: a, to: z }",
      "  dleay: 3",
    ]),
    [
      "consensus/demo.yaml:9:25: network.delay.max: expected a max of at least min (5), found 2",
      "consensus/demo.yaml:10:9: network.drop: expected a probability between 0 and 1, found 2",
      'consensus/demo.yaml:11:22: network.partitionInFlight: expected drop or hold, found "keep"',
      'consensus/demo.yaml:13:22: network.links[0].to: expected a node other than from (a): a link joins two nodes, found "a"',
      "consensus/demo.yaml:15:7: network.links[2]: the link from a to b is already given at network.links[1]",
      'consensus/demo.yaml:16:22: network.links[3].to: expected one of the scenario\'s nodes (a, b, c), found "z"',
      'consensus/demo.yaml:17:3: network.dleay: unknown field "dleay": did you mean "delay"? (expected one of delay, ' +
        "drop, duplicate, fifo, partitionInFlight, links)",
    ],
  );
});

test("clocks are keyed by node name; drift and offset are checked", () => {
  assert.deepEqual(problems([...BASE, "clocks:", "  d: { offset: 5 }", "  a: { drift: -1, offset: 1.5 }"]), [
    'consensus/demo.yaml:9:3: clocks.d: expected one of the scenario\'s nodes (a, b, c), found "d"',
    "consensus/demo.yaml:10:15: clocks.a.drift: expected a drift greater than -1 (a fraction: 0.001 gains 1 ms per " +
      "second), found -1",
    "consensus/demo.yaml:10:27: clocks.a.offset: expected an integer number of ms (the clock's offset from true " +
      "time), found 1.5",
  ]);
});

test("the protocol's own config problems come back under config., at the value they are about", () => {
  const strict = withLine(4, "protocol: strict-echo");
  assert.deepEqual(problems([...strict, "config:", "  timeoutMs: { min: 10, max: 5 }"]), [
    "consensus/demo.yaml:9:3: config.leader: missing: expected a node name",
    "consensus/demo.yaml:9:30: config.timeoutMs.max: expected max >= min",
  ]);
  assert.deepEqual(problems(strict), ["consensus/demo.yaml:1:1: config: expected a mapping with leader"]);
  assert.equal(load([...strict, "config: { leader: b }"]).protocol, "strict-echo");
});

test("limits are positive, and a time trigger beyond limits.maxTime is rejected because it could never fire", () => {
  assert.deepEqual(problems([...BASE, "limits: { maxTime: 100, maxEvents: 0 }", "faults:", "  - at: 200", "    do: heal"]), [
    "consensus/demo.yaml:8:36: limits.maxEvents: expected a positive integer number of events, at most 1000000 (the limit maxEvents), found 0",
    "consensus/demo.yaml:10:9: faults[0].at: expected a time within limits.maxTime (100 ms), or it would never " +
      "happen, found 200",
  ]);
});

test("expect: each item has exactly one check, with fields that belong to it and invariants the protocol checks", () => {
  assert.deepEqual(
    problems([
      ...withLine(4, "protocol: strict-echo"),
      "config: { leader: a }",
      "expect:",
      "  - violations: [NoPong]",
      "  - stop: quiet",
      "  - events: { kind: SEND, count: 2 }",
      "  - events: { kind: SEND }",
      "  - state: { node: a, path: pings }",
      "  - stop: quiescent",
      "    count: 1",
      "  - violations: []",
      "    stop: quiescent",
      "  - description: nothing",
      "  - events: { kind: SEND }",
      "    min: 3",
      "    max: 2",
    ]),
    [
      'consensus/demo.yaml:10:18: expect[0].violations[0]: expected an invariant that strict-echo checks (one of ' +
        'NoPongs), found "NoPong"; did you mean "NoPongs"?',
      'consensus/demo.yaml:11:11: expect[1].stop: expected a stop reason (quiescent, maxTime, maxEvents), found "quiet"',
      "consensus/demo.yaml:12:5: expect[2]: expected count:, or min: and/or max:, with events:, found none of them",
      'consensus/demo.yaml:12:27: expect[2].events.count: unknown field "count" (count:, min: and max: go beside ' +
        "events:, not inside it); expected one of kind, node, from, to, message, summaryContains",
      "consensus/demo.yaml:13:5: expect[3]: expected count:, or min: and/or max:, with events:, found none of them",
      'consensus/demo.yaml:14:12: expect[4].state.equals: missing required field "equals"',
      "consensus/demo.yaml:16:12: expect[5].count: count: belongs to an events: check, not to stop:",
      "consensus/demo.yaml:17:5: expect[6]: expected exactly one of violations, events, state, stop, order, found " +
        "violations and stop",
      "consensus/demo.yaml:19:5: expect[7]: expected exactly one of violations, events, state, stop, order, found none",
      "consensus/demo.yaml:22:10: expect[8].max: expected a max of at least min (3), found 2",
    ],
  );
});

test("anchors and aliases work: an aliased item is read like the one it names", () => {
  const scenario = load([...BASE, "workload:", "  - &ping { at: 0, node: a, op: ping }", "  - *ping"]);
  assert.equal(scenario.spec.workload.length, 2);
  assert.deepEqual(scenario.spec.workload[1], scenario.spec.workload[0]);
});

test("when nodes: is unusable, that one problem is reported, not one per node reference", () => {
  assert.deepEqual(problems([...withLine(7, "nodes: a"), "workload: [{ at: 0, node: a, op: ping }]"]), [
    'consensus/demo.yaml:7:8: nodes: expected a list of node names, found "a"',
  ]);
});

test("a protocol whose config check throws gives a problem at config:, not a crash", () => {
  const broken = erase({
    ...echoProtocol,
    parseConfig: (): never => {
      throw new Error("boom");
    },
  });
  assert.deepEqual(problems([...BASE, "config: { x: 1 }"], "consensus/demo.yaml", new Map([["echo", broken]])), [
    "consensus/demo.yaml:8:9: config: echo's config check failed: Error: boom",
  ]);
});
