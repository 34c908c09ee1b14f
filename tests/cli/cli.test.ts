import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadScenarioDirectory } from "../../src/scenarios/catalog";
import { runScenario } from "../../src/scenarios/runner";
import type { Scenario } from "../../src/scenarios/types";

/** The CLI as a user runs it: the compiled entry point, from the project folder. */
const ROOT = resolve(__dirname, "..", "..", "..");
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const SCENARIOS = join(ROOT, "scenarios");
const CRASH_ID = "2pc-coordinator-crash";

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: string[];
}

function cli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const { SCENARIOS_DIR: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines: result.stdout.split("\n") };
}

function scenario(id: string): Scenario {
  const found = loadScenarioDirectory(SCENARIOS).scenarios.find((candidate) => candidate.id === id);
  assert.ok(found, `scenario ${id} loads from ${SCENARIOS}`);
  return found;
}

/** Splits an aligned table into cells by the header's column starts; checks every cell starts at its column. */
function columns(lines: readonly string[], headers: readonly string[]): string[][] {
  const header = lines[0] ?? "";
  const starts = headers.map((name) => {
    const at = new RegExp(`(^|\\s)${name}(\\s|$)`).exec(header);
    assert.ok(at, `header has a "${name}" column: ${header}`);
    return at.index + at[1]!.length;
  });
  return lines.slice(1).map((line) =>
    starts.map((start, index) => {
      const end = index + 1 < starts.length ? starts[index + 1] : undefined;
      return line.slice(start, end).trim();
    }),
  );
}

/** The table part of a run's output: from the header to the first blank line. */
function eventTable(lines: readonly string[]): string[] {
  const end = lines.indexOf("");
  return lines.slice(0, end === -1 ? undefined : end);
}

function footerValue(lines: readonly string[], label: string): string {
  const line = lines.find((candidate) => candidate.startsWith(`${label}:`));
  assert.ok(line, `the footer has a "${label}:" line`);
  return line.slice(label.length + 1).trim();
}

test("list prints id, topic, protocol and title as aligned columns", () => {
  const result = cli(["list"]);
  assert.equal(result.status, 0, result.stderr);
  const table = eventTable(result.lines);
  assert.match(table[0] ?? "", /^id\s+topic\s+protocol\s+title$/);
  const rows = columns(table, ["id", "topic", "protocol", "title"]);
  const crash = rows.find((row) => row[0] === CRASH_ID);
  assert.deepEqual(crash, [CRASH_ID, "transactions", "two-phase-commit", scenario(CRASH_ID).title]);
  const all = loadScenarioDirectory(SCENARIOS).scenarios;
  assert.equal(rows.length, all.length, "one row per loadable scenario");
});

test("list --topic shows only that topic; an unknown topic is a usage error naming --topic", () => {
  const result = cli(["list", "--topic", "transactions"]);
  assert.equal(result.status, 0, result.stderr);
  const rows = columns(eventTable(result.lines), ["id", "topic", "protocol", "title"]);
  assert.ok(rows.length > 0);
  for (const row of rows) assert.equal(row[1], "transactions");

  const bad = cli(["list", "--topic", "gossip"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--topic/);
  assert.match(bad.stderr, /transactions/, "it says which topics exist");
});

test("list reports bad scenario files after the good ones, as file:line:column: path: message", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-cli-"));
  try {
    mkdirSync(join(dir, "transactions"));
    copyFileSync(join(SCENARIOS, "transactions", `${CRASH_ID}.yaml`), join(dir, "transactions", `${CRASH_ID}.yaml`));
    writeFileSync(
      join(dir, "transactions", "broken.yaml"),
      [
        "id: broken",
        "title: A scenario with a mistake",
        "topic: transactions",
        "protocol: two-phase-commit",
        "summary: nodes is not a list",
        "objectives: [learn]",
        "nodes: 3",
        "",
      ].join("\n"),
    );
    const result = cli(["list"], { SCENARIOS_DIR: dir });
    assert.equal(result.status, 0, result.stderr);
    const rows = columns(eventTable(result.lines), ["id", "topic", "protocol", "title"]);
    assert.deepEqual(
      rows.map((row) => row[0]),
      [CRASH_ID],
      "the good file is listed, the bad one is not",
    );
    const problems = result.lines.filter((line) => line.includes("broken.yaml:"));
    assert.ok(problems.length > 0, `the bad file is reported:\n${result.stdout}`);
    for (const problem of problems) {
      assert.match(problem, /^\S*transactions\/broken\.yaml:\d+:\d+: (\S+: )?\S.*$/, "file:line:column: path: message");
    }
    assert.ok(
      problems.some((problem) => /broken\.yaml:7:\d+: nodes: \S/.test(problem)),
      `the problem with nodes is reported at its line:\n${problems.join("\n")}`,
    );
    const listed = result.lines.findIndex((line) => line.startsWith(CRASH_ID));
    assert.ok(result.lines.indexOf(problems[0]!) > listed, "problems come after the list");

    const run = cli(["run", "broken"], { SCENARIOS_DIR: dir });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /broken could not be loaded/);
    assert.match(run.stderr, /broken\.yaml:7:\d+: nodes:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run prints the event log as columns and a footer that matches an in-process run of the same seed", () => {
  const crash = scenario(CRASH_ID);
  const expected = runScenario(crash);
  const result = cli(["run", CRASH_ID]);
  assert.equal(result.status, 0, result.stderr);
  const table = eventTable(result.lines);
  assert.match(table[0] ?? "", /^\s*seq\s+time\s+node\s+kind\s+explanation$/);
  const rows = columns(table, ["seq", "time", "node", "kind", "explanation"]);
  assert.equal(rows.length, expected.eventCount, "every event is printed");
  rows.forEach((row, index) => {
    const event = expected.events[index]!;
    assert.deepEqual(row, [String(event.seq), String(event.time), event.node, event.kind, event.summary]);
  });
  assert.ok(
    rows.some((row) => row[3] === "CRASH" && row[2] === "coord"),
    "the crash of coord is in the log",
  );

  const footer = result.lines.slice(table.length);
  assert.match(footerValue(footer, "events"), new RegExp(`^${expected.eventCount} events`));
  assert.match(footerValue(footer, "stopped"), new RegExp(`^${expected.stopReason}`));
  assert.equal(footerValue(footer, "trace hash"), expected.traceHash);
  assert.equal(footerValue(footer, "violations"), "none");
  assert.equal(footerValue(footer, "reproduce with"), `npm run cli -- run ${CRASH_ID} --seed ${crash.spec.seed}`);
});

test("run --seed changes the run and the reproduce line, and the same seed gives the same trace hash", () => {
  const crash = scenario(CRASH_ID);
  const seed = crash.spec.seed + 1;
  const first = cli(["run", CRASH_ID, "--seed", String(seed)]);
  const second = cli(["run", CRASH_ID, `--seed=${seed}`]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(footerValue(first.lines, "trace hash"), footerValue(second.lines, "trace hash"));
  assert.equal(footerValue(first.lines, "trace hash"), runScenario(crash, { seed }).traceHash);
  assert.notEqual(footerValue(first.lines, "trace hash"), runScenario(crash).traceHash);
  assert.equal(footerValue(first.lines, "reproduce with"), `npm run cli -- run ${CRASH_ID} --seed ${seed}`);
});

test("run --node and --kind filter the printed events, and the footer says how many were shown", () => {
  const expected = runScenario(scenario(CRASH_ID));
  const byNode = cli(["run", CRASH_ID, "--node", "p1"]);
  assert.equal(byNode.status, 0, byNode.stderr);
  const nodeRows = columns(eventTable(byNode.lines), ["seq", "time", "node", "kind", "explanation"]);
  assert.equal(nodeRows.length, expected.events.filter((event) => event.node === "p1").length);
  for (const row of nodeRows) assert.equal(row[2], "p1");
  assert.match(footerValue(byNode.lines, "events"), new RegExp(`${nodeRows.length} shown`));

  const byKind = cli(["run", CRASH_ID, "--kind", "crash,RECOVER", "--kind", "DROP"]);
  assert.equal(byKind.status, 0, byKind.stderr);
  const kindRows = columns(eventTable(byKind.lines), ["seq", "time", "node", "kind", "explanation"]);
  const wanted = new Set(["CRASH", "RECOVER", "DROP"]);
  assert.equal(kindRows.length, expected.events.filter((event) => wanted.has(event.kind)).length);
  assert.deepEqual(new Set(kindRows.map((row) => row[3])), wanted);
});

test("mistakes exit with code 2 and a message that names what was wrong", () => {
  const unknown = cli(["run", "no-such-scenario"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no scenario named no-such-scenario; try `npm run cli -- list`/);
  assert.equal(unknown.stdout, "");

  const flag = cli(["run", CRASH_ID, "--sed", "3"]);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /unknown option '--sed'/);
  assert.match(flag.stderr, /Did you mean --seed\?/);

  const seed = cli(["run", CRASH_ID, "--seed", "many"]);
  assert.equal(seed.status, 2);
  assert.match(seed.stderr, /option '--seed <n>' argument 'many' is invalid\. It needs an integer/);

  const missing = cli(["run", CRASH_ID, "--seed"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /option '--seed <n>' argument missing/);

  const kind = cli(["run", CRASH_ID, "--kind", "SENT"]);
  assert.equal(kind.status, 2);
  assert.match(kind.stderr, /option --kind: "SENT" is not an event kind/);

  const node = cli(["run", CRASH_ID, "--node", "p9"]);
  assert.equal(node.status, 2);
  assert.match(node.stderr, /option --node: .*no node named "p9"/);

  const command = cli(["launch"]);
  assert.equal(command.status, 2);
  assert.match(command.stderr, /unknown command 'launch'/);

  const noId = cli(["show"]);
  assert.equal(noId.status, 2);
  assert.match(noId.stderr, /missing required argument 'scenario-id'/);

  const noDir = cli(["list"], { SCENARIOS_DIR: join(tmpdir(), "faultline-no-such-dir") });
  assert.equal(noDir.status, 2);
  assert.match(noDir.stderr, /faultline-no-such-dir does not exist/);
});

test("--help prints the usage of every command with exit code 0; each command has its own --help", () => {
  for (const args of [["--help"], ["-h"], ["help"]]) {
    const result = cli(args);
    assert.equal(result.status, 0, result.stderr);
    for (const command of [
      "list",
      "show",
      "run",
      "diagram",
      "export",
      "import",
      "grade",
      "check-lin",
      "check-ser",
      "token",
      "db",
    ]) {
      assert.match(result.stdout, new RegExp(`^  ${command} `, "m"), `usage of ${command} (${args.join(" ")})`);
    }
    assert.match(result.stdout, /SCENARIOS_DIR/);
    assert.match(result.stdout, /DB_PATH/);
  }
  const commands = [
    ["list", "--topic"],
    ["show", "<scenario-id>"],
    ["run", "--kind"],
    ["diagram", "--svg"],
    ["export", "--format"],
    ["import", "<file>"],
    ["grade", "--assignment"],
    ["check-lin", "--timeout"],
    ["check-ser", "--timeout-ms"],
    ["token create", "--role"],
    ["db stats", "stats"],
    ["db vacuum", "--keep-runs-per-scenario"],
  ] as const;
  for (const [command, mentions] of commands) {
    const result = cli([...command.split(" "), "--help"]);
    assert.equal(result.status, 0, `${command} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^Usage: npm run cli -- ${command}`, "m"), command);
    assert.ok(result.stdout.includes(mentions), `${command} --help mentions ${mentions}`);
  }
  const bare = cli([]);
  assert.equal(bare.status, 2, "no command at all is a usage error");
  assert.match(bare.stderr, /Usage: npm run cli --/);
});

test("show prints the title, summary, objectives, nodes and faults of a scenario", () => {
  const crash = scenario(CRASH_ID);
  const result = cli(["show", CRASH_ID]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.lines[0], crash.title);
  const firstSummaryLine = crash.summary.split("\n")[0]!;
  assert.ok(result.lines.includes(`  ${firstSummaryLine}`), "the summary is printed, indented");
  for (const objective of crash.objectives) assert.ok(result.lines.includes(`  - ${objective}`), objective);
  assert.ok(result.lines.includes(`Nodes: ${crash.spec.nodes.join(", ")}`));
  const faults = result.lines.slice(result.lines.indexOf("Faults") + 1);
  assert.match(faults[0] ?? "", /^ {2}- when the 3rd DELIVER of VOTE_YES to coord: crash coord$/);
  assert.match(faults[1] ?? "", /^ {2}- at 400 ms: recover coord$/);
});

test("diagram draws one lane per node, an arrow toward the receiver for each send, and a dotted lane while down", () => {
  const crash = scenario(CRASH_ID);
  const expected = runScenario(crash);
  const result = cli(["diagram", CRASH_ID]);
  assert.equal(result.status, 0, result.stderr);
  const headerIndex = result.lines.findIndex((line) => /^\s*seq\s+time\s/.test(line));
  const header = result.lines[headerIndex]!;
  const lanes = crash.spec.nodes.map((node) => {
    const at = header.indexOf(` ${node} `);
    assert.ok(at > 0, `a lane for ${node}`);
    return at + 1 + Math.floor((node.length - 1) / 2);
  });
  const rows = result.lines.slice(headerIndex + 1, headerIndex + 1 + expected.eventCount);
  assert.equal(rows.length, expected.eventCount);
  expected.events.forEach((event, index) => {
    const row = rows[index]!;
    assert.match(row, new RegExp(`^\\s*${event.seq}\\s+${event.time}\\s`), `row ${index} is event ${event.seq}`);
    if (event.kind !== "SEND") return;
    const from = lanes[crash.spec.nodes.indexOf(String(event.data?.["from"]))]!;
    const to = lanes[crash.spec.nodes.indexOf(String(event.data?.["to"]))]!;
    assert.equal(row[from], "o", `the send of event ${event.seq} starts at its sender's lane`);
    if (to > from) assert.equal(row[to - 1], ">", `event ${event.seq} points right, at its receiver`);
    else assert.equal(row[to + 1], "<", `event ${event.seq} points left, at its receiver`);
  });
  const crashIndex = expected.events.findIndex((event) => event.kind === "CRASH");
  const recoverIndex = expected.events.findIndex((event) => event.kind === "RECOVER");
  const coordLane = lanes[crash.spec.nodes.indexOf("coord")]!;
  assert.equal(rows[crashIndex]![coordLane], "X");
  for (let i = crashIndex + 1; i < recoverIndex; i++) {
    assert.ok([":", "x"].includes(rows[i]![coordLane]!), `coord's lane is dotted while it is down (row ${i})`);
  }
  assert.equal(rows[recoverIndex]![coordLane], "^");
  assert.equal(footerValue(result.lines, "trace hash"), expected.traceHash);
  assert.match(footerValue(result.lines, "reproduce with"), /npm run cli -- diagram 2pc-coordinator-crash --seed 7/);
});
