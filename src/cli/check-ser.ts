import { readFileSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { checkSerializability, HistoryError, type SerializabilityResult } from "../checkers/serializability";
import { plural } from "../sim/english";
import { integerFlag, parseArgs, UsageError, type FlagSpec } from "./args";
import type { Print } from "./commands";

/** The largest history file check-ser reads. */
export const MAX_HISTORY_FILE_BYTES = 256 * 1024 * 1024;
/** The time budget when --timeout-ms is not given. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export const CHECK_SER_FLAGS: Readonly<Record<string, FlagSpec>> = {
  help: { value: false },
  "timeout-ms": { value: true },
  json: { value: false },
};

export const CHECK_SER_USAGE = `usage: npm run cli -- check-ser FILE.json [--timeout-ms N] [--json]

Checks a transactional history for serializability and prints the verdict and each
anomaly (G0, G1A, G1B, G1C, G_SINGLE, G2_ITEM, ...) with its transactions (T0 is the
first in the file) and the cycle in sentences. The file is Elle's list-append or
rw-register shape: { "kind": ..., "txns": [{ "process", "type", "ops" }] } (see the README).

  --timeout-ms N   time budget (default ${DEFAULT_TIMEOUT_MS}); past it the verdict is UNKNOWN
  --json           print the result as JSON instead

exit codes: 0 serializable, 1 not serializable, 2 unknown or bad input`;

/** `check-ser FILE.json`: returns the exit code (0 serializable, 1 not, 2 unknown or bad input). */
export function checkSerCommand(argv: readonly string[], print: Print, printError: Print): number {
  let file: string;
  let timeoutMs: number;
  let asJson: boolean;
  try {
    const args = parseArgs(argv, CHECK_SER_FLAGS);
    if (args.flags.has("help")) {
      print(CHECK_SER_USAGE);
      return 0;
    }
    if (args.positionals.length !== 1) {
      throw new UsageError(`check-ser takes one history file; got ${plural(args.positionals.length, "argument")}`);
    }
    file = args.positionals[0] as string;
    timeoutMs = integerFlag(args, "timeout-ms", 1) ?? DEFAULT_TIMEOUT_MS;
    asJson = args.flags.has("json");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    printError(`error: ${error.message}`);
    printError("(npm run cli -- check-ser --help for usage)");
    return 2;
  }
  let input: unknown;
  try {
    const size = statSync(file).size;
    if (size > MAX_HISTORY_FILE_BYTES) {
      printError(`error: ${file} is ${size} bytes, more than the ${MAX_HISTORY_FILE_BYTES} a history file may hold`);
      return 2;
    }
    input = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    printError(`error: ${file}: ${error instanceof SyntaxError ? "not valid JSON: " : ""}${messageOf(error)}`);
    return 2;
  }
  const started = performance.now();
  let result: SerializabilityResult;
  try {
    result = checkSerializability(input, { pastDeadline: () => performance.now() - started > timeoutMs });
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    printError(`error: ${file}: ${error.message}`);
    return 2;
  }
  const elapsedMs = performance.now() - started;
  if (asJson) print(JSON.stringify({ ...result, elapsedMs }, null, 2));
  else printResult(result, elapsedMs, print);
  return result.verdict === "SERIALIZABLE" ? 0 : result.verdict === "NOT_SERIALIZABLE" ? 1 : 2;
}

function printResult(result: SerializabilityResult, elapsedMs: number, print: Print): void {
  const verdict = result.verdict.replace("_", " ");
  const anomalies = result.anomalies.length === 0 ? "no anomalies" : plural(result.anomalies.length, "anomaly");
  print(`${verdict}: ${anomalies} in ${plural(result.transactions, "transaction")} (${elapsedMs.toFixed(1)} ms)`);
  if (result.reason !== null) print(`note: ${result.reason}`);
  for (const anomaly of result.anomalies) {
    print("");
    print(`${anomaly.type}  ${anomaly.cycle.map((txn) => `T${txn}`).join(", ")}`);
    print(`  ${anomaly.explanation}`);
    for (const edge of anomaly.edges)
      print(`    T${edge.from} -> T${edge.to}  ${edge.kind.padEnd(8)} ${edge.explanation}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
