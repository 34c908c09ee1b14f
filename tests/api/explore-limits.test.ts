import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { timelineScenarioYaml } from "../../bench/timeline";
import { useServer } from "./server-fixture";
import { post, query } from "./client";

// The frame limit of Run.timeline on a run long enough to reach it (the bench's busy
// Raft cluster, over 1,000 events), and the largest window that fits.

const scenariosDir = mkdtempSync(join(tmpdir(), "faultline-explore-limits-scenarios-"));
mkdirSync(join(scenariosDir, "consensus"));
writeFileSync(join(scenariosDir, "consensus", "bench-timeline.yaml"), timelineScenarioYaml(20));
after(() => rmSync(scenariosDir, { recursive: true, force: true }));
const api = useServer("faultline-explore-limits-", scenariosDir);

test("a timeline of more than MAX_TIMELINE_FRAMES frames is refused, naming the limit; 1,000 frames are served", async () => {
  const { startRun } = await query<{ startRun: { id: string; eventCount: number } }>(
    api.server.url,
    `mutation { startRun(scenarioId: "bench-timeline") { id eventCount } }`,
  );
  assert.ok(startRun.eventCount > 1000, `the run has ${startRun.eventCount} events`);
  const ask = (toSeq: number | null, every: number | null) =>
    post<{ run: { timeline: { frames: { seq: number }[] } } }>(
      api.server.url,
      `query ($id: ID!, $to: Int, $every: Int) { run(id: $id) { timeline(toSeq: $to, every: $every) { frames { seq } } } }`,
      { id: startRun.id, to: toSeq, every },
    );
  const refused = await ask(1000, null);
  assert.equal(refused.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT");
  assert.equal(refused.errors?.[0]?.extensions?.["limitName"], "MAX_TIMELINE_FRAMES");
  assert.equal(refused.errors?.[0]?.extensions?.["limit"], 1000);
  assert.match(refused.errors?.[0]?.message ?? "", /1001 frames/);
  const largest = await ask(999, null);
  assert.equal(largest.data?.run.timeline.frames.length, 1000);
  // Without toSeq the timeline goes as far as the limit allows.
  const defaulted = await ask(null, 2);
  const frames = defaulted.data?.run.timeline.frames ?? [];
  assert.equal(frames.length, Math.min(1000, Math.ceil((startRun.eventCount - 1) / 2) + 1));
});
