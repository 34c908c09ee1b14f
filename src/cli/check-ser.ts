import { readFileSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { checkSerializability, HistoryError, type SerializabilityResult } from "../checkers/serializability";
import { plural } from "../sim/english";
import type { Print } from "./options";

/** The largest history file check-ser reads. */
export const MAX_HISTORY_FILE_BYTES = 256 * 1024 * 1024;
/** The time budget when --timeout-ms is not given. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** What `check-ser --help` adds below the options commander lists. */
export const CHECK_SER_HELP = `
Checks a transactional history for serializability and prints the verdict and each
anomaly (G0, G1A, G1B, G1C, G_SINGLE, G2_ITEM, ...) with its transactions (T0 is the
first in the file) and the cycle in sentences. The file is Elle's list-append or
rw-register shape: { "kind": ..., "txns": [{ "process", "type", "ops" }] } (see the README).

exit codes: 0 serializable, 1 not serializable, 2 unknown or bad input`;

/** `check-ser FILE.json`: returns the exit code (0 serializable, 1 not, 2 unknown or bad input). */
export function checkSerCommand(
  file: string,
  options: { readonly timeoutMs: number; readonly json: boolean },
  print: Print,
  printError: Print,
): number {
  const { timeoutMs, json: asJson } = options;
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
