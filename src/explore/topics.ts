import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { TOPICS_FILE } from "../scenarios/catalog";
import type { Scenario } from "../scenarios/types";

/** The largest topics.yaml read. */
export const MAX_TOPICS_FILE_BYTES = 256 * 1024;

const idPattern = /^[a-z0-9][a-z0-9-]*$/;
const text = z.string().trim().min(1, "expected a non-empty string");

const topicSchema = z.strictObject({
  id: z.string().regex(idPattern, "expected an id of lower-case letters, digits and dashes"),
  title: text,
  summary: text,
  prerequisites: z.array(z.string()).default([]),
  objectives: z.array(text).min(1, "expected at least one objective"),
  scenarios: z.array(z.string()).min(1, "expected at least one scenario id"),
});

const topicsFileSchema = z.strictObject({ topics: z.array(topicSchema).min(1, "expected at least one topic") });

/** One topic of the course, with its scenarios in teaching order. */
export interface CourseTopic {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** Ids of topics to take first (always earlier in the list). */
  readonly prerequisites: readonly string[];
  readonly objectives: readonly string[];
  readonly scenarios: readonly string[];
}

export interface TopicsResult {
  /** The topics that could be read (empty when the file is unreadable or invalid). */
  readonly topics: readonly CourseTopic[];
  /** Each problem as "file: path: message". */
  readonly problems: readonly string[];
}

/** Reads and validates the text of topics.yaml: shape, unique ids, earlier-only prerequisites, each scenario once. */
export function parseTopics(source: string, file = TOPICS_FILE): TopicsResult {
  if (Buffer.byteLength(source) > MAX_TOPICS_FILE_BYTES) {
    return {
      topics: [],
      problems: [`${file}: the file is larger than ${MAX_TOPICS_FILE_BYTES} bytes (MAX_TOPICS_FILE_BYTES)`],
    };
  }
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (error) {
    return {
      topics: [],
      problems: [`${file}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  const parsed = topicsFileSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      topics: [],
      problems: parsed.error.issues.map(
        (issue) => `${file}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`,
      ),
    };
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const placed = new Map<string, string>();
  parsed.data.topics.forEach((topic, index) => {
    const where = `${file}: topics.${index}`;
    if (seen.has(topic.id)) problems.push(`${where}.id: topic "${topic.id}" is listed twice`);
    topic.prerequisites.forEach((prerequisite, p) => {
      if (!seen.has(prerequisite)) {
        problems.push(`${where}.prerequisites.${p}: "${prerequisite}" is not a topic listed before "${topic.id}"`);
      }
    });
    seen.add(topic.id);
    topic.scenarios.forEach((scenario, s) => {
      const earlier = placed.get(scenario);
      if (earlier !== undefined) {
        problems.push(`${where}.scenarios.${s}: scenario "${scenario}" is already in topic "${earlier}"; list it once`);
      }
      placed.set(scenario, topic.id);
    });
  });
  return { topics: parsed.data.topics, problems };
}

/**
 * Holds the topics against the catalog: every scenario must be in exactly one topic,
 * the one its `topic:` field names. A listed id with no scenario is a problem and is
 * left out of the listing, never a crash.
 */
export function checkTopics(result: TopicsResult, scenarios: readonly Scenario[], file = TOPICS_FILE): TopicsResult {
  const byId = new Map(scenarios.map((scenario) => [scenario.id, scenario]));
  const problems = [...result.problems];
  const listed = new Set<string>();
  const topics = result.topics.map((topic, index) => {
    const known = topic.scenarios.filter((id, s) => {
      listed.add(id);
      const scenario = byId.get(id);
      if (scenario === undefined) {
        problems.push(
          `${file}: topics.${index}.scenarios.${s}: no scenario has the id "${id}"; it is left out of the course`,
        );
        return false;
      }
      if (scenario.topic !== topic.id) {
        problems.push(
          `${file}: topics.${index}.scenarios.${s}: scenario "${id}" says topic: ${scenario.topic}, but is listed under "${topic.id}"`,
        );
      }
      return true;
    });
    return { ...topic, scenarios: known };
  });
  for (const scenario of scenarios) {
    if (!listed.has(scenario.id)) {
      problems.push(
        `${scenario.file}: scenario "${scenario.id}" is in no topic: add its id to the scenarios of topic "${scenario.topic}" in scenarios/${file}`,
      );
    }
  }
  return { topics, problems };
}

/** Reads scenarios/topics.yaml from the scenarios directory and checks it against the catalog. */
export function loadTopics(scenariosDir: string, scenarios: readonly Scenario[]): TopicsResult {
  let source: string;
  try {
    source = readFileSync(join(scenariosDir, TOPICS_FILE), "utf8");
  } catch {
    return { topics: [], problems: [`${TOPICS_FILE}: could not be read from the scenarios directory`] };
  }
  return checkTopics(parseTopics(source), scenarios);
}
