import { canonicalJson } from "../../sim/json";
import type { Resolution, VectorClock, Version } from "./types";

/** a descends from b: every counter of b is at most a's (§4.4). Equal clocks descend from each other. */
export function descends(a: VectorClock, b: VectorClock): boolean {
  return Object.entries(b).every(([node, counter]) => (a[node] ?? 0) >= counter);
}

export function sameClock(a: VectorClock, b: VectorClock): boolean {
  return descends(a, b) && descends(b, a);
}

/** The pointwise maximum: the context a client gets back from a get and sends with its put (§4.4, §6.3). */
export function mergeClocks(clocks: readonly VectorClock[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const clock of clocks) {
    for (const [node, counter] of Object.entries(clock)) merged[node] = Math.max(merged[node] ?? 0, counter);
  }
  return sortedClock(merged);
}

export function sortedClock(clock: VectorClock): Record<string, number> {
  return Object.fromEntries(Object.entries(clock).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function describeClock(clock: VectorClock): string {
  const entries = Object.entries(clock);
  return entries.length === 0 ? "[]" : `[${entries.map(([node, counter]) => `${node}:${counter}`).join(", ")}]`;
}

/** Later timestamp wins; a tie goes to the larger coordinator name, so every replica picks the same one. */
function newer(a: Version, b: Version): boolean {
  return a.ts !== b.ts ? a.ts > b.ts : a.by > b.by;
}

export interface Reconciled {
  /** The versions kept: siblings under vector clocks, exactly one under last-writer-wins. */
  readonly kept: Version[];
  /** Versions dropped although they were concurrent with what was kept (only last-writer-wins does this). */
  readonly lost: Version[];
}

/**
 * Syntactic reconciliation (§4.4): a version that another descends from is
 * obsolete and dropped; concurrent versions stay side by side as siblings. Under
 * last-writer-wins the largest timestamp is kept and every other version dropped,
 * whether or not it was causally older: a concurrent one is lost.
 */
export function reconcile(versions: readonly Version[], resolution: Resolution): Reconciled {
  const unique: Version[] = [];
  for (const version of versions) {
    if (
      !unique.some(
        (other) => sameClock(other.clock, version.clock) && other.by === version.by && other.ts === version.ts,
      )
    ) {
      unique.push(version);
    }
  }
  const kept = unique.filter(
    (version) =>
      !unique.some(
        (other) => other !== version && descends(other.clock, version.clock) && !sameClock(other.clock, version.clock),
      ),
  );
  if (resolution === "vector-clock" || kept.length <= 1) return { kept: sortVersions(kept), lost: [] };
  const winner = kept.reduce((best, version) => (newer(version, best) ? version : best));
  return { kept: [winner], lost: kept.filter((version) => version !== winner) };
}

/** A stable order for siblings, so views and replies are the same on every replica. */
export function sortVersions(versions: Version[]): Version[] {
  return versions.sort((a, b) => {
    const ka = canonicalJson(a.clock) + a.by;
    const kb = canonicalJson(b.clock) + b.by;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Whether `held` already contains everything of `merged` (no repair needed). */
export function covers(held: readonly Version[], merged: readonly Version[]): boolean {
  return merged.every((version) =>
    held.some((other) => descends(other.clock, version.clock) && other.ts >= version.ts),
  );
}
