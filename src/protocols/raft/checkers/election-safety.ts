import type { Checker, CheckerViolation } from "../../../sim/types";
import type { RaftLikeState } from "./shape";

/**
 * Election Safety (Figure 3; section 5.2): at most one leader can be elected in a
 * given term. The checker remembers the first leader it saw for each term.
 */
export function electionSafety<S extends RaftLikeState>(): Checker<S> {
  const leaders = new Map<number, string>();
  const reported = new Set<number>();
  return {
    invariant: "Election Safety",
    description: "At most one leader can be elected in a given term (Raft, Figure 3).",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const [node, state] of step.states) {
        if (state.role !== "leader") continue;
        const term = state.currentTerm;
        const first = leaders.get(term);
        if (first === undefined) {
          leaders.set(term, node);
        } else if (first !== node && !reported.has(term)) {
          reported.add(term);
          found.push({
            node,
            message: `${node} and ${first} were both leader of term ${term}.`,
            data: { term, leaders: [first, node] },
          });
        }
      }
      return found;
    },
  };
}
