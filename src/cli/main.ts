#!/usr/bin/env node
import { resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { CHECK_LIN_DEFAULT_TIMEOUT_MS, CHECK_LIN_MAX_TIMEOUT_MS, checkLinCommand } from "./check-lin";
import { CHECK_SER_HELP, checkSerCommand, DEFAULT_TIMEOUT_MS } from "./check-ser";
import { diagramCommand, listCommand, runCommand, showCommand, type Catalog } from "./commands";
import { dbStatsCommand, dbVacuumCommand, tokenCreateCommand } from "./db";
import { CLI_EXPORT_FORMATS, exportCommand, importCommand } from "./export";
import { GRADE_FORMATS, gradeCommand } from "./grade";
import { loadCatalog } from "./load";
import { collect, integer, positiveNumber, UsageError, type Print } from "./options";

/**
 * faultline's command line, on commander: every command is a subcommand with its own
 * --help; scenarios are loaded only by the commands that need them.
 */

const ENVIRONMENT = `
Environment:
  SCENARIOS_DIR   where scenario YAML files are read from (default ./scenarios)
  DB_PATH         the database export (of a stored run), import, token and db use
                  (default ./data/faultline.db, as for npm start)
  FAULTLINE_KEEP_RUNS_PER_SCENARIO, FAULTLINE_KEEP_RUNS_DAYS, FAULTLINE_FAILED_TRACE_MINUTES
                  the retention policy db vacuum applies (README, Disk and retention)

Exit codes: 0 done, 1 the scenario could not run, 2 a usage error (bad option, unknown id);
check-lin and check-ser: 0 yes, 1 no, 2 unknown or bad input.`;

/** Where the CLI writes: raw text (commander's help and errors), and the lines commands print. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const SEED = (): Option =>
  new Option("--seed <n>", "the seed (default: the scenario's own)").argParser(integer(0, 4_294_967_295));

/** Builds the program; `exit` records a command's own exit code (check-lin, check-ser). */
function buildProgram(env: NodeJS.ProcessEnv, output: CliOutput, exit: (code: number) => void): Command {
  const print: Print = (line) => output.out(line + "\n");
  const printError: Print = (line) => output.err(line + "\n");
  let loaded: Catalog | undefined;
  const catalog = (): Catalog => (loaded ??= loadCatalog(resolve(env["SCENARIOS_DIR"] ?? "./scenarios")));

  const program = new Command("npm run cli --")
    .description("faultline: distributed systems taught through failure")
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) })
    .showSuggestionAfterError()
    .addHelpText("after", ENVIRONMENT);

  program
    .command("list")
    .description("every scenario: id, topic, protocol, title (files that failed to load are listed after)")
    .option("--topic <topic>", "only the scenarios of this topic")
    .action((options: { topic?: string }) => listCommand(catalog(), options, print));

  program
    .command("show")
    .description("a scenario's title, summary, objectives, nodes, workload and faults")
    .argument("<scenario-id>")
    .action((id: string) => showCommand(catalog(), id, print));

  program
    .command("run")
    .description(
      "run the scenario here and print its event log (seq, time, node, kind, explanation), then the stop " +
        "reason, trace hash and violations; a progress bar on stderr while a long run runs in a terminal",
    )
    .argument("<scenario-id>")
    .addOption(SEED())
    .option("--node <node>", "print only this node's events")
    .option("--kind <kinds>", "print only these kinds (SEND,DELIVER or the option again)", collect)
    .action((id: string, options: { seed?: number; node?: string; kind?: string[] }) =>
      runCommand(catalog(), id, options, print),
    );

  program
    .command("diagram")
    .description("a space-time diagram: one lane per node, arrows for messages (text, or SVG with --svg)")
    .argument("<scenario-id>")
    .addOption(SEED())
    .option("--svg", "print an SVG diagram (a window of at most 2,000 events) instead of text")
    .option("--from <seq>", "with --svg: the first seq drawn", integer(0))
    .option("--to <seq>", "with --svg: the last seq drawn", integer(0))
    .action((id: string, options: { seed?: number; svg?: boolean; from?: number; to?: number }) =>
      diagramCommand(catalog(), id, options, print),
    );

  program
    .command("export")
    .description(
      "a run as JSON (imports back to the same trace hash), a ShiViz log or an EDN history: a run stored " +
        "at DB_PATH by its id, or else a scenario run here by its id",
    )
    .argument("<run-or-scenario>")
    .addOption(new Option("--format <format>", "what to write").choices(CLI_EXPORT_FORMATS).default("json"))
    .addOption(SEED())
    .option("--out <file>", "write to this file instead of stdout")
    .action((target: string, options: { format: string; seed?: number; out?: string }) =>
      exportCommand(env, target, options, catalog, (text) => output.out(text), print),
    );

  program
    .command("import")
    .description("store a JSON export as a COMPLETED run at DB_PATH, once a re-run gives its trace hash")
    .argument("<file>")
    .action((file: string) => importCommand(env, file, catalog, print));

  program
    .command("grade")
    .description("grade answers offline; writes Gradescope's results.json or PrairieLearn's result")
    .requiredOption("--assignment <file>", "the assignment (YAML)")
    .requiredOption("--answers <file>", "the student's answers (JSON)")
    .requiredOption("--out <file>", "where the results go")
    .addOption(new Option("--format <format>", "the results' format").choices(GRADE_FORMATS).default("gradescope"))
    .addOption(SEED())
    .action((options: { assignment: string; answers: string; out: string; format: string; seed?: number }) =>
      gradeCommand(catalog(), options, print),
    );

  program
    .command("check-lin")
    .description("is this history of client operations linearizable? (README, Linearizability)")
    .argument("<file>", "the history (JSON)")
    .option(
      "--timeout <ms>",
      `time budget in ms (at most ${CHECK_LIN_MAX_TIMEOUT_MS})`,
      integer(1, CHECK_LIN_MAX_TIMEOUT_MS),
      CHECK_LIN_DEFAULT_TIMEOUT_MS,
    )
    .addHelpText("after", "\nexit codes: 0 linearizable, 1 not, 2 unknown or bad input")
    .action((file: string, options: { timeout: number }) =>
      exit(checkLinCommand(file, options.timeout, print, printError)),
    );

  program
    .command("check-ser")
    .description("check a transactional history for serializability")
    .argument("<file>", "the history (JSON)")
    .option("--timeout-ms <n>", "time budget; past it the verdict is UNKNOWN", integer(1), DEFAULT_TIMEOUT_MS)
    .option("--json", "print the result as JSON instead", false)
    .addHelpText("after", CHECK_SER_HELP)
    .action((file: string, options: { timeoutMs: number; json: boolean }) =>
      exit(checkSerCommand(file, options, print, printError)),
    );

  const token = program.command("token").description("bearer tokens for the API (stored at DB_PATH as hashes)");
  token
    .command("create")
    .description("create a token and print it: the only time it is shown")
    .addOption(new Option("--role <role>", "who holds it").choices(["instructor", "student"]).makeOptionMandatory())
    .option("--student <student-id>", "the student a student token belongs to")
    .option("--expires <date>", "when it stops working (ISO 8601)")
    .action((options: { role: string; student?: string; expires?: string }) => tokenCreateCommand(env, options, print));

  const db = program.command("db").description("the database at DB_PATH: its size, and reclaiming disk");
  db.command("stats")
    .description("one line per table group: runs, events, violations, sources, submissions, bytes")
    .action(() => dbStatsCommand(env, print));
  db.command("vacuum")
    .description("apply the retention policy, reclaim FAILED runs' partial traces, then VACUUM the file")
    .option("--keep-runs-per-scenario <n>", "keep the newest N runs of each scenario", integer(1))
    .option("--keep-runs-days <days>", "keep runs younger than this", positiveNumber)
    .option("--failed-trace-minutes <minutes>", "reclaim FAILED traces over for this long", positiveNumber)
    .action((options: { keepRunsPerScenario?: number; keepRunsDays?: number; failedTraceMinutes?: number }) =>
      dbVacuumCommand(env, options, print),
    );

  return program;
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, output: CliOutput): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(env, output, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    output.err(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    // commander has printed its own message ("error: unknown option '--sed'"); help and version are not errors.
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      output.err(`(npm run cli -- ${commandName(program, argv)}--help for usage)\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      output.err(`error: ${error.message}\n(npm run cli -- ${commandName(program, argv)}--help for usage)\n`);
      return 2;
    }
    output.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

/** The known command word(s) of argv for the usage hint ("run ", "db vacuum "), or "" when there is none. */
function commandName(program: Command, argv: readonly string[]): string {
  const words: string[] = [];
  let command = program;
  for (const word of argv) {
    const sub = command.commands.find((candidate) => candidate.name() === word);
    if (sub === undefined) break;
    words.push(word);
    command = sub;
  }
  return words.length === 0 ? "" : `${words.join(" ")} `;
}

if (require.main === module) {
  // A closed pipe (npm run cli -- run x | head) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  void main(process.argv.slice(2), process.env, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
