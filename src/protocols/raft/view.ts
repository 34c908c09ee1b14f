import type { Json, JsonObject } from "../../sim/json";
import type { RaftState } from "./types";

/**
 * What a learner sees of a node (Figure 2's state, named as in the paper): role, term,
 * votedFor, the log with indexes, commitIndex, lastApplied and the key-value state
 * machine. Leaders also show nextIndex and matchIndex; candidates, their votes.
 * Paths such as `log.1.term` (the second entry) and `stateMachine.x` are what
 * scenario expectations read.
 */
export function viewOf(state: RaftState): JsonObject {
  const leaderOnly = state.role === "leader";
  return {
    role: state.role,
    term: state.currentTerm,
    votedFor: state.votedFor,
    leader: state.leader,
    log: state.log.map((entry, position) => ({
      index: position + 1,
      term: entry.term,
      command: entry.command as Json,
    })),
    commitIndex: state.commitIndex,
    lastApplied: state.lastApplied,
    stateMachine: Object.fromEntries(state.stateMachine),
    electionTimeoutMs: state.electionTimeoutMs,
    votesGranted: state.role === "candidate" ? [...state.votesGranted] : null,
    nextIndex: leaderOnly ? Object.fromEntries(state.nextIndex) : null,
    matchIndex: leaderOnly ? Object.fromEntries(state.matchIndex) : null,
  };
}
