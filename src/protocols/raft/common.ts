import type { Json } from "../../sim/json";
import type { Context } from "../../sim/types";
import { describeCommand, show } from "./messages";
import { applyCommand } from "./state-machine";
import { DURABLE, type Entry, type PendingRead, type PendingWrite, type RaftConfig, type RaftState } from "./types";

/** Timer names. A ReadIndex read has its own timer, named after its request. */
export const ELECTION_TIMER = "election";
export const HEARTBEAT_TIMER = "heartbeat";
export const READ_TIMER_PREFIX = "read:";

export function freshState(node: string, nodes: readonly string[], config: RaftConfig): RaftState {
  return {
    node,
    peers: nodes.filter((name) => name !== node),
    config,
    currentTerm: 0,
    votedFor: null,
    log: [],
    role: "follower",
    commitIndex: 0,
    lastApplied: 0,
    stateMachine: new Map(),
    leader: null,
    electionTimersStarted: 0,
    electionTimeoutMs: 0,
    votesGranted: new Set(),
    nextIndex: new Map(),
    matchIndex: new Map(),
    inflight: new Set(),
    sentUpTo: new Map(),
    pendingWrites: new Map(),
    pendingReads: [],
    heartbeatRound: 0,
    ackedRound: new Map(),
  };
}

export function lastIndex(state: RaftState): number {
  return state.log.length;
}

/** The term of the entry at index (0 for index 0, the empty prefix; -1 past the end). */
export function termAt(state: RaftState, index: number): number {
  if (index === 0) return 0;
  return state.log[index - 1]?.term ?? -1;
}

export function lastTerm(state: RaftState): number {
  return termAt(state, lastIndex(state));
}

export function clusterSize(state: RaftState): number {
  return state.peers.length + 1;
}

/** Section 5.2: a candidate wins with votes from a majority of the full cluster. */
export function majority(state: RaftState): number {
  return Math.floor(clusterSize(state) / 2) + 1;
}

/** "entries 3-5", "entry 3". */
export function entryRange(from: number, to: number): string {
  return from === to ? `entry ${from}` : `entries ${from}-${to}`;
}

export function describeEntry(index: number, entry: Entry): string {
  return `entry ${index} (term ${entry.term}: ${describeCommand(entry.command)})`;
}

// ------------------------------------------------------------------ durable state

/** Figure 2: currentTerm and votedFor are persistent; they are written before the node acts on them. */
export function persistTermAndVote(ctx: Context, state: RaftState): void {
  ctx.persist(DURABLE.currentTerm, state.currentTerm);
  ctx.persist(DURABLE.votedFor, state.votedFor);
}

/** Writes the entries from `fromIndex` to the end, and the log's length (a truncation only writes the length). */
export function persistLogFrom(ctx: Context, state: RaftState, fromIndex: number): void {
  for (let index = fromIndex; index <= state.log.length; index++) {
    ctx.persist(DURABLE.entry(index), state.log[index - 1] as Json);
  }
  ctx.persist(DURABLE.logLength, state.log.length);
}

// ------------------------------------------------------------------ timers

/** Section 5.2: election timeouts are chosen randomly from a fixed interval, unless a scenario fixes them. */
export function nextElectionTimeout(ctx: Context, state: RaftState): number {
  const spec = state.config.electionTimeoutMs;
  const override = spec.overrides[state.node];
  const started = state.electionTimersStarted;
  state.electionTimersStarted += 1;
  if (override !== undefined) {
    const fixed = override.sequence[started];
    if (fixed !== undefined) return fixed;
    if (!override.thenRandom) return override.sequence[override.sequence.length - 1] as number;
  }
  return ctx.rng.int(spec.min, spec.max);
}

export function resetElectionTimer(ctx: Context, state: RaftState): void {
  state.electionTimeoutMs = nextElectionTimeout(ctx, state);
  ctx.setTimer(ELECTION_TIMER, state.electionTimeoutMs);
}

// ------------------------------------------------------------------ terms and roles

/** What made a server adopt a newer term: finishes "n2 moves to term 4 ...", and names the message. */
export interface TermCause {
  readonly why: string;
  readonly from: string;
  readonly message: string;
}

/**
 * Figure 2, rules for all servers: "If RPC request or response contains term T >
 * currentTerm: set currentTerm = T, convert to follower." The vote of the new term
 * is still free. Only the term gate (step.ts) calls this.
 */
export function adoptTerm(ctx: Context, state: RaftState, term: number, cause: TermCause): void {
  const previousRole = state.role;
  const previousTerm = state.currentTerm;
  state.currentTerm = term;
  state.votedFor = null;
  state.leader = null;
  persistTermAndVote(ctx, state);
  const stepDown = previousRole === "follower" ? "" : ` and steps down from ${previousRole} to follower`;
  const answerClients = leaveOffice(ctx, state, `it moved from term ${previousTerm} to term ${term}`);
  ctx.stateChange(
    `${state.node} moves from term ${previousTerm} to term ${term} ${cause.why}${stepDown}; it has not yet voted in term ${term} (Figure 2: a server that sees a higher term adopts it).`,
    {
      event: "term",
      term,
      previousTerm,
      role: state.role,
      previousRole,
      from: cause.from,
      message: cause.message,
      rule: "higherTerm",
    },
  );
  answerClients();
}

/** A candidate that hears from the leader of its own term goes back to being a follower (section 5.2). */
export function becomeFollowerOf(ctx: Context, state: RaftState, leader: string): void {
  const previousRole = state.role;
  const answerClients = leaveOffice(ctx, state, `${leader} is the leader of term ${state.currentTerm}`);
  ctx.stateChange(
    `${state.node} stops being a ${previousRole} and becomes a follower of ${leader}, which won the election of term ${state.currentTerm} (section 5.2).`,
    { event: "role", term: state.currentTerm, role: "follower", previousRole, leader, rule: "leaderOfTerm" },
  );
  answerClients();
}

/**
 * Drops candidate and leader state. Returns what is left to do once the change is
 * announced: a former leader answers every waiting client with a failure.
 */
function leaveOffice(ctx: Context, state: RaftState, why: string): () => void {
  const wasLeader = state.role === "leader";
  state.role = "follower";
  state.votesGranted = new Set();
  if (!wasLeader) return () => undefined;
  ctx.cancelTimer(HEARTBEAT_TIMER);
  resetElectionTimer(ctx, state);
  const writes = state.pendingWrites;
  const reads = state.pendingReads;
  state.pendingWrites = new Map();
  state.pendingReads = [];
  state.nextIndex = new Map();
  state.matchIndex = new Map();
  state.inflight = new Set();
  state.sentUpTo = new Map();
  state.ackedRound = new Map();
  return () => failClients(ctx, state, writes, reads, why);
}

function failClients(
  ctx: Context,
  state: RaftState,
  writes: ReadonlyMap<number, PendingWrite>,
  reads: readonly PendingRead[],
  why: string,
): void {
  for (const [index, pending] of writes) {
    ctx.reply(
      pending.requestId,
      { ok: false, error: "leadership lost: the outcome is unknown", index, term: pending.term },
      `${state.node} is no longer leader (${why}), so it cannot tell the client whether entry ${index} will be committed; the request is not acknowledged (section 8: the client must retry, and a retried write may apply twice unless requests carry serial numbers).`,
    );
  }
  for (const read of reads) {
    ctx.cancelTimer(READ_TIMER_PREFIX + read.requestId);
    ctx.reply(
      read.requestId,
      { ok: false, error: "leadership lost before the read was confirmed" },
      `${state.node} is no longer leader (${why}), so it refuses the ReadIndex read of ${read.key}: it can no longer vouch for being up to date.`,
    );
  }
}

// ------------------------------------------------------------------ commit and apply

/**
 * Why commitIndex moved: a leader counted a majority of an entry of its current term
 * (sections 5.3 and 5.4.2), a leader counted one of an earlier term (only with the
 * unsafe flag; Figure 8), or a follower learned the leader's commit index (Figure 2,
 * AppendEntries rule 5).
 */
export type CommitRule = "currentTermMajority" | "previousTermMajority" | "leaderCommit";

export interface CommitReason {
  readonly rule: CommitRule;
  /** The sentence's reason, after "n1's commitIndex moves from 2 to 3: ". */
  readonly explanation: string;
  /** The term of the entry at the new commitIndex. */
  readonly entryTerm: number;
  /** The servers known to store it (a leader's count), or the leader whose commit index was learned. */
  readonly holders: readonly string[];
}

/** Sets commitIndex and records why it moved; entries past lastApplied are then applied. */
export function moveCommitIndex(ctx: Context, state: RaftState, to: number, reason: CommitReason): void {
  const from = state.commitIndex;
  state.commitIndex = to;
  ctx.stateChange(`${state.node}'s commitIndex moves from ${from} to ${to}: ${reason.explanation}`, {
    event: "commit",
    commitIndex: to,
    previousCommitIndex: from,
    rule: reason.rule,
    term: state.currentTerm,
    entryTerm: reason.entryTerm,
    holders: [...reason.holders],
  });
  applyCommitted(ctx, state);
}

/**
 * Figure 2, rules for all servers: "If commitIndex > lastApplied: increment
 * lastApplied, apply log[lastApplied] to state machine." A leader answers the client
 * whose entry it is (section 8), and ReadIndex reads that waited for this entry.
 */
export function applyCommitted(ctx: Context, state: RaftState): void {
  while (state.lastApplied < state.commitIndex) {
    const index = state.lastApplied + 1;
    const entry = state.log[index - 1];
    if (entry === undefined) break;
    const outcome = applyCommand(state.stateMachine, entry.command);
    state.lastApplied = index;
    ctx.stateChange(
      `${state.node} applies entry ${index} (term ${entry.term}) to its state machine: ${outcome.description}.`,
      { event: "apply", index, term: entry.term, command: entry.command as Json, result: outcome.result },
    );
    const pending = state.pendingWrites.get(index);
    if (pending !== undefined) {
      state.pendingWrites.delete(index);
      if (pending.term === entry.term) {
        ctx.reply(
          pending.requestId,
          entry.command.op === "get"
            ? { ...outcome.result, index, term: entry.term, mode: "log" }
            : { ...outcome.result, index, term: entry.term },
          `${state.node} acknowledges ${describeCommand(entry.command)}: entry ${index} (term ${entry.term}) is committed and applied (section 8: a leader answers once the entry is committed).`,
        );
      } else {
        ctx.reply(
          pending.requestId,
          { ok: false, error: "the entry was replaced by another leader's entry", index },
          `${state.node} tells the client its request failed: entry ${index} now holds another leader's entry (term ${entry.term}), not the one it appended in term ${pending.term}.`,
        );
      }
    }
  }
  answerReadyReads(ctx, state);
}

/** ReadIndex reads whose leadership check passed and whose read index is applied are answered now. */
export function answerReadyReads(ctx: Context, state: RaftState): void {
  if (state.pendingReads.length === 0) return;
  const waiting = [];
  for (const read of state.pendingReads) {
    if (read.confirmed && read.readIndex !== null && state.lastApplied >= read.readIndex) {
      ctx.cancelTimer(READ_TIMER_PREFIX + read.requestId);
      const value = state.stateMachine.get(read.key);
      ctx.reply(
        read.requestId,
        { ok: true, key: read.key, value: value ?? null, readIndex: read.readIndex, mode: "readIndex" },
        `${state.node} answers the ReadIndex read: ${read.key} = ${show(value)}. A majority confirmed it is still leader after the read arrived, and it has applied through the read index ${read.readIndex} (Ongaro's thesis, section 6.4).`,
      );
    } else {
      waiting.push(read);
    }
  }
  state.pendingReads = waiting;
}
