import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import { projectRoot } from "../../src/api/paths";
import { collect } from "./client";
import {
  codeOf,
  createAssignment,
  createStudent,
  GOOD_SCHEDULE,
  GRADED_SCENARIO,
  ok,
  stringsIn,
  tokenInDatabase,
  wsClientAs,
} from "./grading-helpers";
import { useServer } from "./server-fixture";

const api = useServer("faultline-grading-leaks-");

// Every way a student (or an anonymous caller) could read a key or another
// student's work, over real HTTP and a real WebSocket, each refused with a code.

/** The text of every answer query, example schedule and goal query in the scenario file, as written. */
function keyTexts(): string[] {
  const source = readFileSync(join(projectRoot, "scenarios", "transactions", `${GRADED_SCENARIO}.yaml`), "utf8");
  const questions = parseDocument(source).get("questions", true);
  assert.ok(isSeq(questions));
  const texts: string[] = [];
  for (const question of questions.items) {
    assert.ok(isMap(question));
    for (const node of [
      question.get("answer", true),
      question.get("example", true),
      question.getIn(["goal", "query"], true),
    ]) {
      const range = (node as { range?: [number, number] } | undefined)?.range;
      if (range !== undefined) texts.push(source.slice(range[0], range[1]).trim());
    }
  }
  assert.ok(texts.length >= 6, "the scenario has keys to hide");
  return texts;
}

const SCENARIO_QUERY = `query($id: ID!) {
  scenario(id: $id) { id source questions { id scenarioId prompt type points choices } }
  scenarios { id source questions { id prompt } }
}`;

test("Question has no field that holds a key, and Scenario.source and questions carry no answer query for students or anonymous callers", async () => {
  const fields = await ok<{ __type: { fields: { name: string }[] } }>(
    api,
    null,
    `{ __type(name: "Question") { fields { name } } }`,
  );
  assert.deepEqual(fields.__type.fields.map((field) => field.name).sort(), [
    "choices",
    "id",
    "points",
    "prompt",
    "scenarioId",
    "type",
  ]);
  const instructor = tokenInDatabase(api, "instructor");
  const ada = await createStudent(api, instructor, "Ada");
  const keys = keyTexts();
  for (const token of [null, ada.token]) {
    const data = await ok<{ scenario: { source: string; questions: { id: string }[] } }>(api, token, SCENARIO_QUERY, {
      id: GRADED_SCENARIO,
    });
    assert.ok(data.scenario.questions.length >= 6);
    const strings = stringsIn(data);
    for (const key of keys) {
      assert.ok(!strings.some((text) => text.includes(key)), `"${key}" is not served to ${token ?? "anonymous"}`);
    }
    const shown = parseDocument(data.scenario.source).toJS() as { questions: Record<string, unknown>[] };
    for (const question of shown.questions) {
      assert.equal(question["answer"], undefined);
      assert.equal(question["example"], undefined);
      if (question["goal"] !== undefined) assert.deepEqual(Object.keys(question["goal"] as object), ["description"]);
    }
  }
  const asInstructor = await ok<{ scenario: { source: string } }>(api, instructor, SCENARIO_QUERY, {
    id: GRADED_SCENARIO,
  });
  for (const key of keys)
    assert.ok(asInstructor.scenario.source.includes(key), "an instructor sees the file as written");
});

test("another student's submissions, gradebook and runs are refused through every door; forged and expired tokens are UNAUTHENTICATED", async () => {
  const instructor = tokenInDatabase(api, "instructor");
  const ada = await createStudent(api, instructor, "Ada");
  const bob = await createStudent(api, instructor, "Bob");
  const expired = tokenInDatabase(api, "student", ada.id, new Date(Date.now() - 3_600_000).toISOString());
  const assignmentId = await createAssignment(api, instructor, { personalSeeds: true, keys: "NEVER" });

  const variant = await ok<{ assignment: { items: { seed: number; run: { id: string } }[] } }>(
    api,
    ada.token,
    `query($id: ID!) { assignment(id: $id) { items { seed run { id } } } }`,
    { id: assignmentId },
  );
  const adaRun = variant.assignment.items[0]?.run.id as string;
  assert.ok(adaRun);
  const submitted = await ok<{
    submitAnswers: {
      id: string;
      feedback: { questionId: string; expected: unknown; justification: number[]; run: { id: string } | null }[];
    };
  }>(
    api,
    ada.token,
    `mutation($id: ID!, $answers: [AnswerInput!]!) {
      submitAnswers(assignmentId: $id, answers: $answers) { id feedback { questionId expected justification run { id } } }
    }`,
    {
      id: assignmentId,
      answers: [
        { questionId: `${GRADED_SCENARIO}/who-crashed`, value: "p1" },
        { questionId: `${GRADED_SCENARIO}/keep-them-waiting`, value: GOOD_SCHEDULE },
      ],
    },
  );
  const submissionId = submitted.submitAnswers.id;
  const wrong = submitted.submitAnswers.feedback.find((one) => one.questionId.endsWith("/who-crashed"));
  assert.deepEqual([wrong?.expected, wrong?.justification], [null, []], "a wrong answer's feedback holds no key");
  const scheduleRun = submitted.submitAnswers.feedback.find((one) => one.run !== null)?.run?.id as string;
  assert.ok(scheduleRun, "the schedule's run is linked");

  const refusals: [string, string, Record<string, unknown>][] = [
    ["submission", `query($id: ID!) { submission(id: $id) { score feedback { expected } } }`, { id: submissionId }],
    [
      "submissions of Ada",
      `query($a: ID!, $s: ID!) { submissions(assignmentId: $a, studentId: $s) { id } }`,
      { a: assignmentId, s: ada.id },
    ],
    ["gradebook", `query($id: ID!) { gradebook(assignmentId: $id) { best } }`, { id: assignmentId }],
    ...[adaRun, scheduleRun].flatMap((runId): [string, string, Record<string, unknown>][] => [
      ["run", `query($id: ID!) { run(id: $id) { id seed } }`, { id: runId }],
      ["events", `query($id: ID!) { run(id: $id) { events { events { seq data } } } }`, { id: runId }],
      ["nodes", `query($id: ID!) { run(id: $id) { nodes { node state } } }`, { id: runId }],
      ["violations", `query($id: ID!) { run(id: $id) { violations { seq } } }`, { id: runId }],
      ["cancelRun", `mutation($id: ID!) { cancelRun(runId: $id) { id } }`, { id: runId }],
    ]),
  ];
  for (const [door, query, variables] of refusals) {
    const asBob = await codeOf(api, bob.token, query, variables);
    assert.equal(asBob.code, "FORBIDDEN", `${door} as another student: ${JSON.stringify(asBob.response)}`);
    assert.deepEqual(stringsIn(asBob.response.data ?? {}), [], `${door}: none of the run's data`);
    for (const [who, token] of [
      ["anonymous", null],
      ["a forged token", "fl_s_forged"],
      ["an expired token", expired],
    ] as const) {
      const refused = await codeOf(api, token, query, variables);
      assert.equal(refused.code, "UNAUTHENTICATED", `${door} as ${who}: ${JSON.stringify(refused.response)}`);
    }
  }

  // Ada and instructors read Ada's runs.
  for (const token of [ada.token, instructor]) {
    const read = await ok<{ run: { events: { events: unknown[] } } }>(
      api,
      token,
      `query($id: ID!) { run(id: $id) { events(first: 1) { events { seq } } } }`,
      { id: scheduleRun },
    );
    assert.equal(read.run.events.events.length, 1);
  }

  // The runEvents subscription, over a real WebSocket, with the token in connectionParams.
  for (const [token, expected] of [
    [bob.token, "FORBIDDEN"],
    [null, "UNAUTHENTICATED"],
    ["fl_s_forged", "UNAUTHENTICATED"],
  ] as const) {
    const client = wsClientAs(api.server.wsUrl, token);
    try {
      const results = await collect(client, `subscription($id: ID!) { runEvents(runId: $id) { seq data } }`, {
        id: adaRun,
      });
      assert.equal(results.length, 1, "no event reaches the subscriber");
      assert.equal(results[0]?.errors?.[0]?.extensions?.["code"], expected);
    } finally {
      await client.dispose();
    }
  }

  // Query.runs: Ada's runs are listed to Ada and instructors only, and totalCount agrees with the list.
  const listed = async (token: string | null): Promise<{ ids: string[]; total: number }> => {
    const data = await ok<{ runs: { nodes: { id: string }[]; totalCount: number } }>(
      api,
      token,
      `query($s: ID!) { runs(scenarioId: $s, first: 100) { nodes { id } totalCount } }`,
      { s: GRADED_SCENARIO },
    );
    return { ids: data.runs.nodes.map((run) => run.id), total: data.runs.totalCount };
  };
  for (const token of [null, bob.token]) {
    const { ids, total } = await listed(token);
    assert.ok(!ids.includes(adaRun) && !ids.includes(scheduleRun), "another student's runs are not listed");
    assert.equal(total, ids.length);
  }
  for (const token of [ada.token, instructor]) {
    const { ids, total } = await listed(token);
    assert.ok(ids.includes(adaRun) && ids.includes(scheduleRun));
    assert.equal(total, ids.length);
  }
});

test("errors name no key: an answer to a question outside the assignment, and a wrong answer before release", async () => {
  const instructor = tokenInDatabase(api, "instructor");
  const ada = await createStudent(api, instructor, "Ada");
  const assignmentId = await createAssignment(api, instructor, {
    questionIds: [`${GRADED_SCENARIO}/who-crashed`],
    keys: "AFTER_DEADLINE",
    deadline: "2999-01-01T00:00:00Z",
  });
  const outside = await codeOf(
    api,
    ada.token,
    `mutation($id: ID!) { submitAnswers(assignmentId: $id, answers: [{ questionId: "${GRADED_SCENARIO}/crash-seq", value: 1 }]) { id } }`,
    { id: assignmentId },
  );
  assert.equal(outside.code, "BAD_USER_INPUT");
  const message = outside.response.errors?.[0]?.message ?? "";
  for (const key of keyTexts()) assert.ok(!message.includes(key));
  assert.doesNotMatch(message, /CRASH|\bcoord\b/, "the message does not echo the question's answer");

  const graded = await ok<{
    submitAnswers: {
      feedback: { correct: boolean; expected: unknown; justification: number[]; message: string | null }[];
    };
  }>(
    api,
    ada.token,
    `mutation($id: ID!) { submitAnswers(assignmentId: $id, answers: [{ questionId: "${GRADED_SCENARIO}/who-crashed", value: "p2" }]) { feedback { correct expected justification message } } }`,
    { id: assignmentId },
  );
  const [one] = graded.submitAnswers.feedback;
  assert.deepEqual([one?.correct, one?.expected, one?.justification], [false, null, []]);
  assert.doesNotMatch(one?.message ?? "", /coord/);
  const shaped = await ok<{ submitAnswers: { feedback: { message: string | null }[] } }>(
    api,
    ada.token,
    `mutation($id: ID!) { submitAnswers(assignmentId: $id, answers: [{ questionId: "${GRADED_SCENARIO}/who-crashed", value: 3 }]) { feedback { message } } }`,
    { id: assignmentId },
  );
  assert.match(
    shaped.submitAnswers.feedback[0]?.message ?? "",
    /expected a string/,
    "a shape error lists the choices, every node alike",
  );
});
