// Runs every compiled test file with node's test runner. Node 20's --test does not
// expand globs, so the files are listed here. Pass a substring to run only the
// test files whose path contains it: `node scripts/run-tests.js raft`.
const { readdirSync, statSync } = require("node:fs");
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
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
