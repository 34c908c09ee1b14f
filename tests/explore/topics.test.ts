import { test } from "node:test";
import assert from "node:assert/strict";
import { checkTopics, loadTopics, parseTopics } from "../../src/explore/topics";
import { realCatalog, SCENARIOS_DIR } from "./helpers";

test("the committed topics.yaml lists every real scenario exactly once, under its own topic", () => {
  const { scenarios, problems } = realCatalog();
  assert.deepEqual(problems, [], "topics.yaml is not mistaken for a scenario");
  const result = loadTopics(SCENARIOS_DIR, scenarios);
  assert.deepEqual(result.problems, []);
  const listed = result.topics.flatMap((topic) => topic.scenarios);
  assert.deepEqual([...listed].sort(), scenarios.map((s) => s.id).sort());
  assert.equal(new Set(listed).size, listed.length);
  for (const topic of result.topics) assert.ok(topic.objectives.length > 0);
});

test("a scenario missing from topics.yaml is a problem that says to add it there; an unknown id is left out", () => {
  const { scenarios } = realCatalog();
  const source = [
    "topics:",
    "  - id: clocks",
    "    title: Time",
    "    summary: Clocks.",
    "    objectives: [Know clocks.]",
    "    scenarios: [lamport-total-order, no-such-scenario]",
  ].join("\n");
  const result = checkTopics(parseTopics(source), scenarios);
  assert.deepEqual(result.topics[0]?.scenarios, ["lamport-total-order"]);
  assert.ok(result.problems.some((p) => p.includes("no-such-scenario") && p.includes("topics.0.scenarios.1")));
  const missing = result.problems.filter((p) => p.includes("is in no topic"));
  assert.equal(missing.length, scenarios.length - 1);
  assert.ok(missing.every((p) => p.includes("topics.yaml")));
});

test("bad files give clear problems with paths", () => {
  assert.match(parseTopics("topics: [{ id: Bad Id }]").problems.join("\n"), /topics\.0\.id/);
  assert.match(parseTopics("topics: [").problems.join("\n"), /not valid YAML/);
  const twice = [
    "topics:",
    "  - { id: a, title: A, summary: S, objectives: [o], scenarios: [x], prerequisites: [b] }",
    "  - { id: b, title: B, summary: S, objectives: [o], scenarios: [x] }",
  ].join("\n");
  const problems = parseTopics(twice).problems.join("\n");
  assert.match(problems, /topics\.0\.prerequisites\.0: "b" is not a topic listed before "a"/);
  assert.match(problems, /topics\.1\.scenarios\.0: scenario "x" is already in topic "a"/);
  assert.match(parseTopics("topics: []\nextra: 1").problems.join("\n"), /extra|topics/);
  assert.match(parseTopics("x".repeat(300_000)).problems.join("\n"), /MAX_TOPICS_FILE_BYTES/);
});
