import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeXml, MAX_DIAGRAM_EVENTS, renderDiagramSvg } from "../../src/explore/diagram";
import { runScenario } from "../../src/scenarios/runner";
import type { TraceEvent } from "../../src/sim/types";
import { realScenario } from "./helpers";

function count(svg: string, pattern: RegExp): number {
  return (svg.match(pattern) ?? []).length;
}

test("a diagram of a whole small run: a lane per node, an arrow per delivered message, a cross per drop, a bar per crash", () => {
  const scenario = realScenario("raft-leader-crash");
  const { events } = runScenario(scenario);
  const last = (events[events.length - 1] as TraceEvent).seq;
  const window = { fromSeq: 0, toSeq: Math.min(last, MAX_DIAGRAM_EVENTS - 1) };
  const svg = renderDiagramSvg(scenario.spec.nodes, events, window);
  const drawn = events.filter((e) => e.seq <= window.toSeq);
  assert.ok(svg.startsWith("<svg"));
  assert.equal(count(svg, /class="lane"/g), scenario.spec.nodes.length);
  // Every DELIVER whose SEND is in the window is one arrow.
  const sendSeqs = new Map(drawn.filter((e) => e.kind === "SEND").map((e) => [e.data?.["messageId"], e.seq]));
  const delivered = drawn.filter((e) => e.kind === "DELIVER" && sendSeqs.has(e.data?.["messageId"]));
  assert.ok(delivered.length > 0);
  assert.equal(count(svg, /class="message"/g), delivered.length);
  const drops = drawn.filter((e) => e.kind === "DROP");
  assert.ok(drops.length > 0, "the cut link drops messages");
  assert.equal(count(svg, /class="drop"/g), drops.length);
  assert.equal(count(svg, /class="crash"/g), drawn.filter((e) => e.kind === "CRASH").length);
  assert.ok(count(svg, /class="crash"/g) >= 1);
  assert.ok(count(svg, /class="down"/g) >= 1, "n1 is dashed while it is down");
  // One tooltip per event (plus message and partition titles and the diagram's own).
  assert.ok(count(svg, /<title>/g) >= drawn.filter((e) => e.node !== "network").length);
});

test("partitions are shaded from PARTITION to HEAL", () => {
  const scenario = realScenario("raft-minority-partition");
  const { events } = runScenario(scenario);
  const partitions = events.filter((e) => e.kind === "PARTITION").length;
  assert.ok(partitions > 0);
  const svg = renderDiagramSvg(scenario.spec.nodes, events, { fromSeq: 0, toSeq: Math.min(events.length - 1, 1999) });
  assert.ok(count(svg, /class="partition"/g) >= 1);
});

test("a window draws only its own seqs, with arrows from before it clipped to the edge", () => {
  const scenario = realScenario("raft-leader-crash");
  const { events } = runScenario(scenario);
  const svg = renderDiagramSvg(scenario.spec.nodes, events, { fromSeq: 100, toSeq: 149 });
  const tooltips = [...svg.matchAll(/<title>#(\d+) /g)].map((m) => Number(m[1]));
  assert.ok(tooltips.length > 0);
  assert.ok(tooltips.every((seq) => seq >= 100 && seq <= 149));
});

test("a 100,000-event window is refused with the limit named; the default window is capped", () => {
  const scenario = realScenario("raft-leader-crash");
  const { events } = runScenario(scenario);
  assert.throws(
    () => renderDiagramSvg(scenario.spec.nodes, events, { fromSeq: 0, toSeq: 99_999 }),
    /MAX_DIAGRAM_EVENTS/,
  );
  assert.throws(() => renderDiagramSvg(scenario.spec.nodes, events, { fromSeq: 5, toSeq: 4 }), /toSeq/);
  const svg = renderDiagramSvg(scenario.spec.nodes, events);
  assert.ok(svg.length < 2_000_000);
});

test("text is escaped", () => {
  assert.equal(escapeXml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  const event: TraceEvent = {
    seq: 0,
    time: 0,
    node: "<n1>",
    kind: "NOTE",
    summary: "</title><script>alert(1)</script>",
    lamport: 1,
    vclock: { "<n1>": 1 },
    data: null,
  };
  const svg = renderDiagramSvg(["<n1>"], [event], { fromSeq: 0, toSeq: 0 });
  assert.ok(!svg.includes("<script>"));
  assert.ok(!svg.includes("<n1>"));
});
