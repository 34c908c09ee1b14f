import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { runScenario } from "../../src/scenarios/runner";

// Golden traces (etcd's datadriven files with a rewrite flag): the committed file
// holds the trace hash of every scenario at its own seed and at two more. Any change
// of a hash fails here; an intended change is accepted with
//   npm run golden:rewrite
// and committed on its own, with a message that says why the trace changed.

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SCENARIOS_DIR = path.join(ROOT, "scenarios");
const GOLDEN_FILE = path.join(ROOT, "tests", "golden", "trace-hashes.json");
/** Seeds checked besides each scenario's own. */
const EXTRA_SEEDS = [101, 202] as const;
const REWRITE = process.env.GOLDEN_REWRITE === "1";

type Golden = Record<string, Record<string, string>>;

function computeAll(): Golden {
  const { scenarios } = loadScenarioDirectory(SCENARIOS_DIR);
  const golden: Golden = {};
  for (const scenario of [...scenarios].sort((a, b) => a.id.localeCompare(b.id))) {
    const seeds = [scenario.spec.seed, ...EXTRA_SEEDS.filter((seed) => seed !== scenario.spec.seed)];
    const hashes: Record<string, string> = {};
    for (const seed of seeds) hashes[String(seed)] = runScenario(scenario, { seed }).traceHash;
    golden[scenario.id] = hashes;
  }
  return golden;
}

test("every scenario's trace hash equals the committed golden hash", () => {
  const actual = computeAll();
  if (REWRITE || !existsSync(GOLDEN_FILE)) {
    writeFileSync(GOLDEN_FILE, JSON.stringify(actual, null, 2) + "\n");
    if (!REWRITE) assert.fail(`${GOLDEN_FILE} was missing and has been written: commit it`);
    return;
  }
  const expected = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Golden;
  const differences: string[] = [];
  for (const id of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const want = expected[id] ?? {};
    const got = actual[id] ?? {};
    for (const seed of new Set([...Object.keys(want), ...Object.keys(got)])) {
      if (want[seed] === got[seed]) continue;
      differences.push(
        `${id} seed=${seed}: committed ${want[seed] ?? "(none)"}, now ${got[seed] ?? "(none)"}` +
          ` (reproduce: npm run cli -- run ${id} --seed ${seed})`,
      );
    }
  }
  assert.deepEqual(
    differences,
    [],
    "trace hashes changed. If the change is intended, run `npm run golden:rewrite` and commit " +
      "tests/golden/trace-hashes.json on its own, saying why the traces changed",
  );
});
