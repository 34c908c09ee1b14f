import type { Context } from "../../sim/types";
import {
  answerReadyReads,
  clusterSize,
  type CommitReason,
  type CommitRule,
  entryRange,
  lastIndex,
  majority,
  moveCommitIndex,
  persistLogFrom,
  resetElectionTimer,
  termAt,
} from "./common";
import { toMessage, type AppendEntries, type AppendEntriesResponse, type RejectReason } from "./messages";
import type { Entry, RaftState } from "./types";
import { tell, type Turn } from "./turn";
import { list, plural } from "../../sim/english";

/**
 * Log replication (section 5.3, Figure 2's AppendEntries RPC) and the commit rule
 * (sections 5.3 and 5.4.2). The leader keeps one AppendEntries outstanding per
 * follower and sends the next as soon as the answer arrives; heartbeats resend
 * whatever is still missing, so a lost message only delays replication.
 */

export type SendReason = "heartbeat" | "new entries" | "retry" | "continue" | "read" | "election";

/** Sends AppendEntries to one follower, starting at its nextIndex. */
export function sendAppendEntries(ctx: Context, state: RaftState, peer: string, reason: SendReason): void {
  const nextIndex = state.nextIndex.get(peer) ?? lastIndex(state) + 1;
  const prevLogIndex = nextIndex - 1;
  const prevLogTerm = termAt(state, prevLogIndex);
  const entries: Entry[] = state.log.slice(prevLogIndex, prevLogIndex + state.config.maxEntriesPerAppend);
  const message: AppendEntries = {
    type: "APPEND_ENTRIES",
    term: state.currentTerm,
    leaderId: state.node,
    prevLogIndex,
    prevLogTerm,
    entries,
    leaderCommit: state.commitIndex,
    round: state.heartbeatRound,
  };
  state.inflight.add(peer);
  state.sentUpTo.set(peer, prevLogIndex + entries.length);
  const check =
    prevLogIndex === 0
      ? "starting from the beginning of the log"
      : `after entry ${prevLogIndex} (term ${prevLogTerm}), which ${peer} must already hold for the consistency check to pass (section 5.3)`;
  const what =
    entries.length === 0
      ? `a heartbeat with no entries ${peer} lacks, ${check}`
      : `${entryRange(prevLogIndex + 1, prevLogIndex + entries.length)}, ${check}`;
  const why: Record<SendReason, string> = {
    heartbeat: "to keep its leadership (heartbeat, section 5.2)",
    "new entries": "to replicate a new client entry",
    retry: `retrying one entry earlier after a rejection (nextIndex back-off, section 5.3)`,
    continue: `because ${peer} still lacks entries`,
    read: "to confirm it is still leader before answering a ReadIndex read",
    election: "as its first message as leader, to establish its authority (section 5.2)",
  };
  ctx.send(
    peer,
    toMessage(message),
    `${state.node} (leader, term ${state.currentTerm}) sends ${peer} ${what}, ${why[reason]}; its commit index is ${state.commitIndex}.`,
  );
}

/** AppendEntries to every follower, as a new heartbeat round. */
export function broadcastAppendEntries(ctx: Context, state: RaftState, reason: SendReason): void {
  state.heartbeatRound += 1;
  for (const peer of state.peers) sendAppendEntries(ctx, state, peer, reason);
}

/** New entries go at once to each follower that is not already waiting for an answer. */
export function replicateNewEntries(ctx: Context, state: RaftState): void {
  for (const peer of state.peers) {
    if (!state.inflight.has(peer)) sendAppendEntries(ctx, state, peer, "new entries");
  }
}

/**
 * What the leader may commit (sections 5.3 and 5.4.2): the highest index stored on a
 * majority, but only if that entry is from the current term; earlier entries are then
 * committed indirectly by the Log Matching Property. Figure 8 shows why counting
 * replicas of an older term's entry is unsafe.
 */
export interface CommitDecision {
  /** The index a majority stores. */
  readonly replicated: number;
  /** The nodes storing it. */
  readonly holders: readonly string[];
  readonly commit: boolean;
  readonly explanation: string;
  /** What moveCommitIndex records when `commit` is true. */
  readonly reason: CommitReason;
}

export function commitDecision(state: RaftState): CommitDecision | undefined {
  const matched = [lastIndex(state), ...state.peers.map((peer) => state.matchIndex.get(peer) ?? 0)];
  matched.sort((a, b) => b - a);
  const replicated = matched[majority(state) - 1] as number;
  if (replicated <= state.commitIndex) return undefined;
  const holders = [state.node, ...state.peers.filter((peer) => (state.matchIndex.get(peer) ?? 0) >= replicated)];
  const entryTerm = termAt(state, replicated);
  const stored = `entry ${replicated} (term ${entryTerm}) is stored on ${holders.length} of ${plural(clusterSize(state), "server")} (${list(holders)}), a majority`;
  const decided = (commit: boolean, rule: CommitRule, explanation: string): CommitDecision => ({
    replicated,
    holders,
    commit,
    explanation,
    reason: { rule, explanation, entryTerm, holders },
  });
  if (entryTerm === state.currentTerm) {
    return decided(
      true,
      "currentTermMajority",
      `${stored}, and it is from the leader's current term, so it and every entry before it are committed (sections 5.3 and 5.4.2).`,
    );
  }
  if (state.config.unsafe.commitEntriesFromPreviousTerms) {
    return decided(
      true,
      "previousTermMajority",
      `${stored}. It is from term ${entryTerm}, not the current term ${state.currentTerm}, and counting its replicas is exactly what section 5.4.2 forbids (Figure 8): the unsafe flag commitEntriesFromPreviousTerms is on.`,
    );
  }
  return decided(
    false,
    "previousTermMajority",
    `${stored}, but it is from term ${entryTerm}, not the current term ${state.currentTerm}, so the leader does not count it as committed: a future leader could still overwrite it (section 5.4.2, Figure 8).`,
  );
}

// ------------------------------------------------------------------ follower side

function respondToAppend(
  ctx: Context,
  state: RaftState,
  from: string,
  message: AppendEntries,
  success: boolean,
  matchIndex: number,
  reason: RejectReason | null,
): void {
  const response: AppendEntriesResponse = {
    type: "APPEND_ENTRIES_RESPONSE",
    term: state.currentTerm,
    success,
    matchIndex,
    prevLogIndex: message.prevLogIndex,
    round: message.round,
    reason,
  };
  const text = success
    ? `${state.node} tells ${from} that its log now matches the leader's through entry ${matchIndex}.`
    : reason === "staleTerm"
      ? `${state.node} tells ${from} that its term ${state.currentTerm} is newer than ${from}'s term ${message.term}.`
      : reason === "notFollower"
        ? `${state.node} tells ${from} that it leads term ${state.currentTerm} itself.`
        : `${state.node} tells ${from} that the consistency check failed at entry ${message.prevLogIndex}, so ${from} should back off.`;
  ctx.send(from, toMessage(response), text);
}

/** Answers an AppendEntries that the term gate or the role turned away: stale term (rule 1), or a leader of the same term. */
export function rejectAppendEntries(
  ctx: Context,
  state: RaftState,
  from: string,
  message: AppendEntries,
  reason: "staleTerm" | "notFollower",
): void {
  respondToAppend(ctx, state, from, message, false, 0, reason);
}

/**
 * Figure 2, AppendEntries RPC, receiver implementation, rules 2-5, at a follower of
 * message.term (the term gate handled rule 1 and any newer term; a candidate has
 * already stepped down).
 */
export function onAppendEntries(
  ctx: Context,
  state: RaftState,
  from: string,
  message: AppendEntries,
  turn: Turn,
): void {
  // Rule 2: reply false if the log has no entry at prevLogIndex whose term matches prevLogTerm.
  const prev = message.prevLogIndex;
  let rejection: { reason: RejectReason; text: string } | undefined;
  if (prev > lastIndex(state)) {
    rejection = {
      reason: "missingEntry",
      text: `its log ends at entry ${lastIndex(state)}, so it has no entry ${prev} to compare with the leader's`,
    };
  } else if (prev > 0 && termAt(state, prev) !== message.prevLogTerm) {
    rejection = {
      reason: "termMismatch",
      text: `its entry ${prev} has term ${termAt(state, prev)}, but the leader's has term ${message.prevLogTerm}`,
    };
  }

  // Rules 3 and 4: find the first entry that conflicts (same index, different term) or is new.
  let truncateFrom: number | null = null;
  let appendFrom = message.entries.length;
  if (rejection === undefined) {
    for (let k = 0; k < message.entries.length; k++) {
      const index = prev + 1 + k;
      const entry = message.entries[k] as Entry;
      if (index > lastIndex(state)) {
        appendFrom = k;
        break;
      }
      if (termAt(state, index) !== entry.term) {
        truncateFrom = index;
        appendFrom = k;
        break;
      }
    }
  }
  const lastNew = prev + message.entries.length;
  // Rule 5: commitIndex = min(leaderCommit, index of last new entry).
  // Judged against the commitIndex after rule 3: a truncation can only lower it (and only
  // in a deliberately unsafe run), and what was committed before the truncation is not
  // committed again unless the leader's commit index covers it.
  const commitAfterTruncation =
    truncateFrom !== null && truncateFrom <= state.commitIndex ? truncateFrom - 1 : state.commitIndex;
  const leaderCommitted = Math.min(message.leaderCommit, lastNew);
  const newCommit =
    rejection === undefined && leaderCommitted > commitAfterTruncation ? leaderCommitted : commitAfterTruncation;

  const fromLeader = `from ${from}, leader of term ${message.term}`;
  if (rejection !== undefined) {
    tell(
      ctx,
      turn,
      `${state.node} rejects AppendEntries ${fromLeader}: ${rejection.text} (consistency check, section 5.3, Figure 2 rule 2).`,
      () => ({
        event: "appendEntries",
        success: false,
        reason: rejection.reason,
        leader: from,
        term: message.term,
        prevLogIndex: prev,
        prevLogTerm: message.prevLogTerm,
        lastLogIndex: lastIndex(state),
        termAtPrevLogIndex: prev <= lastIndex(state) ? termAt(state, prev) : null,
        entries: message.entries.length,
      }),
    );
  } else {
    const parts: string[] = [];
    if (truncateFrom !== null) parts.push(`its entry ${truncateFrom} conflicts with the leader's`);
    const appended = message.entries.length - appendFrom;
    if (appended > 0) parts.push(`it appends ${entryRange(prev + 1 + appendFrom, lastNew)}`);
    else if (message.entries.length > 0) parts.push("it already holds every entry sent");
    if (newCommit > commitAfterTruncation) parts.push(`it learns that entries through ${newCommit} are committed`);
    const check =
      prev === 0
        ? "the entries start at the beginning of the log"
        : `its entry ${prev} has term ${message.prevLogTerm} like the leader's (consistency check, section 5.3)`;
    tell(
      ctx,
      turn,
      `${state.node} accepts AppendEntries ${fromLeader}: ${check}${parts.length > 0 ? "; " + parts.join("; ") : ""}.`,
      () => ({
        event: "appendEntries",
        success: true,
        reason: null,
        leader: from,
        term: message.term,
        prevLogIndex: prev,
        prevLogTerm: message.prevLogTerm,
        matchIndex: lastNew,
        entries: message.entries.length,
      }),
    );
  }

  state.leader = from;
  // Figure 2, followers: the election timer restarts on AppendEntries from the current leader.
  resetElectionTimer(ctx, state);

  if (rejection !== undefined) {
    respondToAppend(ctx, state, from, message, false, 0, rejection.reason);
    return;
  }
  if (truncateFrom !== null) truncateLog(ctx, state, truncateFrom, message.entries[appendFrom] as Entry, from);
  if (appendFrom < message.entries.length) {
    const firstNew = lastIndex(state) + 1;
    for (let k = appendFrom; k < message.entries.length; k++) {
      const entry = message.entries[k] as Entry;
      state.log.push({ term: entry.term, command: entry.command });
    }
    persistLogFrom(ctx, state, firstNew);
    ctx.stateChange(
      `${state.node} appends ${entryRange(firstNew, lastIndex(state))} from ${from} to its log (Figure 2, AppendEntries rule 4).`,
      { event: "append", from: firstNew, to: lastIndex(state), leader: from, term: message.term },
    );
  }
  if (newCommit > state.commitIndex) {
    moveCommitIndex(ctx, state, newCommit, {
      rule: "leaderCommit",
      explanation: `the leader ${from} has committed through entry ${message.leaderCommit}, and ${state.node} holds the leader's entries through ${lastNew} (Figure 2, AppendEntries rule 5).`,
      entryTerm: termAt(state, newCommit),
      holders: [from],
    });
  }
  respondToAppend(ctx, state, from, message, true, lastNew, null);
}

/** Rule 3: "If an existing entry conflicts with a new one, delete the existing entry and all that follow it." */
function truncateLog(ctx: Context, state: RaftState, from: number, replacement: Entry, leader: string): void {
  const oldLast = lastIndex(state);
  const oldTerm = termAt(state, from);
  const committedLost = from <= state.commitIndex;
  state.log.length = from - 1;
  persistLogFrom(ctx, state, from);
  let damage = "";
  if (committedLost) {
    // Only a deliberately unsafe configuration gets here: committed entries are never overwritten in Raft.
    damage = ` Entries from ${from} on were already committed here, which Raft's safety rules never allow; ${state.node} resets commitIndex and lastApplied to ${from - 1}, but entries it already applied cannot be undone (State Machine Safety is broken).`;
    state.commitIndex = Math.min(state.commitIndex, from - 1);
    state.lastApplied = Math.min(state.lastApplied, from - 1);
  }
  ctx.stateChange(
    `${state.node} deletes ${entryRange(from, oldLast)} from its log: its entry ${from} has term ${oldTerm} but ${leader}'s entry ${from} has term ${replacement.term}, and a conflicting entry and all that follow it must go (Figure 2, AppendEntries rule 3).${damage}`,
    {
      event: "truncate",
      from,
      to: oldLast,
      rule: "conflictingEntry",
      conflictingTerm: oldTerm,
      leaderTerm: replacement.term,
      leader,
      committedLost,
    },
  );
}

// ------------------------------------------------------------------ leader side

/** The leader's handling of a follower's answer: matchIndex, commit, nextIndex back-off (section 5.3). */
export function onAppendEntriesResponse(
  ctx: Context,
  state: RaftState,
  from: string,
  message: AppendEntriesResponse,
  turn: Turn,
): void {
  state.ackedRound.set(from, Math.max(state.ackedRound.get(from) ?? 0, message.round));
  const nextIndex = state.nextIndex.get(from) ?? lastIndex(state) + 1;
  const matchIndex = state.matchIndex.get(from) ?? 0;

  if (message.success) {
    // The answer to the latest AppendEntries ends the wait; an answer to an older one (a
    // heartbeat that overlapped it) does not, so only one AppendEntries stream runs per follower.
    if (message.matchIndex >= (state.sentUpTo.get(from) ?? 0)) state.inflight.delete(from);
    const newMatch = Math.max(matchIndex, message.matchIndex);
    state.matchIndex.set(from, newMatch);
    state.nextIndex.set(from, Math.max(nextIndex, newMatch + 1));
    const decision = commitDecision(state);
    const matchText =
      newMatch > matchIndex
        ? `${from}'s log matches its own through entry ${newMatch} (matchIndex[${from}] = ${newMatch})`
        : `${from} is up to date through entry ${newMatch}`;
    tell(
      ctx,
      turn,
      `${state.node} learns that ${matchText}${decision?.commit === true ? "; " + decision.explanation : "."}`,
    );
    if (decision?.commit) moveCommitIndex(ctx, state, decision.replicated, decision.reason);
    else if (decision !== undefined) withholdCommit(ctx, state, decision);
    confirmReads(ctx, state);
    if (!state.inflight.has(from) && (state.nextIndex.get(from) ?? 0) <= lastIndex(state)) {
      sendAppendEntries(ctx, state, from, "continue");
    }
    return;
  }

  const fresh = message.prevLogIndex === nextIndex - 1 && nextIndex > matchIndex + 1;
  if ((message.reason === "missingEntry" || message.reason === "termMismatch") && fresh) {
    // Section 5.3: "After a rejection, the leader decrements nextIndex and retries the AppendEntries RPC."
    state.inflight.delete(from);
    state.nextIndex.set(from, nextIndex - 1);
    tell(
      ctx,
      turn,
      `${state.node} learns that ${from}'s log does not match its own at entry ${message.prevLogIndex}, so it decrements nextIndex[${from}] from ${nextIndex} to ${nextIndex - 1} and retries (section 5.3).`,
    );
    confirmReads(ctx, state);
    sendAppendEntries(ctx, state, from, "retry");
    return;
  }
  tell(
    ctx,
    turn,
    `${state.node} ignores a rejection from ${from} about entry ${message.prevLogIndex}: nextIndex[${from}] has already moved to ${nextIndex}, so it answers an older AppendEntries.`,
  );
  confirmReads(ctx, state);
}

/** Section 5.4.2, Figure 8: a majority holds an entry of an earlier term, and the leader does not count it. */
function withholdCommit(ctx: Context, state: RaftState, decision: CommitDecision): void {
  ctx.note(`${state.node} leaves its commitIndex at ${state.commitIndex}: ${decision.explanation}`, {
    event: "commitWithheld",
    rule: "currentTermOnly",
    commitIndex: state.commitIndex,
    index: decision.replicated,
    entryTerm: decision.reason.entryTerm,
    term: state.currentTerm,
    holders: [...decision.holders],
  });
}

/**
 * ReadIndex, step 3 (Ongaro's thesis, section 6.4): a read is confirmed once a majority
 * (counting the leader) has answered an AppendEntries of the current term sent after
 * the read arrived; it is answered once the leader has applied through its read index.
 */
export function confirmReads(ctx: Context, state: RaftState): void {
  if (state.pendingReads.length === 0 || state.role !== "leader") return;
  const leaderCommittedInTerm = termAt(state, state.commitIndex) === state.currentTerm;
  let startRound = false;
  for (const read of state.pendingReads) {
    if (read.readIndex === null && leaderCommittedInTerm) {
      read.readIndex = state.commitIndex;
      read.round = state.heartbeatRound + 1;
      startRound = true;
    }
  }
  if (startRound) broadcastAppendEntries(ctx, state, "read");
  for (const read of state.pendingReads) {
    if (read.confirmed || read.round === null) continue;
    const round = read.round;
    const acks = 1 + state.peers.filter((peer) => (state.ackedRound.get(peer) ?? 0) >= round).length;
    if (acks >= majority(state)) read.confirmed = true;
  }
  answerReadyReads(ctx, state);
}
