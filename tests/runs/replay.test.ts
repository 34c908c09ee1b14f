import { test } from "node:test";
import assert from "node:assert/strict";
import { FaultlineError } from "../../src/runs";
import type { TraceEvent } from "../../src/sim/types";
import type { NodeView } from "../../src/sim/world";
import { openDatabase } from "../../src/store/database";
import { collect, servicesFor } from "./helpers";

function nodeView(nodes: readonly NodeView[], name: string): NodeView {
  const view = nodes.find((node) => node.node === name);
  assert.ok(view !== undefined, `no view of ${name}`);
  return view;
}

test("nodesAt(last seq), replayed in a worker, equals the stored final views, which nodesAt() returns", async (t) => {
  const { services } = await servicesFor(t);
  for (const id of ["2pc-happy-path", "2pc-coordinator-crash"]) {
    const run = await services.runs.startRun({ scenarioId: id });
    const final = await services.runs.nodesAt(run.id);
    assert.deepEqual(
      final.map((node) => node.node),
      ["coord", "p1", "p2", "p3"],
    );
    const replayed = await services.runs.nodesAt(run.id, run.eventCount - 1);
    assert.deepEqual(replayed, final, `${id}: replay to the last event ends where the run ended`);
  }
});

test("nodesAt(seq) shows the coordinator down from its crash until its recovery (2pc-coordinator-crash)", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-coordinator-crash" });
  const trace = await collect(await services.runs.follow(run.id));
  const crash = trace.find((event) => event.kind === "CRASH" && event.node === "coord") as TraceEvent;
  const recover = trace.find((event) => event.kind === "RECOVER" && event.node === "coord") as TraceEvent;
  assert.ok(crash !== undefined && recover !== undefined && crash.seq < recover.seq);

  // The fault fires inside the step that delivers the third YES vote: the state "after" an event is the state
  // after its whole step (handlers are atomic), so after that DELIVER coord is already down.
  const votesIn = trace.filter((event) => event.kind === "DELIVER" && event.node === "coord" && event.seq < crash.seq);
  assert.equal(votesIn.length, 3);
  const [, secondVote, thirdVote] = votesIn as [TraceEvent, TraceEvent, TraceEvent];
  const twoVotes = await services.runs.nodesAt(run.id, secondVote.seq);
  assert.equal(nodeView(twoVotes, "coord").up, true);
  const coordState = nodeView(twoVotes, "coord").state as {
    transactions: { t1: { votes: Record<string, string | null> } };
  };
  const yesVotes = Object.values(coordState.transactions.t1.votes).filter((vote) => vote === "YES");
  assert.equal(yesVotes.length, 2, "coord has recorded two YES votes");
  assert.equal(nodeView(await services.runs.nodesAt(run.id, thirdVote.seq), "coord").up, false);
  const down = await services.runs.nodesAt(run.id, crash.seq);
  assert.equal(nodeView(down, "coord").up, false, "right after its CRASH the coordinator is down");
  assert.equal(nodeView(down, "coord").state, null, "a crashed node shows no volatile state");
  // While it is down the participants that voted YES are blocked (Gray 1978; Bernstein et al. ch. 7).
  const blocked = await services.runs.nodesAt(run.id, recover.seq - 1);
  assert.equal(nodeView(blocked, "coord").up, false);
  for (const participant of ["p1", "p2", "p3"]) {
    const state = nodeView(blocked, participant).state as { transactions: { t1: { status: string } } };
    assert.equal(state.transactions.t1.status, "PREPARED", `${participant} is still PREPARED while coord is down`);
  }
  const back = await services.runs.nodesAt(run.id, recover.seq);
  assert.equal(nodeView(back, "coord").up, true);
});

test("nodesAt refuses an atSeq outside the run and an unknown run", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path" });
  for (const atSeq of [-1, run.eventCount, 1.5]) {
    await assert.rejects(
      services.runs.nodesAt(run.id, atSeq),
      (error: unknown) =>
        error instanceof FaultlineError &&
        error.code === "BAD_USER_INPUT" &&
        error.argumentName === "atSeq" &&
        error.message.includes(`between 0 and ${run.eventCount - 1}`),
    );
  }
  await assert.rejects(
    services.runs.nodesAt("no-such-run"),
    (error: unknown) => error instanceof FaultlineError && error.code === "NOT_FOUND",
  );
});

test("a stored event that no longer matches its replay is reported as a diverged replay, not served", async (t) => {
  const { services, dbPath } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path" });
  const db = openDatabase(dbPath);
  db.prepare("UPDATE events SET summary = 'something else happened.' WHERE run_id = ? AND seq = 10").run(run.id);
  db.close();
  await assert.rejects(
    services.runs.nodesAt(run.id, 10),
    (error: unknown) =>
      error instanceof FaultlineError &&
      error.code === "INTERNAL" &&
      /Replay diverged/.test(error.message) &&
      error.message.includes("seed=1"),
  );
  assert.equal((await services.runs.nodesAt(run.id, 9)).length, 4, "an untouched event still replays");
});

test("nodesAt() of a run still RUNNING replays up to its last stored event", async (t) => {
  const { services } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", pace: 10_000 });
  const first = await (await services.runs.follow(run.id)).next(); // event 0 is released at once, event 1 in ten seconds
  assert.equal((first.value as TraceEvent).seq, 0);
  assert.equal((await services.runs.getRun(run.id))?.status, "RUNNING");
  const soFar = await services.runs.nodesAt(run.id);
  assert.deepEqual(soFar, await services.runs.nodesAt(run.id, 0));
  const coord = nodeView(soFar, "coord").state as { transactions: Record<string, { status: string }> };
  assert.ok(coord.transactions["t1"] !== undefined, "coord has begun t1 in the step of event 0");
});

test("a replay that cannot run is an INTERNAL error with the seed, and the stored run is left as it was", async (t) => {
  const { services, dbPath } = await servicesFor(t);
  const run = await services.runs.startRun({ scenarioId: "2pc-happy-path", seed: 8 });
  const db = openDatabase(dbPath);
  db.prepare("UPDATE sources SET text = 'id: [unclosed' WHERE hash = (SELECT source_hash FROM runs WHERE id = ?)").run(
    run.id,
  );
  db.close();
  await assert.rejects(
    services.runs.nodesAt(run.id, 3),
    (error: unknown) =>
      error instanceof FaultlineError &&
      error.code === "INTERNAL" &&
      /The replay failed: the stored scenario no longer parses/.test(error.message) &&
      error.message.includes("reproduce with seed=8"),
  );
  assert.deepEqual(await services.runs.getRun(run.id), run);
  assert.equal((await services.runs.nodesAt(run.id)).length, 4, "the stored final views are still served");
});
