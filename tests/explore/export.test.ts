import { test } from "node:test";
import assert from "node:assert/strict";
import { exportRun, importRun, MAX_IMPORT_BYTES, SHIVIZ_REGEX } from "../../src/explore/export";
import { toEdn } from "../../src/explore/edn";
import { runScenario } from "../../src/scenarios/runner";
import { realCatalog, realScenario } from "./helpers";

function exported(id: string, seed?: number) {
  const scenario = realScenario(id);
  const s = seed ?? scenario.spec.seed;
  const result = runScenario(scenario, { seed: s });
  return { scenario, result, input: { scenario, seed: s, events: result.events, traceHash: result.traceHash } };
}

test("a JSON export imports back to the same trace hash, for every real scenario", () => {
  for (const scenario of realCatalog().scenarios) {
    const result = runScenario(scenario, { seed: 7 });
    const text = exportRun("JSON", { scenario, seed: 7, events: result.events, traceHash: result.traceHash });
    const imported = importRun(text);
    assert.equal(imported.result.traceHash, result.traceHash, scenario.id);
    assert.equal(imported.seed, 7);
    assert.equal(imported.scenario.id, scenario.id);
  }
});

test("an import refuses changed events, a changed schedule, a wrong seed, bad JSON and oversized input, saying which", () => {
  const { input } = exported("2pc-coordinator-crash");
  const data = JSON.parse(exportRun("JSON", input));
  const tampered = structuredClone(data);
  tampered.events[3].summary = "something else";
  assert.throws(() => importRun(JSON.stringify(tampered)), /were changed/);
  const rescheduled = structuredClone(data);
  rescheduled.schedule = [];
  assert.throws(() => importRun(JSON.stringify(rescheduled)), /schedule/);
  const reseeded = structuredClone(data);
  reseeded.seed = data.seed + 1;
  assert.throws(() => importRun(JSON.stringify(reseeded)), /seed/);
  const broken = structuredClone(data);
  broken.scenario.source = "id: [";
  assert.throws(() => importRun(JSON.stringify(broken)), /does not load/);
  assert.throws(() => importRun("{"), /not JSON/);
  assert.throws(() => importRun(JSON.stringify({ format: "other" })), /format/);
  assert.throws(() => importRun(" ".repeat(MAX_IMPORT_BYTES + 1)), /MAX_IMPORT_BYTES/);
});

test("a ShiViz log: the regex header, then host/clock and event lines whose clocks ShiViz accepts", () => {
  const { scenario, input } = exported("raft-leader-crash");
  const log = exportRun("SHIVIZ", input);
  const [header, blank, ...body] = log.trimEnd().split("\n");
  assert.equal(header, SHIVIZ_REGEX);
  assert.equal(blank, "");
  assert.equal(body.length % 2, 0);
  const regex = new RegExp(SHIVIZ_REGEX.replace(/\\n/g, "\n"), "g");
  const matches = [...body.join("\n").matchAll(regex)];
  assert.equal(matches.length, body.length / 2);
  const seen = new Map<string, number>();
  for (const match of matches) {
    const host = match.groups?.["host"] as string;
    const clock = JSON.parse(match.groups?.["clock"] as string) as Record<string, number>;
    assert.ok(scenario.spec.nodes.includes(host));
    // ShiViz: the host is in its own clock, and its entry grows by one per event.
    assert.equal(clock[host], (seen.get(host) ?? 0) + 1);
    seen.set(host, clock[host] as number);
  }
  // Every SEND and DELIVER is there, so ShiViz can draw every message.
  const messages = input.events.filter((e) => e.kind === "SEND" || e.kind === "DELIVER").length;
  assert.ok(matches.filter((m) => /^(SEND|DELIVER) /.test(m.groups?.["event"] ?? "")).length === messages);
});

test("a Jepsen history: each client invoke, then its :ok/:fail, and :info for one never answered", () => {
  const { input } = exported("raft-leader-crash");
  const history = exportRun("HISTORY", input).trimEnd().split("\n");
  const invokes = input.events.filter((e) => e.kind === "CLIENT_INVOKE").length;
  assert.equal(history.filter((line) => line.includes(":type :invoke")).length, invokes);
  assert.equal(history.length, invokes * 2, "every invoke is completed (ok, fail or info)");
  for (const [index, line] of history.entries()) {
    assert.match(
      line,
      /^\{:process \d+, :type :(invoke|ok|fail|info), :f :[a-z]+, :value .*, :time \d+, :index \d+\}$/,
    );
    assert.ok(line.endsWith(`:index ${index}}`));
  }
  assert.ok(history.some((line) => line.includes(":type :ok, :f :put")));
  assert.equal(toEdn({ key: "x", "a b": [1, null, true] }), '{"a b" [1 nil true], :key "x"}');
});
