#!/usr/bin/env node
import { resolve } from "node:path";
import { parseArgs, UsageError, type FlagSpec } from "./args";
import { checkSerCommand } from "./check-ser";
import { checkLinCommand } from "./check-lin";
import { diagramCommand, listCommand, runCommand, showCommand, type Catalog, type Print } from "./commands";
import { gradeCommand } from "./grade";
import { loadCatalog } from "./load";

/** faultline's command line: list, show, run and diagram scenarios in-process (no server, no database). */

const USAGE = `faultline: distributed systems taught through failure

usage: npm run cli -- <command> [arguments]

commands:
  list [--topic T]                          every scenario: id, topic, protocol, title
                                            (files that failed to load are listed after)
  show <scenario-id>                        title, summary, objectives, nodes, workload, faults
  run <scenario-id> [--seed N] [--node X] [--kind K]
                                            run the scenario here and print its event log:
                                            seq, time, node, kind, explanation; then the
                                            stop reason, trace hash and violations.
                                            --node and --kind filter the printed events;
                                            --kind takes a list (--kind SEND,DELIVER)
  diagram <scenario-id> [--seed N]          a space-time diagram: one lane per node,
                                            arrows for messages
  grade --assignment FILE --answers FILE --out results.json [--format gradescope|prairielearn] [--seed N]
                                            grade answers offline; writes Gradescope's
                                            results.json or PrairieLearn's result
  check-ser FILE.json [--timeout-ms N] [--json]
                                            check a transactional history for
                                            serializability (exit 0 serializable,
                                            1 not, 2 unknown or bad input)
  check-lin <file.json> [--timeout MS]      is this history of client operations
                                            linearizable? (README, Linearizability)
                                            exit 0 yes, 1 no, 2 unknown or bad input

options:
  --help, -h                                this text (also: npm run cli -- <command> --help)

environment:
  SCENARIOS_DIR   where scenario YAML files are read from (default ./scenarios)

exit codes: 0 done, 1 the scenario could not run, 2 a usage error (bad flag, unknown id)`;

interface Command {
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly run?: (catalog: Catalog, args: ReturnType<typeof parseArgs>, print: Print) => void;
  /** A command that needs no scenarios and gives its own exit code. */
  readonly standalone?: (args: ReturnType<typeof parseArgs>, print: Print, printError: Print) => number;
}

const HELP: FlagSpec = { value: false };
const SEED: FlagSpec = { value: true };

const COMMANDS: Readonly<Record<string, Command>> = {
  list: { flags: { help: HELP, topic: { value: true } }, run: listCommand },
  show: { flags: { help: HELP }, run: showCommand },
  run: {
    flags: { help: HELP, seed: SEED, node: { value: true }, kind: { value: true, repeatable: true } },
    run: runCommand,
  },
  diagram: { flags: { help: HELP, seed: SEED }, run: diagramCommand },
  grade: {
    flags: {
      help: HELP,
      seed: SEED,
      assignment: { value: true },
      answers: { value: true },
      out: { value: true },
      format: { value: true },
    },
    run: gradeCommand,
  },
  "check-lin": { flags: { help: HELP, timeout: { value: true } }, standalone: checkLinCommand },
};

/** Runs the CLI and returns its exit code. */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv, print: Print, printError: Print): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? printError : print)(USAGE);
    return name === undefined ? 2 : 0;
  }
  // check-ser reads a history file, not the scenarios, and has its own exit codes.
  if (name === "check-ser") return checkSerCommand(rest, print, printError);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (command === undefined) {
      throw new UsageError(
        `unknown command "${name}" (commands: ${[...Object.keys(COMMANDS), "check-ser"].join(", ")})`,
      );
    }
    const args = parseArgs(rest, command.flags);
    if (args.flags.has("help")) {
      print(USAGE);
      return 0;
    }
    if (command.standalone !== undefined) return command.standalone(args, print, printError);
    const catalog = loadCatalog(resolve(env["SCENARIOS_DIR"] ?? "./scenarios"));
    command.run?.(catalog, args, print);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      printError(`error: ${error.message}`);
      printError("(npm run cli -- --help for usage)");
      return 2;
    }
    printError(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  // A closed pipe (npm run cli -- run x | head) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  process.exitCode = main(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(line + "\n"),
    (line) => process.stderr.write(line + "\n"),
  );
}
