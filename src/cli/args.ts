/**
 * A small command-line parser: a command, positional arguments and `--flag value`
 * (or `--flag=value`) options. Every mistake is a UsageError naming what was wrong,
 * which main.ts prints with exit code 2.
 */

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface FlagSpec {
  /** Takes a value (`--seed 7`); otherwise it is a switch (`--help`). */
  readonly value: boolean;
  /** May be given more than once; the values are collected in order. */
  readonly repeatable?: boolean;
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Each given flag with its values (a switch has one empty-string value). */
  readonly flags: ReadonlyMap<string, readonly string[]>;
}

/** Parses argv (without node and the script) against the flags a command accepts. */
export function parseArgs(argv: readonly string[], accepted: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    // `-h` is the one short flag: it means --help.
    const flagName =
      arg === "-h" ? "help" : arg.startsWith("--") ? arg.slice(2, equals === -1 ? undefined : equals) : "";
    const spec = flagName !== "" && Object.hasOwn(accepted, flagName) ? accepted[flagName] : undefined;
    if (spec === undefined) {
      const known = Object.keys(accepted)
        .map((flag) => `--${flag}`)
        .join(", ");
      throw new UsageError(
        `unknown flag ${arg.split("=")[0]}${known === "" ? "" : ` (this command accepts ${known})`}`,
      );
    }
    let value = "";
    if (spec.value) {
      if (equals !== -1) value = arg.slice(equals + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith("--") && next.length > 2)) {
          throw new UsageError(`flag --${flagName} needs a value`);
        }
        value = next;
        i += 1;
      }
    } else if (equals !== -1) {
      throw new UsageError(`flag --${flagName} takes no value`);
    }
    const seen = flags.get(flagName);
    if (seen !== undefined && spec.repeatable !== true) {
      throw new UsageError(`flag --${flagName} is given more than once`);
    }
    flags.set(flagName, [...(seen ?? []), value]);
  }
  return { positionals, flags };
}

/** The value of a flag that may be given once, or undefined. */
export function flagValue(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.[0];
}

/** An integer flag (`--seed 7`); a value that is not a safe integer names the flag. */
export function integerFlag(args: ParsedArgs, name: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const raw = flagValue(args, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`flag --${name} needs an integer, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`flag --${name} needs an integer${min === 0 ? " >= 0" : ""}, got "${raw}"`);
  }
  return value;
}
