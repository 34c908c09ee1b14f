import { list, plural } from "../../sim/english";
import type { Decision } from "./types";

/** Back-off for repeated sends: the base delay doubled per attempt, at most 8 times the base. */
export function backoff(baseMs: number, attempts: number): number {
  return baseMs * 2 ** Math.min(attempts, 3);
}

/** "p1", "p1 and p2", "p1, p2 and p3" (src/sim/english.ts). */
export const listNames = (names: readonly string[]): string => list(names);

export function outcomeWord(decision: Decision): "COMMITTED" | "ABORTED" {
  return decision === "COMMIT" ? "COMMITTED" : "ABORTED";
}

export function splitTimer(name: string): [string, string | undefined] {
  const colon = name.indexOf(":");
  return colon < 0 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

/** "its lock on x", "its locks on x and y", "no lock" (number agreement from src/sim/english.ts). */
export function heldLocks(items: readonly string[]): string {
  if (items.length === 0) return "no lock";
  return `its ${plural(items.length, "lock", undefined, false)} on ${list(items)}`;
}
