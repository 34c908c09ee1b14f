import type { Checker, CheckerViolation } from "../../../sim/types";
import { LogTracker, type RaftLikeState } from "./shape";

/**
 * Leader Append-Only (Figure 3; section 5.3): a leader never overwrites or deletes
 * entries in its log; it only appends new entries. The checker follows each node's
 * log while it is leader of one term and reports any entry it loses or changes.
 */
export function leaderAppendOnly<S extends RaftLikeState>(): Checker<S> {
  const tracker = new LogTracker();
  /** The term each node was leader of at the last step (absent: not leader). */
  const leaderOf = new Map<string, number>();
  const reported = new Set<string>();
  return {
    invariant: "Leader Append-Only",
    description:
      "A leader never overwrites or deletes entries in its log; it only appends new entries (Raft, Figure 3).",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const node of [...leaderOf.keys()]) {
        const state = step.states.get(node);
        if (state === undefined || state.role !== "leader" || state.currentTerm !== leaderOf.get(node)) {
          leaderOf.delete(node);
        }
      }
      for (const [node, state] of step.states) {
        if (state.role !== "leader") continue;
        const { kept, previousLength } = tracker.update(node, state.log);
        const term = state.currentTerm;
        if (leaderOf.get(node) === term && kept < previousLength) {
          const key = `${node}/${term}`;
          if (!reported.has(key)) {
            reported.add(key);
            const lost =
              kept + 1 === previousLength ? `entry ${previousLength}` : `entries ${kept + 1}-${previousLength}`;
            found.push({
              node,
              message: `${node}, leader of term ${term}, deleted or overwrote ${lost} of its own log.`,
              data: { leader: node, term, from: kept + 1, to: previousLength },
            });
          }
        }
        leaderOf.set(node, term);
      }
      return found;
    },
  };
}
