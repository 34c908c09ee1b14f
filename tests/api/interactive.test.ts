import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { projectRoot } from "../../src/api/paths";
import { SCENARIO_LIMITS } from "../../src/scenarios/limits";
import { collect, post, query, wsClient } from "./client";
import { useServer } from "./server-fixture";

/**
 * Interactive runs and forks (issue 12), over real HTTP and the real graphql-ws client:
 * pause, step, resume and re-pace; faults injected into a paused run and replayed from
 * seed + schedule; forks and divergesAt; runScenario with good and bad YAML; several
 * interactive runs at once. Waiting is on the server's answers, never on timings.
 */

const api = useServer("faultline-interactive-");
const HAPPY = "2pc-happy-path";
const CRASH = "2pc-coordinator-crash";
const RUN = "id status eventCount traceHash paused pace forkedAt parent { id } scenario { id source }";

interface RunFields {
  id: string;
  status: string;
  eventCount: number;
  traceHash: string | null;
  paused: boolean;
  pace: number | null;
  forkedAt: number | null;
  parent: { id: string } | null;
  scenario: { id: string; source: string };
}

async function mutate(name: string, args: string, variables: Record<string, unknown> = {}): Promise<RunFields> {
  const signature = Object.keys(variables).length === 0 ? "" : `(${variableTypes(variables)})`;
  const data = await query<Record<string, RunFields>>(
    api.server.url,
    `mutation M${signature} { ${name}(${args}) { ${RUN} } }`,
    variables,
  );
  return data[name] as RunFields;
}

function variableTypes(variables: Record<string, unknown>): string {
  return Object.keys(variables)
    .map((name) => `$${name}: ${name === "yaml" || name === "data" ? "String!" : name === "faults" ? "JSON" : "JSON!"}`)
    .join(", ");
}

async function run(id: string): Promise<RunFields> {
  return (await query<{ run: RunFields }>(api.server.url, `{ run(id: "${id}") { ${RUN} } }`)).run;
}

/** Follows a run with runEvents from seq 0 until it completes; resolves with every seq received. */
function follow(client: ReturnType<typeof wsClient>, runId: string): Promise<number[]> {
  return collect<{ runEvents: { seq: number } }>(
    client,
    `subscription F($runId: ID!) { runEvents(runId: $runId, fromSeq: 0) { seq } }`,
    { runId },
  ).then((results) => {
    assert.deepEqual(
      results.flatMap((result) => result.errors ?? []),
      [],
    );
    return results.map((result) => result.data?.runEvents.seq as number);
  });
}

async function untilEnded(id: string): Promise<RunFields> {
  for (;;) {
    const current = await run(id);
    if (current.status !== "RUNNING") return current;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function errorOf(response: { errors?: readonly { extensions?: Record<string, unknown>; message: string }[] }): {
  code: unknown;
  message: string;
  extensions: Record<string, unknown>;
} {
  const error = response.errors?.[0];
  assert.ok(error !== undefined, `expected an error, got ${JSON.stringify(response)}`);
  return { code: error.extensions?.["code"], message: error.message, extensions: error.extensions ?? {} };
}

const range = (length: number, from = 0): number[] => Array.from({ length }, (_, index) => from + index);

describe("pause, step, resume, setPace", () => {
  test("three subscribers see the same stream through a pause, a step and a resume", async () => {
    const unpaced = await mutate("startRun", `scenarioId: "${CRASH}", seed: 5`);
    const live = await mutate("startRun", `scenarioId: "${CRASH}", seed: 5, pace: 50`);
    assert.equal(live.status, "RUNNING");
    assert.equal(live.paused, false);
    const clients = [wsClient(api.server.wsUrl), wsClient(api.server.wsUrl), wsClient(api.server.wsUrl)];
    try {
      const followed = clients.map((client) => follow(client, live.id));
      const paused = await mutate("pauseRun", `runId: "${live.id}"`);
      assert.equal(paused.paused, true);
      assert.equal(paused.status, "RUNNING");
      // Held: however long we look, no event is released while it is paused.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await run(live.id)).eventCount, paused.eventCount, "a paused run releases nothing");

      const stepped = await mutate("stepRun", `runId: "${live.id}", events: 3`);
      assert.equal(stepped.eventCount, paused.eventCount + 3, "exactly three more events");
      assert.equal(stepped.paused, true, "it stays paused after a step");

      const repaced = await mutate("setPace", `runId: "${live.id}", pace: 1`);
      assert.equal(repaced.pace, 1);
      const resumed = await mutate("resumeRun", `runId: "${live.id}"`);
      assert.equal(resumed.paused, false);

      const seen = await Promise.all(followed);
      const done = await untilEnded(live.id);
      assert.equal(done.status, "COMPLETED");
      for (const seqs of seen) assert.deepEqual(seqs, range(done.eventCount), "every event once, in order");
      assert.equal(done.traceHash, unpaced.traceHash, "pausing and pacing change timing, never the trace");
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  test("a run that is not live or not paused is refused with RUN_NOT_LIVE, naming why", async () => {
    const finished = await mutate("startRun", `scenarioId: "${HAPPY}"`);
    const refused = errorOf(await post(api.server.url, `mutation { pauseRun(runId: "${finished.id}") { id } }`));
    assert.equal(refused.code, "RUN_NOT_LIVE");
    assert.match(refused.message, /COMPLETED/);
    const unknown = errorOf(await post(api.server.url, `mutation { resumeRun(runId: "no-such-run") { id } }`));
    assert.equal(unknown.code, "NOT_FOUND");

    const live = await mutate("startRun", `scenarioId: "${HAPPY}", pace: 50`);
    const notPaused = errorOf(
      await post(api.server.url, `mutation { stepRun(runId: "${live.id}", events: 1) { id } }`),
    );
    assert.equal(notPaused.code, "RUN_NOT_LIVE");
    assert.match(notPaused.message, /not paused/);
    await mutate("pauseRun", `runId: "${live.id}"`);
    const zero = errorOf(await post(api.server.url, `mutation { stepRun(runId: "${live.id}", events: 0) { id } }`));
    assert.equal(zero.code, "BAD_USER_INPUT");
    assert.equal(zero.extensions["argumentName"], "events");
    await mutate("setPace", `runId: "${live.id}", pace: 1`);
    await mutate("resumeRun", `runId: "${live.id}"`);
    assert.equal((await untilEnded(live.id)).status, "COMPLETED");
  });
});

describe("injectFault", () => {
  test("a crash injected into a paused run is in its schedule, and seed + schedule replay the same trace", async () => {
    const live = await mutate("startRun", `scenarioId: "${HAPPY}", seed: 3, pace: 50`);
    const paused = await mutate("pauseRun", `runId: "${live.id}"`);
    const injected = await mutate("injectFault", `runId: "${live.id}", fault: $fault`, {
      fault: { do: "crash", node: "p1" },
    });
    assert.equal(injected.paused, true, "still paused after the injection");
    await mutate("setPace", `runId: "${live.id}", pace: 1`);
    await mutate("resumeRun", `runId: "${live.id}"`);
    const done = await untilEnded(live.id);
    assert.equal(done.status, "COMPLETED");

    const schedule = (
      await query<{ run: { schedule: { type: string; afterSeq: number; action: unknown }[] } }>(
        api.server.url,
        `{ run(id: "${live.id}") { schedule } }`,
      )
    ).run.schedule;
    assert.equal(schedule.length, 1);
    assert.deepEqual(schedule[0]?.action, { do: "crash", node: "p1" });
    assert.ok((schedule[0]?.afterSeq as number) >= paused.eventCount, "it applies where the run was paused");

    const crashes = await query<{ run: { events: { events: { seq: number; node: string }[] } } }>(
      api.server.url,
      `{ run(id: "${live.id}") { events(kinds: [CRASH], first: 10) { events { seq node } } } }`,
    );
    assert.deepEqual(
      crashes.run.events.events.map((event) => event.node),
      ["p1"],
    );
    const crashSeq = crashes.run.events.events[0]?.seq as number;
    assert.ok(crashSeq > (schedule[0]?.afterSeq as number), "the crash comes after the step it was injected in");

    // Replays use the schedule: a fork with the parent's own schedule, and the state at a seq after the crash.
    const replayed = await mutate("forkRun", `runId: "${live.id}", atSeq: 0`);
    assert.equal(replayed.traceHash, done.traceHash, "seed + schedule give the same trace, byte for byte");
    const nodes = await query<{ run: { nodes: { node: string; up: boolean }[] } }>(
      api.server.url,
      `{ run(id: "${live.id}") { nodes(atSeq: ${crashSeq}) { node up } } }`,
    );
    assert.equal(nodes.run.nodes.find((node) => node.node === "p1")?.up, false);
  });

  test("a bad fault is refused with the loader's problems; a fault needs a paused run", async () => {
    const live = await mutate("startRun", `scenarioId: "${HAPPY}", pace: 50`);
    const notPaused = errorOf(
      await post(api.server.url, `mutation M($f: JSON!) { injectFault(runId: "${live.id}", fault: $f) { id } }`, {
        f: { do: "crash", node: "p1" },
      }),
    );
    assert.equal(notPaused.code, "RUN_NOT_LIVE");
    await mutate("pauseRun", `runId: "${live.id}"`);
    const inject = (fault: unknown) =>
      post(api.server.url, `mutation M($f: JSON!) { injectFault(runId: "${live.id}", fault: $f) { id } }`, {
        f: fault,
      });
    const unknownNode = errorOf(await inject({ do: "crash", node: "p9" }));
    assert.equal(unknownNode.code, "BAD_USER_INPUT");
    const problems = unknownNode.extensions["problems"] as { path: string; message: string; line: number }[];
    assert.equal(problems[0]?.path, "fault.node");
    assert.match(problems[0]?.message ?? "", /p9/);
    assert.ok((problems[0]?.line ?? 0) >= 1);
    const timed = errorOf(await inject({ at: 5, do: "crash", node: "p1" }));
    assert.equal(timed.code, "BAD_USER_INPUT", "an injected fault applies now: at: is refused");
    const unknownKind = errorOf(await inject({ do: "explode", node: "p1" }));
    assert.equal((unknownKind.extensions["problems"] as { path: string }[])[0]?.path, "fault.do");
    await mutate("setPace", `runId: "${live.id}", pace: 1`);
    await mutate("resumeRun", `runId: "${live.id}"`);
    await untilEnded(live.id);
  });
});

describe("forkRun and divergesAt", () => {
  test("a fork with the parent's schedule reproduces it; one with other faults parts from it after atSeq", async () => {
    const parent = await mutate("startRun", `scenarioId: "${CRASH}", seed: 9`);
    const same = await mutate("forkRun", `runId: "${parent.id}", atSeq: 20`);
    assert.equal(same.traceHash, parent.traceHash, "byte for byte, by trace hash");
    assert.equal(same.parent?.id, parent.id);
    assert.equal(same.forkedAt, 20);

    const crash = await query<{ run: { events: { events: { seq: number }[] } } }>(
      api.server.url,
      `{ run(id: "${parent.id}") { events(kinds: [CRASH], first: 1) { events { seq } } } }`,
    );
    const crashSeq = crash.run.events.events[0]?.seq as number;
    const atSeq = crashSeq - 5;
    // "What if the coordinator had not crashed?": no more faults from the fork point on.
    const spared = await mutate("forkRun", `runId: "${parent.id}", atSeq: ${atSeq}, faults: $faults`, { faults: [] });
    assert.equal(spared.status, "COMPLETED");
    const compared = await query<{ a: { divergesAt: number | null; same: number | null } }>(
      api.server.url,
      `{ a: run(id: "${spared.id}") { divergesAt(other: "${parent.id}") same: divergesAt(other: "${spared.id}") } }`,
    );
    assert.equal(compared.a.same, null, "a run does not diverge from itself");
    assert.ok(compared.a.divergesAt !== null && compared.a.divergesAt >= atSeq, "the first atSeq events are shared");
    const sparedCrashes = await query<{ run: { events: { events: unknown[] } } }>(
      api.server.url,
      `{ run(id: "${spared.id}") { events(kinds: [CRASH], first: 1) { events { seq } } } }`,
    );
    assert.equal(sparedCrashes.run.events.events.length, 0, "the scenario's crash was disarmed");

    // Another schedule: crash a participant instead, at once, and the divergence is where it applies.
    const other = await mutate("forkRun", `runId: "${parent.id}", atSeq: 10, faults: $faults`, {
      faults: [
        { do: "crash", node: "p2" },
        { at: 1000, do: "recover", node: "p2" },
      ],
    });
    const diverges = await query<{ run: { divergesAt: number } }>(
      api.server.url,
      `{ run(id: "${other.id}") { divergesAt(other: "${parent.id}") } }`,
    );
    assert.ok(diverges.run.divergesAt >= 10);
    const bad = errorOf(
      await post(
        api.server.url,
        `mutation M($f: JSON) { forkRun(runId: "${parent.id}", atSeq: 3, faults: $f) { id } }`,
        {
          f: [{ do: "crash", node: "nobody" }],
        },
      ),
    );
    assert.equal((bad.extensions["problems"] as { path: string }[])[0]?.path, "faults[0].node");
    const beyond = errorOf(
      await post(api.server.url, `mutation { forkRun(runId: "${parent.id}", atSeq: 100000) { id } }`),
    );
    assert.equal(beyond.extensions["argumentName"], "atSeq");
  });
});

describe("runScenario", () => {
  const happySource = readFileSync(join(projectRoot, "scenarios", "transactions", `${HAPPY}.yaml`), "utf8");
  const mine = happySource.replace(`id: ${HAPPY}`, "id: my-own-2pc");

  test("a good YAML runs, stored with its source under an id derived from its content", async () => {
    const first = await mutate("runScenario", "yaml: $yaml, seed: 4", { yaml: mine });
    assert.equal(first.status, "COMPLETED");
    assert.match(first.scenario.id, /^adhoc-[0-9a-f]{16}$/);
    assert.equal(first.scenario.source, mine);
    const again = await mutate("runScenario", "yaml: $yaml, seed: 4", { yaml: mine });
    assert.equal(again.scenario.id, first.scenario.id, "the same YAML, the same scenario row");
    assert.equal(again.traceHash, first.traceHash);
    const catalogued = await mutate("startRun", `scenarioId: "${HAPPY}", seed: 4`);
    assert.equal(first.traceHash, catalogued.traceHash, "only the id changed, so the trace is the catalogue's");
    const listed = await query<{ runs: { totalCount: number } }>(
      api.server.url,
      `{ runs(scenarioId: "${first.scenario.id}") { totalCount } }`,
    );
    assert.equal(listed.runs.totalCount, 2);
  });

  test("a bad YAML is refused with every problem's line, column, path and message", async () => {
    const broken = mine.replace(/^seed: .*$/m, "seed: lots");
    const refused = errorOf(
      await post(api.server.url, `mutation M($yaml: String!) { runScenario(yaml: $yaml) { id } }`, { yaml: broken }),
    );
    assert.equal(refused.code, "BAD_USER_INPUT");
    const problems = refused.extensions["problems"] as { line: number; column: number; path: string }[];
    assert.ok(problems.length >= 1);
    assert.ok(problems.every((problem) => problem.line >= 1 && problem.column >= 1));
    assert.ok(
      problems.some((problem) => problem.path === "seed"),
      JSON.stringify(problems),
    );
    const huge = errorOf(
      await post(api.server.url, `mutation M($yaml: String!) { runScenario(yaml: $yaml) { id } }`, {
        yaml: `# ${"x".repeat(300 * 1024)}\n${mine}`,
      }),
    );
    assert.match(huge.message, /maxFileBytes/);
  });

  test("a YAML nested 10,000 deep is refused by the limit maxYamlDepth at its line, not an internal error", async () => {
    const line = mine.split("\n").length; // mine ends with a newline, so this is the line after it
    const levels = 10_000;
    const cases: [string, number][] = [
      [`deep: ${"[".repeat(levels)}${"]".repeat(levels)}`, line],
      [`deep:\n  ${"- ".repeat(levels)}x`, line + 1],
    ];
    for (const [deep, deepLine] of cases) {
      const refused = errorOf(
        await post(api.server.url, `mutation M($yaml: String!) { runScenario(yaml: $yaml) { id } }`, {
          yaml: mine + deep,
        }),
      );
      assert.equal(refused.code, "BAD_USER_INPUT");
      const problems = refused.extensions["problems"] as { line: number; path: string; message: string }[];
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.line, deepLine);
      assert.match(
        problems[0]?.message ?? "",
        new RegExp(`\\b${SCENARIO_LIMITS.maxYamlDepth}\\b.*the limit maxYamlDepth`),
      );
      const validated = await query<{ validateScenario: { line: number; message: string }[] }>(
        api.server.url,
        `query V($yaml: String!) { validateScenario(yaml: $yaml) { line message } }`,
        { yaml: mine + deep },
      );
      assert.deepEqual(validated.validateScenario, [{ line: problems[0]?.line, message: problems[0]?.message }]);
    }
  });
});

describe("several interactive runs at once", () => {
  test("four paused, stepped, injected and resumed together lose nothing", async () => {
    const runs = await Promise.all(
      range(4).map((seed) => mutate("startRun", `scenarioId: "${HAPPY}", seed: ${seed + 20}, pace: 50`)),
    );
    const clients = runs.map(() => wsClient(api.server.wsUrl));
    try {
      const followed = runs.map((live, index) => follow(clients[index] as ReturnType<typeof wsClient>, live.id));
      const paused = await Promise.all(runs.map((live) => mutate("pauseRun", `runId: "${live.id}"`)));
      // Two steps at once on each run: both are counted.
      const stepped = await Promise.all(
        runs.flatMap((live) => [
          mutate("stepRun", `runId: "${live.id}", events: 2`),
          mutate("stepRun", `runId: "${live.id}", events: 2`),
        ]),
      );
      void stepped;
      for (const [index, live] of runs.entries()) {
        assert.equal((await run(live.id)).eventCount, (paused[index] as RunFields).eventCount + 4);
      }
      await Promise.all(
        runs.map((live) =>
          mutate("injectFault", `runId: "${live.id}", fault: $fault`, {
            fault: { do: "lose", from: "coord", to: "p2" },
          }),
        ),
      );
      await Promise.all(runs.map((live) => mutate("setPace", `runId: "${live.id}", pace: 1`)));
      await Promise.all(runs.map((live) => mutate("resumeRun", `runId: "${live.id}"`)));
      const seen = await Promise.all(followed);
      for (const [index, live] of runs.entries()) {
        const done = await untilEnded(live.id);
        assert.equal(done.status, "COMPLETED");
        assert.deepEqual(seen[index], range(done.eventCount));
        const replay = await mutate("forkRun", `runId: "${live.id}", atSeq: 0`);
        assert.equal(replay.traceHash, done.traceHash, "each run's schedule holds its own injection");
      }
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});

describe("a fork's schedule in every replay", () => {
  test("a fork's timeline equals its nodes(atSeq), and its JSON export imports back to its trace hash", async () => {
    const parent = await mutate("startRun", `scenarioId: "${CRASH}", seed: 9`);
    // "What if the coordinator had not crashed?": the fork's trace depends on its schedule.
    const spared = await mutate("forkRun", `runId: "${parent.id}", atSeq: 10, faults: $faults`, { faults: [] });
    assert.notEqual(spared.traceHash, parent.traceHash);
    const last = spared.eventCount - 1;
    const fields = "node up role term state";
    const seen = await query<{
      run: { timeline: { frames: { seq: number; nodes: unknown[] }[] }; nodes: unknown[]; export: string };
    }>(
      api.server.url,
      `{ run(id: "${spared.id}") {
          timeline(fromSeq: ${last}, toSeq: ${last}) { frames { seq nodes { ${fields} } } }
          nodes(atSeq: ${last}) { ${fields} }
          export(format: JSON)
        } }`,
    );
    assert.deepEqual(seen.run.timeline.frames[0]?.nodes, seen.run.nodes, "one replay, with the fork's schedule");
    const imported = await mutate("importRun", "data: $data", { data: seen.run.export });
    assert.equal(imported.traceHash, spared.traceHash, "seed + schedule reproduce the fork byte for byte");
  });
});
