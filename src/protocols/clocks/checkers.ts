import type { Checker, CheckerStep, CheckerSummary, CheckerViolation } from "../../sim/types";
import { compareHlc, formatHlc, type Hlc } from "./hlc";
import type { ClockEvent, ClocksState } from "./types";

/**
 * The two guarantees of hybrid logical clocks (Kulkarni, Demirbas et al. 2014,
 * "Logical Physical Clocks", §3):
 *
 * - HlcCausality, Theorem 1: e hb f ⇒ (l.e, c.e) < (l.f, c.f), lexicographically.
 * - HlcBounded, Theorem 2 and its corollary: l.f ≥ pt.f, and l.f − pt.f ≤ ε, where ε
 *   bounds how far apart the physical clocks are.
 *
 * The checkers read each node's log of its own events (state.events) after every
 * step; they never call the protocol's handlers. Happened-before comes from the
 * vector clocks on those events (a → b iff VC(a) < VC(b)), which the protocol
 * tests compare with the core's trace.
 */

interface NodeHistory {
  /** Own vector clock entry of each recorded event, ascending. */
  readonly own: number[];
  readonly hlc: Hlc[];
  readonly ids: string[];
}

/** The index of the last entry with own ≤ limit, or -1. */
function lastAtMost(own: readonly number[], limit: number): number {
  let low = 0;
  let high = own.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((own[middle] as number) <= limit) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** Walks the events each node has logged since the last step, oldest first. */
class NewEvents {
  private readonly lastOwn = new Map<string, number>();

  *of(step: CheckerStep<ClocksState>): Generator<ClockEvent> {
    for (const [node, state] of step.states) {
      const seen = this.lastOwn.get(node) ?? 0;
      for (const event of state.events) {
        const own = event.vc[node] ?? 0;
        if (own <= seen) continue;
        this.lastOwn.set(node, own);
        yield event;
      }
    }
  }
}

export function hlcCausalityChecker(): Checker<ClocksState> {
  const histories = new Map<string, NodeHistory>();
  const fresh = new NewEvents();
  const reported = new Set<string>();
  return {
    invariant: "HlcCausality",
    description:
      "If one event happened before another, its HLC stamp (l, c) is smaller (Kulkarni et al. 2014, Theorem 1).",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const event of fresh.of(step)) {
        // Each node's stamps increase along its own events, so the latest event of
        // node k that f has heard of (largest own entry ≤ VC(f)[k]) is the one to beat.
        for (const [node, history] of histories) {
          const limit = node === event.node ? (event.vc[node] ?? 0) - 1 : (event.vc[node] ?? 0);
          const index = lastAtMost(history.own, limit);
          if (index < 0) continue;
          const before = history.hlc[index] as Hlc;
          const beforeId = history.ids[index] as string;
          if (compareHlc(before, event.hlc) < 0) continue;
          const key = `${beforeId}<${event.id}`;
          if (reported.has(key)) continue;
          reported.add(key);
          found.push({
            node: event.node,
            message: `${beforeId} happened before ${event.id}, yet its HLC stamp ${formatHlc(before)} is not smaller than ${formatHlc(event.hlc)}.`,
            data: { before: beforeId, after: event.id, beforeHlc: { ...before }, afterHlc: { ...event.hlc } },
          });
        }
        const history = histories.get(event.node) ?? { own: [], hlc: [], ids: [] };
        history.own.push(event.vc[event.node] ?? 0);
        history.hlc.push(event.hlc);
        history.ids.push(event.id);
        histories.set(event.node, history);
      }
      return found;
    },
  };
}

export function hlcBoundedChecker(): Checker<ClocksState> {
  const fresh = new NewEvents();
  let minOffset = Number.POSITIVE_INFINITY;
  let maxOffset = Number.NEGATIVE_INFINITY;
  let worst: { id: string; aheadMs: number; epsilonMs: number } | undefined;
  return {
    invariant: "HlcBounded",
    description:
      "At every event l ≥ pt and l − pt ≤ ε, the spread of the clock offsets seen so far (Kulkarni et al. 2014, Theorem 2 and its corollary).",
    observe(step) {
      for (const state of step.states.values()) {
        minOffset = Math.min(minOffset, state.offsetsSeen.min);
        maxOffset = Math.max(maxOffset, state.offsetsSeen.max);
      }
      // ε: largest minus smallest offset (physical clock − true time) any reading has
      // shown. An l is some node's earlier reading, at most true time + the largest
      // offset, and pt is at least true time + the smallest, so l − pt ≤ ε. It is the
      // paper's ε with constant offsets, and still a bound with drift or clock jumps.
      const epsilonMs = maxOffset - minOffset;
      const found: CheckerViolation[] = [];
      for (const event of fresh.of(step)) {
        const aheadMs = event.hlc.l - event.pt;
        if (worst === undefined || aheadMs > worst.aheadMs) worst = { id: event.id, aheadMs, epsilonMs };
        if (aheadMs < 0) {
          found.push({
            node: event.node,
            message: `${event.id} has l=${event.hlc.l} below its own physical clock ${event.pt}: l must never fall behind pt.`,
            data: { event: event.id, l: event.hlc.l, pt: event.pt },
          });
        } else if (aheadMs > epsilonMs) {
          found.push({
            node: event.node,
            message: `${event.id} has l=${event.hlc.l}, ${aheadMs} ms ahead of its physical clock ${event.pt}, more than ε = ${epsilonMs} ms, the spread of the clock offsets seen.`,
            data: { event: event.id, l: event.hlc.l, pt: event.pt, aheadMs, epsilonMs },
          });
        }
      }
      return found;
    },
    summary(): CheckerSummary | undefined {
      if (worst === undefined) return undefined;
      const epsilonMs = maxOffset - minOffset;
      return {
        explanation: `Over the whole run an HLC ran at most ${worst.aheadMs} ms ahead of its node's physical clock (at ${worst.id}), within ε = ${epsilonMs} ms: the clock offsets seen ranged from ${minOffset} to ${maxOffset} ms.`,
        data: { maxAheadMs: worst.aheadMs, at: worst.id, epsilonMs, minOffsetMs: minOffset, maxOffsetMs: maxOffset },
      };
    },
  };
}

export function clocksCheckers(): Checker<ClocksState>[] {
  return [hlcCausalityChecker(), hlcBoundedChecker()];
}
