import { test } from "node:test";
import assert from "node:assert/strict";
import { checkScenarioQuestions, grade, parseQuestions, subjectOf } from "../../src/grading";
import type { Json } from "../../src/sim/json";
import { scenario, withQuestions } from "./helpers";

// Schedule challenges: the student submits a fault schedule in the scenario file's
// own faults: syntax; the grader runs the scenario with it and checks the goal.

const base = scenario("2pc-happy-path");
const CHALLENGE: Json = {
  id: "lose-messages",
  prompt: "Crash the coordinator so that at least two messages are lost.",
  type: "SCHEDULE",
  points: 3,
  goal: { query: { count: { match: { kind: "DROP" } } }, atLeast: 2, description: "at least two messages are lost" },
  limits: { faults: 3 },
  example: [
    { at: 3, do: "crash", node: "coord" },
    { at: 400, do: "recover", node: "coord" },
  ],
};

function gradeSchedule(schedule: Json): ReturnType<typeof grade>["feedback"][number] {
  const { questions, problems } = parseQuestions(base.id, base.spec.nodes, [CHALLENGE]);
  assert.deepEqual(problems, []);
  const run = subjectOf(base, base.spec.seed);
  const graded = grade(
    questions.map((question) => ({ question, run })),
    new Map([[`${base.id}/lose-messages`, schedule]]),
    false,
  );
  const one = graded.feedback[0];
  assert.ok(one);
  return one;
}

test("a schedule that meets the goal scores, and its run is handed back to be stored and linked", () => {
  const one = gradeSchedule([
    { at: 4, do: "crash", node: "coord" },
    { at: 300, do: "recover", node: "coord" },
  ]);
  assert.equal(one.correct, true, one.message ?? "");
  assert.equal(one.points, 3);
  const drops = one.scheduleRun?.result.events.filter((event) => event.kind === "DROP") ?? [];
  assert.ok(drops.length >= 2);
  assert.deepEqual(
    [...one.justification],
    drops.map((event) => event.seq),
  );
});

test("a schedule that does not meet the goal gets no points, and says what its run gave", () => {
  const one = gradeSchedule([]);
  assert.equal(one.correct, false);
  assert.equal(one.points, 0);
  assert.ok(one.message);
  assert.ok(one.scheduleRun, "the run is still stored so the student can look at it");
});

test("an invalid schedule is refused with the loader's own error, naming the fault and field", () => {
  const one = gradeSchedule([{ at: 4, do: "crash", node: "p9" }]);
  assert.equal(one.correct, false);
  assert.equal(one.scheduleRun, null);
  assert.match(one.message ?? "", /faults\[0\]\.node/);
  const notList = gradeSchedule({ crash: "coord" });
  assert.equal(notList.correct, false);
});

test("a schedule longer than the question's limit is refused, naming the limit", () => {
  const one = gradeSchedule([
    { at: 1, do: "crash", node: "p1" },
    { at: 2, do: "crash", node: "p2" },
    { at: 3, do: "crash", node: "p3" },
    { at: 4, do: "crash", node: "coord" },
  ]);
  assert.equal(one.correct, false);
  assert.match(one.message ?? "", /at most 3 faults/);
});

test("loading checks that the example schedule meets the goal, so every challenge is solvable", () => {
  assert.deepEqual(checkScenarioQuestions(withQuestions(base, [CHALLENGE])).problems, []);
  const unsolvable = { ...(CHALLENGE as Record<string, Json>), example: [{ at: 5000, do: "heal" }] };
  const problems = checkScenarioQuestions(withQuestions(base, [unsolvable])).problems;
  assert.deepEqual(
    problems.map((problem) => problem.path.join(".")),
    ["0.example"],
  );
});
