import type { Checker, CheckerViolation } from "../../../sim/types";
import { describeEntry, entryKey, LogTracker, type RaftLikeState } from "./shape";

interface Seen {
  readonly node: string;
  readonly key: string;
  readonly description: string;
  /** The term of the entry just before it (0 at index 1). */
  readonly previousTerm: number;
}

/**
 * Log Matching (Figure 3; section 5.3): if two logs contain an entry with the same
 * index and term, then the logs are identical in all entries up through that index.
 *
 * Checked incrementally: the checker remembers, for every (index, term) it has ever
 * seen in any node's log, the entry's command and the term of the entry before it.
 * Every new entry of every up node must agree with that record. If two logs hold the
 * same (index, term), agreeing commands and agreeing previous terms at every index
 * make the two prefixes equal by induction down to index 1, which is the property.
 * Raft creates at most one entry per (index, term) (a leader appends once per index,
 * and there is one leader per term), so a record may be kept for the whole run.
 */
export function logMatching<S extends RaftLikeState>(): Checker<S> {
  const tracker = new LogTracker();
  const seen = new Map<string, Seen>();
  const reported = new Set<string>();
  return {
    invariant: "Log Matching",
    description:
      "If two logs contain an entry with the same index and term, then the logs are identical in all entries up through the given index (Raft, Figure 3).",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const [node, state] of step.states) {
        const log = state.log;
        const { kept } = tracker.update(node, log);
        for (let position = kept; position < log.length; position++) {
          const entry = log[position] as (typeof log)[number];
          const index = position + 1;
          const id = `${index}:${entry.term}`;
          const previousTerm = position === 0 ? 0 : (log[position - 1] as (typeof log)[number]).term;
          const key = entryKey(entry);
          const record = seen.get(id);
          if (record === undefined) {
            seen.set(id, { node, key, description: describeEntry(index, entry), previousTerm });
            continue;
          }
          if (reported.has(id)) continue;
          if (record.key !== key) {
            reported.add(id);
            found.push({
              node,
              message: `${node} and ${record.node} both hold an entry at index ${index} with term ${entry.term}, but with different commands: ${node} has ${describeEntry(index, entry)}, ${record.node} has ${record.description}.`,
              data: { index, term: entry.term, nodes: [record.node, node], rule: "differentCommand" },
            });
          } else if (record.previousTerm !== previousTerm) {
            reported.add(id);
            found.push({
              node,
              message: `${node} and ${record.node} both hold ${describeEntry(index, entry)}, but their logs differ before it: the entry at index ${index - 1} has term ${previousTerm} at ${node} and term ${record.previousTerm} at ${record.node}.`,
              data: {
                index,
                term: entry.term,
                nodes: [record.node, node],
                rule: "differentPrefix",
                previousTerms: [record.previousTerm, previousTerm],
              },
            });
          }
        }
      }
      return found;
    },
  };
}
