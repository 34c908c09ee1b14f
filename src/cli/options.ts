import { InvalidArgumentError } from "commander";

/**
 * What the commands share besides commander: the usage error a command throws once its
 * arguments have parsed (an unknown scenario id, a node the scenario does not have), and
 * argument parsers commander calls for typed options. Each error names what was wrong;
 * main.ts prints it with exit code 2.
 */

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Where a command writes: one call per line. */
export type Print = (line: string) => void;

/** An argument parser for an integer option (`--seed 7`): commander names the option when it refuses a value. */
export function integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string): number => {
    const bounds =
      max === Number.MAX_SAFE_INTEGER ? (min === 0 ? " >= 0" : min === 1 ? " >= 1" : "") : ` from ${min} to ${max}`;
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`It needs an integer${bounds}.`);
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`It needs an integer${bounds}.`);
    }
    return parsed;
  };
}

/** An argument parser for a positive number (`--keep-runs-days 0.5`). */
export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError("It needs a number >= 0.");
  }
  return parsed;
}

/** Collects a repeatable option's values in order (`--kind SEND --kind DELIVER`). */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
