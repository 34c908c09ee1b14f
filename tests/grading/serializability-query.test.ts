import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSerializability } from "../../src/checkers/serializability";
import { evaluate, QueryError, querySchema, subjectOf } from "../../src/grading";
import { rwRegisterHistory, type IsolationConfig } from "../../src/protocols/isolation";
import { scenario } from "./helpers";

// The serializability answer query: an isolation run's history, judged by the checker
// itself (compared here with a direct call), with the commit and abort events as its reasons.

function ask(id: string, field: "verdict" | "anomalies") {
  const base = scenario(id);
  return evaluate(querySchema.parse({ serializability: { field } }), subjectOf(base, base.spec.seed));
}

test("serializability query: the verdict and the anomaly types the checker finds in the run", () => {
  const base = scenario("isolation-write-skew");
  const run = subjectOf(base, base.spec.seed);
  const history = rwRegisterHistory(base.config as IsolationConfig, run.result.events);
  assert.ok(history !== null);
  const direct = checkSerializability(history);
  assert.equal(ask("isolation-write-skew", "verdict").value, direct.verdict);
  assert.equal(direct.verdict, "NOT_SERIALIZABLE");
  assert.deepEqual(ask("isolation-write-skew", "anomalies").value, ["G2_ITEM"]);
  assert.deepEqual(ask("isolation-read-skew", "anomalies").value, ["G_SINGLE"]);
  assert.equal(ask("isolation-ssi-prevents-write-skew", "verdict").value, "SERIALIZABLE");
  assert.deepEqual(ask("isolation-ssi-prevents-write-skew", "anomalies").value, []);
  const commits = run.result.events.filter((e) => e.data?.["fact"] === "commit").map((e) => e.seq);
  assert.deepEqual(ask("isolation-write-skew", "verdict").justification, commits);
});

test("serializability query on a run of another protocol is a QueryError naming the protocol", () => {
  assert.throws(
    () => ask("saga-trip-booking-happy", "verdict"),
    (error: unknown) => {
      assert.ok(error instanceof QueryError);
      assert.match(error.message, /isolation protocol, found saga/);
      return true;
    },
  );
});
