import type { JsonObject } from "../../sim/json";
import type { Context } from "../../sim/types";
import {
  clusterSize,
  HEARTBEAT_TIMER,
  ELECTION_TIMER,
  lastIndex,
  lastTerm,
  majority,
  persistLogFrom,
  persistTermAndVote,
  resetElectionTimer,
} from "./common";
import { toMessage, type RequestVote, type RequestVoteResponse } from "./messages";
import { broadcastAppendEntries, commitDecision } from "./replication";
import { moveCommitIndex } from "./common";
import type { RaftState } from "./types";
import { tell, type Turn } from "./turn";
import { list, plural } from "../../sim/english";

/**
 * Leader election (section 5.2) with the Election Restriction (section 5.4.1), as in
 * Figure 2's RequestVote RPC and the rules for candidates.
 */

/** Figure 2, followers and candidates: on election timeout, start a new election. */
export function onElectionTimeout(ctx: Context, state: RaftState): void {
  if (state.role === "leader") {
    ctx.explain(`${state.node}'s election timer fires, but it is the leader, so it ignores it.`);
    return;
  }
  const waited = state.electionTimeoutMs;
  if (state.role === "candidate") {
    ctx.explain(
      `${state.node}'s election for term ${state.currentTerm} ends without a majority: after ${waited} ms it has ${state.votesGranted.size} of the ${plural(majority(state), "vote")} it needs (a split vote or lost messages), so it starts another election (section 5.2).`,
    );
  } else {
    const heard = state.leader === null ? "no leader" : `nothing from the leader ${state.leader}`;
    ctx.explain(
      `${state.node}'s election timeout fires: it heard ${heard} for ${waited} ms, so it starts an election (section 5.2).`,
    );
  }
  startElection(ctx, state, waited);
}

/** Figure 2, candidates: increment currentTerm, vote for self, reset the election timer, send RequestVote to all. */
function startElection(ctx: Context, state: RaftState, waited: number): void {
  const previousRole = state.role;
  const previousVotes = previousRole === "candidate" ? [...state.votesGranted] : null;
  state.currentTerm += 1;
  state.role = "candidate";
  state.votedFor = state.node;
  state.leader = null;
  state.votesGranted = new Set([state.node]);
  persistTermAndVote(ctx, state);
  resetElectionTimer(ctx, state);
  ctx.stateChange(
    `${state.node} becomes a candidate for term ${state.currentTerm} and votes for itself; it needs ${majority(state)} of ${plural(clusterSize(state), "vote")} (section 5.2).`,
    {
      event: "role",
      role: "candidate",
      previousRole,
      term: state.currentTerm,
      votes: [state.node],
      votesNeeded: majority(state),
      rule: "electionTimeout",
      electionTimeoutMs: waited,
      previousVotes,
    },
  );
  if (state.votesGranted.size >= majority(state)) {
    becomeLeader(ctx, state);
    return;
  }
  const request: RequestVote = {
    type: "REQUEST_VOTE",
    term: state.currentTerm,
    candidateId: state.node,
    lastLogIndex: lastIndex(state),
    lastLogTerm: lastTerm(state),
  };
  for (const peer of state.peers) {
    ctx.send(
      peer,
      toMessage(request),
      `${state.node} asks ${peer} for its vote in term ${state.currentTerm}; its last log entry is ${request.lastLogIndex} (term ${request.lastLogTerm}).`,
    );
  }
}

/**
 * Why a server granted or refused a vote (Figure 2, RequestVote RPC, receiver
 * implementation; section 5.4.1). Refusals: staleTerm (rule 1), alreadyVoted (rule 2,
 * one vote per term), logNotUpToDate (the Election Restriction). Grants: logUpToDate
 * (not voted yet and the candidate's log is at least as up to date), sameCandidate
 * (a repeated request from the candidate it already voted for), unsafeIgnoresLog (the
 * teaching flag grantVotesRegardlessOfLog granted what the restriction refuses).
 */
export type VoteRule =
  "staleTerm" | "alreadyVoted" | "logNotUpToDate" | "logUpToDate" | "sameCandidate" | "unsafeIgnoresLog";

interface VoteDecision {
  readonly granted: boolean;
  readonly rule: VoteRule;
  /** The response's reason, finishing "n3 refuses n1 its vote: ..." */
  readonly reason: string;
}

/** The facts of a vote, as every vote event's `data` carries them (README, Raft: event data). */
function voteData(
  state: RaftState,
  from: string,
  message: RequestVote,
  decision: VoteDecision,
  votedBefore: string | null,
): JsonObject {
  return {
    event: "vote",
    granted: decision.granted,
    rule: decision.rule,
    term: message.term,
    voterTerm: state.currentTerm,
    candidate: from,
    votedFor: votedBefore,
    candidateLastLogIndex: message.lastLogIndex,
    candidateLastLogTerm: message.lastLogTerm,
    lastLogIndex: lastIndex(state),
    lastLogTerm: lastTerm(state),
  };
}

function respondToVote(ctx: Context, state: RaftState, from: string, decision: VoteDecision): void {
  const response: RequestVoteResponse = {
    type: "REQUEST_VOTE_RESPONSE",
    term: state.currentTerm,
    voteGranted: decision.granted,
    reason: decision.reason,
  };
  ctx.send(
    from,
    toMessage(response),
    decision.granted
      ? `${state.node} grants ${from} its vote for term ${state.currentTerm}.`
      : `${state.node} refuses ${from} its vote: ${decision.reason}.`,
  );
}

/** Figure 2, RequestVote rule 1: "Reply false if term < currentTerm." Called by the term gate. */
export function refuseStaleVote(ctx: Context, state: RaftState, from: string, message: RequestVote): void {
  const decision: VoteDecision = {
    granted: false,
    rule: "staleTerm",
    reason: `${from}'s term ${message.term} is older than ${state.node}'s term ${state.currentTerm}`,
  };
  ctx.note(
    `${state.node} refuses to vote for ${from} in term ${message.term}: ${decision.reason} (Figure 2, RequestVote rule 1).`,
    voteData(state, from, message, decision, state.votedFor),
  );
  respondToVote(ctx, state, from, decision);
}

/**
 * Figure 2, RequestVote RPC, receiver implementation, rule 2, with the Election
 * Restriction of section 5.4.1. The term gate has already adopted a newer term, so
 * message.term is this server's current term.
 */
export function onRequestVote(ctx: Context, state: RaftState, from: string, message: RequestVote): void {
  const votedFor = state.votedFor;
  const myLastIndex = lastIndex(state);
  const myLastTerm = lastTerm(state);
  // Section 5.4.1: "If the logs have last entries with different terms, then the log with the later
  // term is more up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date."
  const upToDate =
    message.lastLogTerm > myLastTerm || (message.lastLogTerm === myLastTerm && message.lastLogIndex >= myLastIndex);
  const logs = `${from}'s last entry is ${message.lastLogIndex} (term ${message.lastLogTerm}), ${state.node}'s is ${myLastIndex} (term ${myLastTerm})`;

  let decision: VoteDecision;
  if (votedFor !== null && votedFor !== from) {
    const voted =
      votedFor === state.node
        ? `it is a ${state.role} itself and already voted for itself`
        : `it already voted for ${votedFor}`;
    decision = {
      granted: false,
      rule: "alreadyVoted",
      reason: `${voted} in term ${message.term}, and a server votes for at most one candidate per term (section 5.2)`,
    };
  } else if (!upToDate && !state.config.unsafe.grantVotesRegardlessOfLog) {
    const why =
      message.lastLogTerm < myLastTerm
        ? `${state.node}'s log ends with a later term`
        : `both end in term ${myLastTerm} and ${state.node}'s log is longer`;
    decision = {
      granted: false,
      rule: "logNotUpToDate",
      reason: `${from}'s log is less up to date than its own: ${logs}, and ${why} (Election Restriction, section 5.4.1)`,
    };
  } else if (!upToDate) {
    decision = {
      granted: true,
      rule: "unsafeIgnoresLog",
      reason: `${logs}, so ${from}'s log is less up to date and the Election Restriction (section 5.4.1) would refuse, but the unsafe flag grantVotesRegardlessOfLog is on`,
    };
  } else if (votedFor === from) {
    decision = {
      granted: true,
      rule: "sameCandidate",
      reason: `it already voted for ${from} in this term (a repeated request)`,
    };
  } else {
    decision = {
      granted: true,
      rule: "logUpToDate",
      reason: `it has not voted in term ${message.term}, and ${from}'s log is at least as up to date as its own: ${logs} (section 5.4.1)`,
    };
  }
  const data = voteData(state, from, message, decision, votedFor);
  if (!decision.granted) {
    ctx.note(`${state.node} refuses to vote for ${from} in term ${message.term}: ${decision.reason}.`, data);
  } else {
    const sentence = `${state.node} votes for ${from} in term ${message.term}: ${decision.reason}.`;
    if (votedFor === from) {
      ctx.note(sentence, data);
    } else {
      state.votedFor = from;
      persistTermAndVote(ctx, state);
      ctx.stateChange(sentence, data);
    }
    // Figure 2, followers: granting a vote restarts the election timer.
    resetElectionTimer(ctx, state);
  }
  respondToVote(ctx, state, from, decision);
}

/** Figure 2, candidates: "If votes received from majority of servers: become leader." The gate passed only current-term answers. */
export function onRequestVoteResponse(
  ctx: Context,
  state: RaftState,
  from: string,
  message: RequestVoteResponse,
  turn: Turn,
): void {
  if (!message.voteGranted) {
    tell(
      ctx,
      turn,
      `${state.node} learns that ${from} refused its vote in term ${state.currentTerm}: ${message.reason}. It has ${state.votesGranted.size} of the ${plural(majority(state), "vote")} it needs.`,
    );
    return;
  }
  state.votesGranted.add(from);
  const count = state.votesGranted.size;
  if (count >= majority(state)) {
    tell(
      ctx,
      turn,
      `${state.node} receives ${from}'s vote for term ${state.currentTerm}: ${plural(count, "vote")}, a majority of ${clusterSize(state)}, so it wins the election (section 5.2).`,
    );
    becomeLeader(ctx, state);
  } else {
    tell(
      ctx,
      turn,
      `${state.node} receives ${from}'s vote for term ${state.currentTerm}: ${count} of the ${plural(majority(state), "vote")} it needs.`,
    );
  }
}

/**
 * Figure 2, leaders: reinitialize nextIndex (leader's last log index + 1) and matchIndex
 * (0), then send initial empty AppendEntries to each server and repeat them as heartbeats.
 * With leaderNoop, the leader first appends a no-op entry of its term (section 8).
 */
function becomeLeader(ctx: Context, state: RaftState): void {
  state.role = "leader";
  state.leader = state.node;
  const nextIndex = lastIndex(state) + 1;
  state.nextIndex = new Map(state.peers.map((peer) => [peer, nextIndex]));
  state.matchIndex = new Map(state.peers.map((peer) => [peer, 0]));
  state.inflight = new Set();
  state.sentUpTo = new Map();
  state.ackedRound = new Map();
  state.pendingWrites = new Map();
  state.pendingReads = [];
  ctx.cancelTimer(ELECTION_TIMER);
  let noop = "";
  if (state.config.leaderNoop) {
    state.log.push({ term: state.currentTerm, command: { op: "noop" } });
    persistLogFrom(ctx, state, lastIndex(state));
    noop = `; it appends a no-op entry ${lastIndex(state)} of its own term, so that committing it will also commit every earlier entry (section 8)`;
  }
  const voters = [...state.votesGranted];
  ctx.stateChange(`${state.node} becomes leader of term ${state.currentTerm} with votes from ${list(voters)}${noop}.`, {
    event: "role",
    role: "leader",
    previousRole: "candidate",
    term: state.currentTerm,
    votes: voters,
    votesNeeded: majority(state),
    noop: state.config.leaderNoop ? lastIndex(state) : null,
    rule: "majorityOfVotes",
  });
  broadcastAppendEntries(ctx, state, "election");
  ctx.setTimer(HEARTBEAT_TIMER, state.config.heartbeatIntervalMs);
  // A one-node cluster commits on its own.
  const decision = commitDecision(state);
  if (decision?.commit) moveCommitIndex(ctx, state, decision.replicated, decision.reason);
}
