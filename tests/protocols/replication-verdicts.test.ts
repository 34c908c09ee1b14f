import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkLinearizability, historyFromTrace } from "../../src/checkers/linearizability";
import { runReplication } from "./dynamo-helpers";

// The README's table of the replication topic says which verdict the linearizability
// checker gives each scenario; this keeps the table true.

const README = join(__dirname, "..", "..", "..", "README.md");

test("every replication scenario's verdict is the one the README's replication table gives", () => {
  const text = readFileSync(README, "utf8");
  const section = /### The replication topic[\s\S]*?<!-- \/section:protocols -->/.exec(text)?.[0];
  assert.ok(section !== undefined, "README.md has the replication topic section");
  const rows = [...section.matchAll(/^\| `([a-z0-9-]+)`\s*\|[^|]*\|\s*([A-Z_]+)\s*\|$/gm)];
  assert.equal(rows.length, 12, "one row per replication scenario");
  for (const [, id, verdict] of rows) {
    const extracted = historyFromTrace(runReplication(id as string).events);
    assert.ok(extracted !== null, `${id} records client operations`);
    assert.equal(checkLinearizability(extracted.history).verdict, verdict, id);
  }
});
