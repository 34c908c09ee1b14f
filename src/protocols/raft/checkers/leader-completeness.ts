import type { Json } from "../../../sim/json";
import type { Checker, CheckerViolation } from "../../../sim/types";
import { describeEntry, entryKey, type RaftLikeEntry, type RaftLikeState } from "./shape";

interface Committed {
  readonly index: number;
  readonly key: string;
  readonly description: string;
  /** The term in which the commit was first seen (the observing node's current term). */
  readonly term: number;
  readonly node: string;
  /** The entry itself (term and command), for the violation's data. */
  readonly entry: { readonly term: number; readonly command: Json };
}

/**
 * Leader Completeness (Figure 3; section 5.4): if a log entry is committed in a given
 * term, then that entry will be present in the logs of the leaders for all
 * higher-numbered terms.
 *
 * The checker learns commits from every node's commitIndex (an entry at or below a
 * node's commitIndex is committed, and was committed no later than that node's
 * current term). It checks a leader against every committed entry when it first sees
 * it lead a term, and every current leader against each newly committed entry.
 */
export function leaderCompleteness<S extends RaftLikeState>(): Checker<S> {
  const committed = new Map<number, Committed>();
  const commitSeen = new Map<string, number>();
  const leaderTermsChecked = new Set<string>();
  const reported = new Set<string>();

  const check = (node: string, state: RaftLikeState, entry: Committed, found: CheckerViolation[]): void => {
    if (state.currentTerm <= entry.term) return;
    const held: RaftLikeEntry | undefined = state.log[entry.index - 1];
    if (held !== undefined && entryKey(held) === entry.key) return;
    const key = `${node}/${state.currentTerm}/${entry.index}`;
    if (reported.has(key)) return;
    reported.add(key);
    const has =
      held === undefined
        ? `its log ends at entry ${state.log.length}`
        : `it holds ${describeEntry(entry.index, held)} there`;
    found.push({
      node,
      message: `${node} is leader of term ${state.currentTerm} without ${entry.description}, which ${entry.node} saw committed in term ${entry.term}: ${has}.`,
      data: {
        leader: node,
        term: state.currentTerm,
        index: entry.index,
        committedInTerm: entry.term,
        committedBy: entry.node,
        entry: entry.entry,
        held: held === undefined ? null : { term: held.term, command: held.command },
      },
    });
  };

  return {
    invariant: "Leader Completeness",
    description:
      "If a log entry is committed in a given term, then that entry will be present in the logs of the leaders for all higher-numbered terms (Raft, Figure 3).",
    observe(step) {
      const found: CheckerViolation[] = [];
      const fresh: Committed[] = [];
      for (const [node, state] of step.states) {
        let from = commitSeen.get(node) ?? 0;
        // After a restart commitIndex starts again from 0: earlier commits stay known.
        if (state.commitIndex < from) from = state.commitIndex;
        const upTo = Math.min(state.commitIndex, state.log.length);
        for (let index = from + 1; index <= upTo; index++) {
          if (committed.has(index)) continue;
          const entry = state.log[index - 1] as RaftLikeEntry;
          const record = {
            index,
            key: entryKey(entry),
            description: describeEntry(index, entry),
            term: state.currentTerm,
            node,
            entry: { term: entry.term, command: entry.command },
          };
          committed.set(index, record);
          fresh.push(record);
        }
        commitSeen.set(node, state.commitIndex);
      }
      for (const [node, state] of step.states) {
        if (state.role !== "leader") continue;
        const termKey = `${node}/${state.currentTerm}`;
        if (!leaderTermsChecked.has(termKey)) {
          leaderTermsChecked.add(termKey);
          for (const entry of committed.values()) check(node, state, entry, found);
        } else {
          for (const entry of fresh) check(node, state, entry, found);
        }
      }
      return found;
    },
  };
}
