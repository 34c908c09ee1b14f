import type { Context } from "../../sim/types";
import { adoptTerm, becomeFollowerOf } from "./common";
import { onRequestVote, onRequestVoteResponse, refuseStaleVote } from "./election";
import { describe, toMessage, type RaftMessage } from "./messages";
import { onAppendEntries, onAppendEntriesResponse, rejectAppendEntries } from "./replication";
import type { RaftState } from "./types";
import { tell, type Turn } from "./turn";

/**
 * Every Raft message goes through here, in the manner of etcd's `Step`: terms are
 * handled once, then the role's handler decides (stepLeader, stepCandidate,
 * stepFollower).
 *
 * Figure 2, rules for all servers: "If RPC request or response contains term T >
 * currentTerm: set currentTerm = T, convert to follower." The adoption is recorded
 * first, and only then the decision of the new follower (for a vote: Figure 2,
 * RequestVote rule 2, judged in the new term, in which it has not voted yet).
 * A message of an older term is answered or ignored here (RequestVote and
 * AppendEntries rule 1); the role handlers only ever see the current term.
 */
export function step(ctx: Context, state: RaftState, from: string, message: RaftMessage): void {
  const turn: Turn = { explained: false };
  if (message.term < state.currentTerm) {
    stale(ctx, state, from, message);
    return;
  }
  if (message.term > state.currentTerm) {
    tell(
      ctx,
      turn,
      `${state.node} receives ${describe(toMessage(message))} from ${from}: term ${message.term} is newer than its own term ${state.currentTerm}.`,
    );
    adoptTerm(ctx, state, message.term, {
      why: CAUSE[message.type](from, message.term),
      from,
      message: message.type,
    });
  }
  // etcd handles votes before the role switch too: every role judges a RequestVote alike.
  if (message.type === "REQUEST_VOTE") {
    onRequestVote(ctx, state, from, message);
    return;
  }
  switch (state.role) {
    case "leader":
      stepLeader(ctx, state, from, message, turn);
      return;
    case "candidate":
      stepCandidate(ctx, state, from, message, turn);
      return;
    case "follower":
      stepFollower(ctx, state, from, message, turn);
      return;
  }
}

const CAUSE: Record<RaftMessage["type"], (from: string, term: number) => string> = {
  REQUEST_VOTE: (from, term) => `because ${from} is a candidate in term ${term}`,
  REQUEST_VOTE_RESPONSE: (from, term) => `because ${from}'s answer shows that term ${term} has begun`,
  APPEND_ENTRIES: (from, term) => `because ${from} is the leader of term ${term}`,
  APPEND_ENTRIES_RESPONSE: (from, term) => `because ${from} answered with term ${term}`,
};

type NotAVote = Exclude<RaftMessage, { type: "REQUEST_VOTE" }>;

function stepLeader(ctx: Context, state: RaftState, from: string, message: NotAVote, turn: Turn): void {
  switch (message.type) {
    case "APPEND_ENTRIES":
      // Same term: the gate let it through. Election Safety (section 5.2) says this cannot happen.
      tell(
        ctx,
        turn,
        `${state.node} is itself leader of term ${message.term}, yet ${from} claims the same term: two leaders in one term break Election Safety (section 5.2). It rejects the message.`,
      );
      rejectAppendEntries(ctx, state, from, message, "notFollower");
      return;
    case "APPEND_ENTRIES_RESPONSE":
      onAppendEntriesResponse(ctx, state, from, message, turn);
      return;
    case "REQUEST_VOTE_RESPONSE":
      tell(
        ctx,
        turn,
        `${state.node} ignores ${from}'s vote answer for term ${message.term}: it has already won that election and leads the term.`,
      );
      return;
  }
}

function stepCandidate(ctx: Context, state: RaftState, from: string, message: NotAVote, turn: Turn): void {
  switch (message.type) {
    case "APPEND_ENTRIES":
      // Section 5.2: "If the leader's term is at least as large as the candidate's current
      // term, then the candidate recognizes the leader as legitimate and returns to follower state."
      tell(
        ctx,
        turn,
        `${state.node} receives ${describe(toMessage(message))} from ${from}, leader of its own term ${message.term}: the election is lost.`,
      );
      becomeFollowerOf(ctx, state, from);
      onAppendEntries(ctx, state, from, message, turn);
      return;
    case "REQUEST_VOTE_RESPONSE":
      onRequestVoteResponse(ctx, state, from, message, turn);
      return;
    case "APPEND_ENTRIES_RESPONSE":
      tell(
        ctx,
        turn,
        `${state.node} ignores an AppendEntries answer from ${from} for term ${message.term}: it is a candidate, not a leader, so the answer is out of date.`,
      );
      return;
  }
}

function stepFollower(ctx: Context, state: RaftState, from: string, message: NotAVote, turn: Turn): void {
  switch (message.type) {
    case "APPEND_ENTRIES":
      onAppendEntries(ctx, state, from, message, turn);
      return;
    case "REQUEST_VOTE_RESPONSE":
      tell(
        ctx,
        turn,
        `${state.node} ignores ${from}'s vote answer for term ${message.term}: it is a follower in term ${state.currentTerm}, so the election it answers is over.`,
      );
      return;
    case "APPEND_ENTRIES_RESPONSE":
      tell(
        ctx,
        turn,
        `${state.node} ignores an AppendEntries answer from ${from} for term ${message.term}: it is no longer leader (now a follower in term ${state.currentTerm}), so the answer is out of date.`,
      );
      return;
  }
}

/** A message of an older term (Figure 2, RequestVote and AppendEntries rule 1: "reply false if term < currentTerm"). */
function stale(ctx: Context, state: RaftState, from: string, message: RaftMessage): void {
  switch (message.type) {
    case "REQUEST_VOTE":
      refuseStaleVote(ctx, state, from, message);
      return;
    case "APPEND_ENTRIES":
      ctx.explain(
        `${state.node} rejects AppendEntries from ${from}: it is for term ${message.term}, older than ${state.node}'s term ${state.currentTerm}, so ${from} is a deposed leader (Figure 2, AppendEntries rule 1).`,
      );
      rejectAppendEntries(ctx, state, from, message, "staleTerm");
      return;
    case "REQUEST_VOTE_RESPONSE":
      ctx.explain(
        `${state.node} ignores ${from}'s vote answer for term ${message.term}: it is now in term ${state.currentTerm}, so the election it answers is over.`,
      );
      return;
    case "APPEND_ENTRIES_RESPONSE":
      ctx.explain(
        `${state.node} ignores an AppendEntries answer from ${from} for term ${message.term}: it is now in the later term ${state.currentTerm}, so the answer is out of date.`,
      );
      return;
  }
}
