import type { JsonObject } from "../../sim/json";
import { standingOf } from "./participant-state";
import type { TwoPhaseCommitState } from "./types";

/**
 * What a learner sees of a node. Paths such as `transactions.t1.status`,
 * `transactions.t1.state` and `transactions.t1.blocked` are what scenario expects
 * and questions read. A coordinator under presumed abort keeps no entry for an
 * aborted transaction: it has forgotten it.
 */
export function viewOf(state: TwoPhaseCommitState): JsonObject {
  if (state.role === "bystander") return { role: "bystander", node: state.node };
  if (state.role === "coordinator") {
    const transactions: JsonObject = {};
    for (const [id, tx] of Object.entries(state.transactions)) {
      transactions[id] = {
        status: tx.status,
        decision: tx.decision,
        participants: [...tx.participants],
        votes: { ...tx.votes },
        acks: [...tx.acks],
        locks: Object.fromEntries(Object.entries(tx.keys).map(([node, keys]) => [node, [...keys]])),
      };
    }
    return { role: "coordinator", node: state.node, transactions };
  }
  const transactions: JsonObject = {};
  for (const [id, tx] of Object.entries(state.transactions)) {
    const standing = standingOf(tx);
    transactions[id] = {
      status: tx.status,
      // Bernstein et al. 7.3: active, uncertain (voted YES, decision not yet known),
      // blocked (uncertain, and a failure keeps the decision from it), committed, aborted.
      state: standing,
      vote: tx.vote,
      uncertain: standing === "uncertain" || standing === "blocked",
      blocked: standing === "blocked",
      locks: [...tx.locks],
      participants: [...tx.participants],
    };
  }
  return {
    role: "participant",
    node: state.node,
    coordinator: state.coordinator,
    transactions,
    locks: { ...state.locks },
  };
}
