import type { JsonObject } from "../../sim/json";
import type { TwoPhaseCommitState } from "./types";

/**
 * What a learner sees of a node. Paths such as `transactions.t1.status` and
 * `transactions.t1.blocked` are what scenario expects and questions read.
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
    transactions[id] = {
      status: tx.status,
      vote: tx.vote,
      // Bernstein et al. 7.3: the uncertainty period, between voting YES and learning the decision.
      blocked: tx.status === "PREPARED",
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
