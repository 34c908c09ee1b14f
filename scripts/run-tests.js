// Runs every compiled test file with node's test runner. Node 20's --test does not
// expand globs, so the files are listed here. Pass a substring to run only the
// test files whose path contains it: `node scripts/run-tests.js raft`.
const { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { spawnSync } = require("node:child_process");

function find(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...find(path));
    else if (name.endsWith(".test.js")) found.push(path);
  }
  return found;
}

const filter = process.argv[2];
const files = find(join(__dirname, "..", "dist", "tests")).filter((file) => !filter || file.includes(filter));
if (files.length === 0) {
  console.error("run-tests: no compiled test files found under dist/tests (did the build run?)");
  process.exit(1);
}
// The spec reporter is for people; a TAP copy gives the closing "N passed, N failed" line.
const tapDir = mkdtempSync(join(tmpdir(), "faultline-tests-"));
const tapFile = join(tapDir, "results.tap");
// Two test files at a time: many of them mostly wait (paced runs, a queue's expiry, server
// processes starting), so two overlap well even on two cores. FAULTLINE_TEST_CONCURRENCY=1
// runs one file at a time.
const concurrency = Number(process.env.FAULTLINE_TEST_CONCURRENCY ?? 2);
const result = spawnSync(
  process.execPath,
  [
    "--test",
    `--test-concurrency=${Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 2}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { stdio: "inherit" },
);
let tap = "";
try {
  tap = readFileSync(tapFile, "utf8");
} finally {
  rmSync(tapDir, { recursive: true, force: true });
}
const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)$`, "m")) ?? [])[1] ?? 0);
console.log(`\n${count("pass")} passed, ${count("fail") + count("cancelled")} failed`);
process.exit(result.status ?? 1);
