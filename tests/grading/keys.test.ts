import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkScenarioQuestions,
  evaluate,
  grade,
  parseQuestions,
  personalSeed,
  QueryError,
  querySchema,
  subjectOf,
  type Question,
} from "../../src/grading";
import type { Json } from "../../src/sim/json";
import { scenario, withQuestions } from "./helpers";

// Every key is computed from the trace by an answer query; these check each query
// form against what the trace itself says, read independently of the grader.

const base = scenario("2pc-coordinator-crash");
const run = subjectOf(base, base.spec.seed);
const events = run.result.events;
const ask = (query: unknown): Json => evaluate(querySchema.parse(query), run).value;

test("event queries: the nth matching event, its fields, counts and lists", () => {
  const crash = events.find((event) => event.kind === "CRASH");
  assert.ok(crash, "the scenario crashes its coordinator");
  assert.equal(ask({ event: { match: { kind: "CRASH" } } }), crash.seq);
  assert.equal(ask({ event: { match: { kind: "CRASH" }, field: "node" } }), "coord");
  assert.equal(ask({ event: { match: { kind: "CRASH" }, field: "time" } }), crash.time);
  const drops = events.filter((event) => event.kind === "DROP").map((event) => event.seq);
  assert.equal(ask({ count: { match: { kind: "DROP" } } }), drops.length);
  assert.deepEqual(ask({ events: { match: { kind: "DROP" } } }), drops);
  const lastDrop = drops[drops.length - 1];
  assert.equal(ask({ event: { match: { kind: "DROP" }, nth: -1 } }), lastDrop);
  const sends = events.filter((event) => event.kind === "SEND" && event.node === "coord");
  assert.equal(ask({ count: { match: { kind: "SEND", node: "coord" } } }), sends.length);
});

test("data paths select events, and a missing nth match is a QueryError that says how many matched", () => {
  const withType = events.filter((event) => JSON.stringify(event.data ?? {}).includes('"type":"PREPARE"'));
  assert.ok(withType.length > 0);
  assert.equal(ask({ count: { match: { kind: "SEND", data: { "message.type": "PREPARE" } } } }), 3);
  assert.throws(() => ask({ event: { match: { kind: "CRASH" }, nth: 5 } }), QueryError);
});

test("clock queries give the event's own Lamport time and vector clock; causality follows the vector clocks", () => {
  const crash = events.find((event) => event.kind === "CRASH");
  assert.ok(crash);
  assert.equal(ask({ lamport: { seq: crash.seq } }), crash.lamport);
  assert.deepEqual(ask({ vclock: { seq: crash.seq } }), crash.vclock);
  assert.equal(ask({ happenedBefore: [{ seq: 0 }, { seq: crash.seq }] }), true);
  assert.equal(ask({ happenedBefore: [{ seq: crash.seq }, { seq: 0 }] }), false);
  // The three PREPAREs' deliveries happen at three different participants, after one common cause: concurrent.
  const delivers = events.filter((event) => event.kind === "DELIVER" && event.node !== "coord").slice(0, 2);
  assert.equal(
    ask({ concurrent: [{ seq: (delivers[0] as { seq: number }).seq }, { seq: (delivers[1] as { seq: number }).seq }] }),
    true,
  );
});

test("state queries read node views at the end, after an event, or at a time (a deterministic replay)", () => {
  const final = run.result.nodes.find((view) => view.node === "p1");
  assert.ok(final?.state);
  assert.deepEqual(ask({ state: { node: "p1", path: "role" } }), final.state["role"]);
  const crash = events.find((event) => event.kind === "CRASH");
  assert.ok(crash);
  assert.equal(ask({ state: { node: "coord", path: "up", at: { after: { match: { kind: "CRASH" } } } } }), false);
  assert.equal(ask({ state: { node: "coord", path: "up", at: { seq: 0 } } }), true);
  assert.deepEqual(ask({ nodes: { where: { up: false }, at: { time: crash.time + 1 } } }), ["coord"]);
  assert.equal(ask({ node: { where: { up: false }, at: { time: crash.time + 1 } } }), "coord");
  assert.deepEqual(ask({ nodes: { where: { up: false } } }), []);
  assert.throws(() => ask({ node: { where: { up: true } } }), QueryError, "four nodes are up: no single answer");
});

test("violation queries: whether an invariant was violated, and at which event", () => {
  assert.equal(ask({ violated: { invariant: "Atomicity" } }), false);
  assert.throws(() => ask({ violation: { invariant: "Atomicity" } }), QueryError);
});

const QUESTIONS: Json[] = [
  {
    id: "crash-seq",
    prompt: "At which event does the coordinator crash?",
    type: "EVENT_SEQ",
    points: 2,
    answer: { event: { match: { kind: "CRASH" } } },
  },
  {
    id: "who-crashed",
    prompt: "Which node crashes?",
    type: "NODE",
    points: 1,
    answer: { event: { match: { kind: "CRASH" }, field: "node" } },
  },
  {
    id: "drops",
    prompt: "How many messages are lost?",
    type: "NUMBER",
    points: 1,
    tolerance: 1,
    answer: { count: { match: { kind: "DROP" } } },
  },
  {
    id: "down",
    prompt: "Which nodes are down right after the crash?",
    type: "MULTIPLE_CHOICE",
    choices: "nodes",
    points: 1,
    answer: { nodes: { where: { up: false }, at: { after: { match: { kind: "CRASH" } } } } },
  },
  {
    id: "atomic",
    prompt: "Is atomicity violated?",
    type: "SINGLE_CHOICE",
    choices: ["yes", "no"],
    points: 1,
    answer: { violated: { invariant: "Atomicity" } },
  },
  {
    id: "clock",
    prompt: "The crash's vector clock?",
    type: "JSON",
    points: 1,
    answer: { vclock: { match: { kind: "CRASH" } } },
  },
];

test("grading: each type compares the answer with the key computed from the student's run", () => {
  const graded = gradeWith(
    QUESTIONS,
    {
      "2pc-coordinator-crash/crash-seq": ask({ event: { match: { kind: "CRASH" } } }),
      "2pc-coordinator-crash/who-crashed": "p1",
      "2pc-coordinator-crash/drops": (ask({ count: { match: { kind: "DROP" } } }) as number) + 1,
      "2pc-coordinator-crash/down": ["coord"],
      "2pc-coordinator-crash/atomic": "no",
    },
    true,
  );
  const byId = new Map(graded.feedback.map((one) => [one.questionId.split("/")[1], one]));
  assert.equal(byId.get("crash-seq")?.correct, true);
  assert.equal(byId.get("who-crashed")?.correct, false);
  assert.equal(byId.get("who-crashed")?.expected, "coord", "keys are shown once released");
  assert.equal(byId.get("drops")?.correct, true, "within the tolerance");
  assert.equal(byId.get("down")?.correct, true);
  assert.equal(byId.get("atomic")?.correct, true);
  assert.equal(byId.get("clock")?.correct, false, "not answered");
  assert.equal(graded.score, 5);
  assert.equal(graded.maxScore, 7);
});

test("keys and their justification stay hidden until released; a wrong shape is explained without the key", () => {
  const graded = gradeWith(
    QUESTIONS,
    { "2pc-coordinator-crash/who-crashed": "p1", "2pc-coordinator-crash/drops": "many" },
    false,
  );
  for (const one of graded.feedback) {
    assert.equal(one.expected, null, `${one.questionId}: no key before release`);
    assert.deepEqual(
      one.justification,
      [],
      `${one.questionId}: no justifying seqs before release (they would give an EVENT_SEQ key away)`,
    );
    assert.ok(!(one.message ?? "").includes("coord"), "no message names the key");
  }
  const drops = graded.feedback.find((one) => one.questionId.endsWith("/drops"));
  assert.equal(drops?.correct, false);
  assert.ok(drops?.message);
});

test("grading the same answers again gives the same score and feedback, always", () => {
  const answers = { "2pc-coordinator-crash/who-crashed": "coord", "2pc-coordinator-crash/drops": 3 };
  assert.deepEqual(strip(gradeWith(QUESTIONS, answers, true)), strip(gradeWith(QUESTIONS, answers, true)));
});

test("loading checks every key on the default seed: a failing or empty answer is a problem at its question", () => {
  const good = checkScenarioQuestions(withQuestions(base, QUESTIONS));
  assert.deepEqual(good.problems, []);
  const bad = checkScenarioQuestions(
    withQuestions(base, [
      ...QUESTIONS,
      {
        id: "no-such",
        prompt: "?",
        type: "NODE",
        points: 1,
        answer: { event: { match: { kind: "CRASH", node: "p9" } } },
      },
      {
        id: "empty",
        prompt: "?",
        type: "MULTIPLE_CHOICE",
        choices: "nodes",
        points: 1,
        answer: { nodes: { where: { up: false } } },
      },
      { id: "shape", prompt: "?", type: "NUMBER", points: 1, answers: { count: {} } },
    ]),
  );
  const paths = bad.problems.map((problem) => problem.path.join("."));
  assert.ok(paths.includes("6.answer"), `a failing query is reported at questions[6].answer: ${paths.join(", ")}`);
  assert.ok(paths.includes("7.answer"), "an empty answer is reported");
  assert.ok(
    paths.some((path) => path.startsWith("8")),
    "a malformed question is reported",
  );
});

test("personal seeds: stable per student, different between students, unguessable without the secret", () => {
  const a = personalSeed("secret", "asg1", "alice");
  assert.equal(personalSeed("secret", "asg1", "alice"), a);
  assert.notEqual(personalSeed("secret", "asg1", "bob"), a);
  assert.notEqual(personalSeed("other", "asg1", "alice"), a);
  assert.ok(Number.isInteger(a) && a >= 0 && a <= 2_147_483_647);
});

function gradeWith(raw: Json[], answers: Record<string, Json>, release: boolean): ReturnType<typeof grade> {
  const { questions, problems } = parseQuestions(base.id, base.spec.nodes, raw);
  assert.deepEqual(problems, []);
  return grade(
    questions.map((question: Question) => ({ question, run })),
    new Map(Object.entries(answers)),
    release,
  );
}

function strip(graded: ReturnType<typeof grade>): unknown {
  return {
    ...graded,
    feedback: graded.feedback.map((one) => ({ ...one, scheduleRun: one.scheduleRun?.result.traceHash ?? null })),
  };
}
