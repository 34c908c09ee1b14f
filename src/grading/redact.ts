import { isMap, isSeq, parseDocument } from "yaml";

/** What a student may read of a question in a scenario file: everything but how it is answered. */
const SHOWN_FIELDS = new Set(["id", "prompt", "type", "points", "choices", "tolerance", "limits", "goal"]);
/** Of a SCHEDULE question's goal, only the sentence that states it (its query is how it is checked). */
const SHOWN_GOAL_FIELDS = new Set(["description"]);

/**
 * A scenario file's text with every question's answer query, example schedule
 * and goal query removed (and any other field a future question format adds:
 * the fields kept are listed, not the ones dropped). The rest of the file is
 * kept as written, comments included; a removed field takes its comments with it.
 */
export function withoutKeys(source: string): string {
  const doc = parseDocument(source);
  const questions = doc.get("questions", true);
  if (!isSeq(questions)) return source;
  for (const question of questions.items) {
    if (!isMap(question)) continue;
    question.items = question.items.filter((pair) => SHOWN_FIELDS.has(String(keyOf(pair.key))));
    const goal = question.get("goal", true);
    if (isMap(goal)) goal.items = goal.items.filter((pair) => SHOWN_GOAL_FIELDS.has(String(keyOf(pair.key))));
  }
  return doc.toString();
}

function keyOf(key: unknown): unknown {
  return typeof key === "object" && key !== null && "value" in key ? key.value : key;
}
