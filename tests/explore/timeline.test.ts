import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTimeline, MAX_TIMELINE_FRAMES } from "../../src/explore/timeline";
import { runScenario } from "../../src/scenarios/runner";
import { realScenario } from "./helpers";

test("timeline snapshots equal stopAtSeq replays, node for node (Raft with a crash, a cut link and a heal)", () => {
  const scenario = realScenario("raft-leader-crash");
  const full = runScenario(scenario);
  const last = full.events.length - 1;
  const every = Math.max(1, Math.floor(last / 40));
  const timeline = buildTimeline(scenario, { fromSeq: 0, toSeq: last, every });
  assert.ok(timeline.frames.length >= 40);
  assert.equal(timeline.frames[timeline.frames.length - 1]?.seq, last);
  for (const frame of timeline.frames) {
    const replay = runScenario(scenario, { stopAtSeq: frame.seq });
    assert.deepEqual(
      frame.nodes.map(({ node, up, state }) => ({ node, up, state })),
      replay.nodes,
      `frame at seq ${frame.seq}`,
    );
  }
  // Roles and terms are first-class: at the end n1 is a follower of a later term.
  const end = timeline.frames[timeline.frames.length - 1];
  const n1 = end?.nodes.find((n) => n.node === "n1");
  assert.equal(n1?.role, "follower");
  assert.ok((n1?.term ?? 0) > 1);
  // Someone is leader at some frame; a crashed node is down with no role.
  assert.ok(timeline.frames.some((f) => f.nodes.some((n) => n.role === "leader")));
  assert.ok(timeline.frames.some((f) => f.nodes.some((n) => !n.up && n.role === null)));
});

test("the network's state follows cut and heal, and timers carry deadlines", () => {
  const scenario = realScenario("raft-leader-crash");
  const full = runScenario(scenario);
  const cutSeq = full.events.find((e) => e.kind === "PARTITION")?.seq as number;
  const healSeq = full.events.find((e) => e.kind === "HEAL")?.seq as number;
  const timeline = buildTimeline(scenario, { fromSeq: cutSeq - 1, toSeq: healSeq });
  const at = (seq: number) => timeline.frames.find((f) => f.seq === seq);
  assert.deepEqual(at(cutSeq)?.network.cut, [{ from: "n1", to: "n5" }]);
  assert.deepEqual(at(healSeq)?.network.cut, []);
  const timers = at(cutSeq)?.timers ?? [];
  assert.ok(timers.length > 0);
  const time = at(cutSeq)?.time as number;
  assert.ok(
    timers.every((t) => t.deadline >= time),
    "every timer in force is due at or after now",
  );
});

test("partition groups are in the frames of a partitioned run", () => {
  const scenario = realScenario("raft-minority-partition");
  const full = runScenario(scenario);
  const partition = full.events.find((e) => e.kind === "PARTITION" && e.data?.["groups"] !== undefined);
  assert.ok(partition);
  const timeline = buildTimeline(scenario, { fromSeq: partition.seq, toSeq: partition.seq });
  assert.deepEqual(timeline.frames[0]?.network.partitions, partition.data?.["groups"]);
});

test("too many frames are refused with the limit named", () => {
  const scenario = realScenario("raft-leader-crash");
  assert.throws(() => buildTimeline(scenario, { fromSeq: 0, toSeq: MAX_TIMELINE_FRAMES * 5 }), /MAX_TIMELINE_FRAMES/);
  assert.throws(() => buildTimeline(scenario, { every: 0 }), /every/);
});
