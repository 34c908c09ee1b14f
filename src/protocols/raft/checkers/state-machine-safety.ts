import type { Checker, CheckerViolation } from "../../../sim/types";
import { describeEntry, entryKey, type RaftLikeEntry, type RaftLikeState } from "./shape";

/**
 * State Machine Safety (Figure 3; section 5.4.3): if a server has applied a log entry
 * at a given index to its state machine, no other server will ever apply a different
 * log entry for the same index. The checker remembers what was first applied at each
 * index (by any node, at any time, even one that later crashed) and compares every
 * later application with it.
 */
export function stateMachineSafety<S extends RaftLikeState>(): Checker<S> {
  const applied = new Map<number, { key: string; description: string; node: string; entry: RaftLikeEntry }>();
  const appliedSeen = new Map<string, number>();
  const reported = new Set<number>();
  return {
    invariant: "State Machine Safety",
    description:
      "If a server has applied a log entry at a given index to its state machine, no other server will ever apply a different log entry for the same index (Raft, Figure 3).",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const [node, state] of step.states) {
        let from = appliedSeen.get(node) ?? 0;
        // A restarted node applies its log again from index 1; each application is checked again.
        if (state.lastApplied < from) from = state.lastApplied;
        const upTo = Math.min(state.lastApplied, state.log.length);
        for (let index = from + 1; index <= upTo; index++) {
          const entry = state.log[index - 1] as RaftLikeEntry;
          const key = entryKey(entry);
          const first = applied.get(index);
          if (first === undefined) {
            applied.set(index, { key, description: describeEntry(index, entry), node, entry });
          } else if (first.key !== key && !reported.has(index)) {
            reported.add(index);
            found.push({
              node,
              message: `${node} applied ${describeEntry(index, entry)}, but ${first.node} had applied ${first.description} at the same index.`,
              data: {
                index,
                nodes: [first.node, node],
                entries: [
                  { term: first.entry.term, command: first.entry.command },
                  { term: entry.term, command: entry.command },
                ],
              },
            });
          }
        }
        appliedSeen.set(node, state.lastApplied);
      }
      return found;
    },
  };
}
