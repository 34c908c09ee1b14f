/**
 * Hybrid logical clocks (Kulkarni, Demirbas, Madeppa, Avva, Leone 2014, "Logical
 * Physical Clocks", OPODIS; Figure 5, the HLC algorithm). A timestamp is a pair
 * (l, c): l is the largest physical clock reading the node has heard of, c counts
 * events since l last changed. Pairs compare lexicographically.
 *
 * Pure functions: the caller reads the physical clock (pt) and passes it in.
 */

export interface Hlc {
  readonly l: number;
  readonly c: number;
}

/** Which case of Figure 5 set the new timestamp, for explanations. */
export type HlcCase =
  /** l = pt: the physical clock is ahead of everything heard of; c resets to 0. */
  | "physical"
  /** l stays (l' ≥ pt, and for a receive l' > l_m): c = c' + 1. */
  | "local"
  /** receive only: l = l_m > l', pt: c = c_m + 1. */
  | "message"
  /** receive only: l = l' = l_m ≥ pt: c = max(c', c_m) + 1. */
  | "tie";

export interface HlcStep {
  readonly next: Hlc;
  readonly rule: HlcCase;
}

/**
 * Figure 5, "Send or local event j":
 *   l'.j := l.j; l.j := max(l'.j, pt.j);
 *   if (l.j = l'.j) then c.j := c.j + 1 else c.j := 0
 */
export function hlcLocalOrSend(previous: Hlc, pt: number): HlcStep {
  const l = Math.max(previous.l, pt);
  if (l === previous.l) return { next: { l, c: previous.c + 1 }, rule: "local" };
  return { next: { l, c: 0 }, rule: "physical" };
}

/**
 * Figure 5, "Receive event of message m":
 *   l'.j := l.j; l.j := max(l'.j, l.m, pt.j);
 *   if (l.j = l'.j = l.m) then c.j := max(c.j, c.m) + 1
 *   elseif (l.j = l'.j) then c.j := c.j + 1
 *   elseif (l.j = l.m) then c.j := c.m + 1
 *   else c.j := 0
 */
export function hlcReceive(previous: Hlc, message: Hlc, pt: number): HlcStep {
  const l = Math.max(previous.l, message.l, pt);
  if (l === previous.l && l === message.l) return { next: { l, c: Math.max(previous.c, message.c) + 1 }, rule: "tie" };
  if (l === previous.l) return { next: { l, c: previous.c + 1 }, rule: "local" };
  if (l === message.l) return { next: { l, c: message.c + 1 }, rule: "message" };
  return { next: { l, c: 0 }, rule: "physical" };
}

/** Lexicographic order on (l, c): negative if a < b, 0 if equal, positive if a > b. */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.l !== b.l ? a.l - b.l : a.c - b.c;
}

export function formatHlc(hlc: Hlc): string {
  return `(l=${hlc.l}, c=${hlc.c})`;
}
