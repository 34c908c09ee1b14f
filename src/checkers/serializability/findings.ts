import type { Anomaly, AnomalyFound } from "./types";

/** How many anomalies of one type are listed; the rest are counted. */
export const LISTED_PER_TYPE = 20;

/**
 * The anomalies found so far, at most LISTED_PER_TYPE listed per type (a history
 * with a bad key can hold thousands of the same one); every one is counted.
 */
export class Findings {
  readonly listed: AnomalyFound[] = [];
  private readonly counts = new Map<Anomaly, number>();

  add(type: Anomaly, cycle: readonly number[], explanation: () => string, edges: AnomalyFound["edges"] = []): void {
    const seen = this.counts.get(type) ?? 0;
    this.counts.set(type, seen + 1);
    if (seen < LISTED_PER_TYPE) this.listed.push({ type, cycle, edges, explanation: explanation() });
  }

  get total(): number {
    let total = 0;
    for (const value of this.counts.values()) total += value;
    return total;
  }

  /** "listed 20 of 312 G1A anomalies" for each type that had more than were listed. */
  unlisted(): string[] {
    const notes: string[] = [];
    for (const [type, total] of this.counts) {
      if (total > LISTED_PER_TYPE) notes.push(`listed ${LISTED_PER_TYPE} of ${total} ${type} anomalies`);
    }
    return notes;
  }
}

/** A scalar as the explanations show it: strings quoted, integers bare. */
export function show(value: unknown): string {
  if (value === null) return "nil";
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** A transaction's name in explanations: its index in the history. */
export function name(txn: number): string {
  return `T${txn}`;
}
