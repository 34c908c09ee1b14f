import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SHIVIZ_REGEX } from "../../src/explore/export";
import { openStore } from "../../src/store";

// The CLI's database commands (issue 13: db stats, db vacuum; token create) and issue 12's
// export, import and diagram --svg, run as a user runs them: the compiled entry point.

const ROOT = resolve(__dirname, "..", "..", "..");
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const SCENARIO_ID = "2pc-happy-path";

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], env: Record<string, string>): CliResult {
  const { SCENARIOS_DIR: _scenarios, DB_PATH: _db, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-cli-db-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `db stats` as a map: one "name count" line per table group. */
function stats(env: Record<string, string>): Map<string, number> {
  const result = cli(["db", "stats"], env);
  assert.equal(result.status, 0, result.stderr);
  return new Map(
    result.stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [name, value] = line.split(" ");
        return [name as string, Number(value)];
      }),
  );
}

test("export a scenario, import it, export the stored run again: the same run; db stats and vacuum", (t) => {
  const dir = tempDir(t);
  const env = { DB_PATH: join(dir, "faultline.db") };
  const file = join(dir, "run.json");

  const exported = cli(["export", SCENARIO_ID, "--format", "json", "--seed", "4", "--out", file], env);
  assert.equal(exported.status, 0, exported.stderr);
  const original = JSON.parse(readFileSync(file, "utf8")) as { seed: number; traceHash: string; events: unknown[] };
  assert.equal(original.seed, 4);
  const noDb = cli(["import", file], env);
  assert.equal(noDb.status, 2, "import needs a database");
  assert.match(noDb.stderr, /there is no database at .*faultline\.db/);

  openStore(env.DB_PATH).store.close(); // the server's first start creates and migrates the file
  const runIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const imported = cli(["import", file], env);
    assert.equal(imported.status, 0, imported.stderr);
    const match = /as run (\S+) \(trace hash ([0-9a-f]{64})\)/.exec(imported.stdout);
    assert.ok(match, imported.stdout);
    assert.equal(match[2], original.traceHash);
    runIds.push(match[1] as string);
  }

  const again = cli(["export", runIds[0] as string], env);
  assert.equal(again.status, 0, again.stderr);
  const roundTrip = JSON.parse(again.stdout) as typeof original;
  assert.equal(roundTrip.traceHash, original.traceHash);
  assert.equal(roundTrip.seed, 4);
  assert.deepEqual(roundTrip.events, original.events, "the stored run exports the events that were imported");
  assert.equal(cli(["export", runIds[0] as string, "--seed", "1"], env).status, 2, "a stored run has its own seed");

  const shiviz = cli(["export", runIds[0] as string, "--format", "shiviz"], env);
  assert.equal(shiviz.status, 0, shiviz.stderr);
  assert.equal(shiviz.stdout.split("\n")[0], SHIVIZ_REGEX);
  const history = cli(["export", SCENARIO_ID, "--format", "history"], env);
  assert.equal(history.status, 0, history.stderr);
  assert.match(history.stdout, /:type/);
  const badFormat = cli(["export", SCENARIO_ID, "--format", "xml"], env);
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /Allowed choices are json, shiviz, history/);

  const full = stats(env);
  assert.equal(full.get("runs"), 2);
  assert.equal(full.get("events"), 2 * original.events.length);
  assert.equal(full.get("sources"), 1, "two runs of one source store it once");
  assert.ok((full.get("bytes") ?? 0) > 0);

  const vacuumed = cli(["db", "vacuum", "--keep-runs-per-scenario", "1"], env);
  assert.equal(vacuumed.status, 0, vacuumed.stderr);
  assert.match(vacuumed.stdout, /^runs_deleted 1$/m);
  assert.match(vacuumed.stdout, new RegExp(`^events_deleted ${original.events.length}$`, "m"));
  const after = stats(env);
  assert.equal(after.get("runs"), 1);
  assert.equal(after.get("free_bytes"), 0, "VACUUM leaves no free pages");
  assert.equal(cli(["db", "vacuum", "--keep-runs-per-scenario", "0"], env).status, 2);
});

test("token create prints a token once, which the database then knows by its hash", (t) => {
  const dir = tempDir(t);
  const env = { DB_PATH: join(dir, "faultline.db") };
  openStore(env.DB_PATH).store.close();
  const created = cli(["token", "create", "--role", "instructor"], env);
  assert.equal(created.status, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^fl_i_\S+$/);
  const { store } = openStore(env.DB_PATH);
  try {
    assert.deepEqual(store.grading.identify(token), { role: "instructor", studentId: null });
    assert.equal(store.db.prepare("SELECT count(*) FROM tokens WHERE hash = ?").pluck().get(token), 0);
  } finally {
    store.close();
  }
  const student = cli(["token", "create", "--role", "student"], env);
  assert.equal(student.status, 2);
  assert.match(student.stderr, /needs --student/);
  const unknown = cli(["token", "create", "--role", "student", "--student", "nobody"], env);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no student with id "nobody"/);
  const noRole = cli(["token", "create"], env);
  assert.equal(noRole.status, 2);
  assert.match(noRole.stderr, /required option '--role <role>' not specified/);
});

test("diagram --svg prints an SVG space-time diagram; --from without --svg is a usage error", (t) => {
  const env = { DB_PATH: join(tempDir(t), "unused.db") };
  const svg = cli(["diagram", SCENARIO_ID, "--svg", "--from", "2", "--to", "9"], env);
  assert.equal(svg.status, 0, svg.stderr);
  assert.match(svg.stdout, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg.stdout, /events 2 to 9/);
  assert.match(svg.stdout.trim(), /<\/svg>$/);
  const text = cli(["diagram", SCENARIO_ID, "--from", "2"], env);
  assert.equal(text.status, 2);
  assert.match(text.stderr, /--from and --to window the SVG diagram/);
  const run = cli(["run", SCENARIO_ID], env);
  assert.equal(run.status, 0);
  assert.equal(run.stderr, "", "no progress bar when stderr is not a terminal");
});
