import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { checkLinearizability, HistoryError } from "../checkers/linearizability";
import type { Print } from "./options";

/** The check-lin command's default time budget, and the most it may be given. */
export const CHECK_LIN_DEFAULT_TIMEOUT_MS = 10_000;
export const CHECK_LIN_MAX_TIMEOUT_MS = 3_600_000;
/** Operation indexes printed for the prefix before the rest is summed up. */
const PREFIX_SHOWN = 40;

/**
 * `check-lin FILE.json [--timeout MS]`: checks a history (README, Linearizability)
 * and prints the verdict with its explanation. Exit 0 linearizable, 1 not, 2 unknown
 * or bad input.
 */
export function checkLinCommand(file: string, timeoutMs: number, print: Print, printError: Print): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    printError(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    printError(`error: ${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const started = performance.now();
  const deadline = started + timeoutMs;
  try {
    const report = checkLinearizability(input, { expired: () => performance.now() > deadline });
    const elapsedMs = performance.now() - started;
    print(`verdict:     ${report.verdict}`);
    print(`operations:  ${report.operations}`);
    if (report.failedOp !== null) print(`failed op:   ${report.failedOp}`);
    if (report.prefix !== null) {
      const shown = report.prefix.slice(0, PREFIX_SHOWN).join(", ");
      const more = report.prefix.length - PREFIX_SHOWN;
      print(
        `${report.verdict === "LINEARIZABLE" ? "order:      " : "prefix:     "} ${shown}${more > 0 ? `, ... (${more} more)` : ""}`,
      );
    }
    print(`elapsed:     ${elapsedMs.toFixed(1)} ms (budget ${timeoutMs} ms)`);
    print("");
    print(report.explanation);
    return report.verdict === "LINEARIZABLE" ? 0 : report.verdict === "NOT_LINEARIZABLE" ? 1 : 2;
  } catch (error) {
    if (error instanceof HistoryError) {
      printError(`error: ${file}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
