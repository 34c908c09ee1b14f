import type { Context, Message } from "../../sim/types";
import { heldLocks, listNames } from "./common";
import { factData } from "./facts";
import * as msg from "./messages";
import { onDecision, onPeerRequest } from "./participant-termination";
import { newTx, persist, releaseLocks, standingOf } from "./participant-state";
import type { ParticipantState, ParticipantTx, TwoPhaseCommitConfig } from "./types";

/** The transaction holding one of these items, if any (locking is no-wait: a conflict means NO). */
function conflict(
  state: ParticipantState,
  id: string,
  keys: readonly string[],
): { key: string; holder: string } | null {
  for (const key of keys) {
    const holder = state.locks[key];
    if (holder !== undefined && holder !== id) return { key, holder };
  }
  return null;
}

function describeHolder(state: ParticipantState, holder: string): string {
  const tx = state.transactions[holder];
  return tx?.status === "PREPARED" ? `${holder}, which is prepared and ${standingOf(tx)}` : holder;
}

/**
 * The participant starts (or, if EXECUTE never came, starts now) its part of the
 * transaction: it locks the items. Returns the reason it cannot, if it cannot.
 */
function startWork(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  id: string,
  message: Message,
): string | null {
  const keys = msg.stringList(message["keys"]);
  const participants = msg.stringList(message["participants"]);
  const clash = conflict(state, id, keys);
  const tx = newTx(participants);
  state.transactions[id] = tx;
  if (clash !== null) return `${clash.key} is locked by ${describeHolder(state, clash.holder)}`;
  tx.locks = [...keys];
  for (const key of keys) state.locks[key] = id;
  if (message.type === "EXECUTE") {
    persist(ctx, id, tx);
    ctx.stateChange(
      `${ctx.node} starts its part of ${id}: it locks ${listNames(keys) || "nothing"} and is ACTIVE; until it votes it may still abort on its own.`,
      factData({ fact: "work", tx: id, state: "active", locks: [...keys] }),
    );
    // Bernstein et al. 7.3, timeout actions: a participant waiting for VOTE-REQ may decide ABORT unilaterally.
    ctx.setTimer(`vote:${id}`, config.voteTimeoutMs, { tx: id });
  }
  return null;
}

/** Phase one at a participant (Bernstein et al. 7.3 step 2; Gray 1978 5.8.3.3). */
function vote(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  from: string,
  id: string,
  tx: ParticipantTx,
  cannot: string | null,
): void {
  ctx.cancelTimer(`vote:${id}`);
  const wanted = config.votes[ctx.node] ?? "YES";
  if (cannot === null && wanted === "YES") {
    tx.status = "PREPARED";
    tx.vote = "YES";
    // The "yes" record is forced to the log BEFORE the vote is sent: once the
    // coordinator counts this YES, the participant must be able to commit even after a crash.
    persist(ctx, id, tx);
    ctx.stateChange(
      `${ctx.node} force-logs its YES vote for ${id} and is now uncertain: having promised to commit, it may neither commit nor abort until it hears the decision, and keeps ${heldLocks(tx.locks)}.`,
      factData({
        fact: "vote",
        tx: id,
        vote: "YES",
        why: "it can commit its part",
        state: "uncertain",
        logged: true,
        forced: true,
        locks: [...tx.locks],
      }),
    );
    ctx.send(from, msg.voteYes(id), `${ctx.node} tells ${from}: YES, I can commit ${id}.`);
    ctx.setTimer(`decision:${id}`, config.decisionRequestMs, { tx: id });
    return;
  }
  const reason = cannot ?? "the scenario makes it vote NO, as if a constraint check had failed";
  tx.status = "ABORTED";
  tx.vote = "NO";
  releaseLocks(state, id, tx);
  persist(ctx, id, tx);
  // Bernstein et al. 7.3 step 2: a participant that votes NO decides ABORT at once; it needs no decision.
  // Mohan et al. 1986: under presumed abort its abort record need not be forced.
  const forced = config.variant === "presumed-nothing";
  ctx.stateChange(
    `${ctx.node} votes NO on ${id} (${reason}) and aborts it at once: one NO forces the whole transaction to abort, so ${ctx.node} needs no decision.`,
    factData({ fact: "vote", tx: id, vote: "NO", why: reason, state: "aborted", logged: true, forced, locks: [] }),
  );
  ctx.send(from, msg.voteNo(id, reason), `${ctx.node} tells ${from}: NO, ${id} cannot commit here.`);
}

function onPrepare(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  from: string,
  id: string,
  message: Message,
): void {
  const tx = state.transactions[id];
  if (tx === undefined) {
    ctx.explain(`${ctx.node} is asked to prepare ${id}: it does its part of the work and decides how to vote.`);
    const cannot = startWork(ctx, state, config, id, message);
    vote(ctx, state, config, from, id, state.transactions[id] as ParticipantTx, cannot);
    return;
  }
  switch (tx.status) {
    case "ACTIVE":
      ctx.explain(`${ctx.node} has done its part of ${id} and is asked to prepare: it decides how to vote.`);
      vote(ctx, state, config, from, id, tx, null);
      return;
    case "PREPARED":
      ctx.explain(`${ctx.node} already voted YES for ${id}; it repeats its vote.`);
      ctx.send(from, msg.voteYes(id), `${ctx.node} repeats its YES vote for ${id}.`);
      return;
    case "ABORTED":
      ctx.explain(`${ctx.node} has already aborted ${id}, so it can only vote NO.`);
      ctx.send(
        from,
        msg.voteNo(id, "already aborted"),
        `${ctx.node} tells ${from}: NO, ${id} is already aborted here.`,
      );
      return;
    case "COMMITTED":
      ctx.explain(`${ctx.node} has already committed ${id}; this PREPARE is an old copy, and it ignores it.`);
      return;
  }
}

function onExecute(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  id: string,
  message: Message,
): void {
  if (state.transactions[id] !== undefined) {
    ctx.explain(`${ctx.node} already knows ${id}; this EXECUTE is a repeat, and it ignores it.`);
    return;
  }
  ctx.explain(`${ctx.node} is asked to do its part of ${id}'s work.`);
  const cannot = startWork(ctx, state, config, id, message);
  if (cannot !== null) {
    const tx = state.transactions[id] as ParticipantTx;
    tx.status = "ABORTED";
    persist(ctx, id, tx);
    ctx.stateChange(
      `${ctx.node} cannot do its part of ${id} (${cannot}), so it aborts ${id}; it will vote NO.`,
      factData({ fact: "unilateral-abort", tx: id, state: "aborted", why: cannot }),
    );
  }
}

export function participantOnMessage(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  from: string,
  message: Message,
): void {
  const id = msg.txOf(message);
  if (id === undefined) {
    ctx.explain(`${ctx.node} cannot tell which transaction this ${message.type} is about, and ignores it.`);
    return;
  }
  switch (message.type) {
    case "EXECUTE":
      onExecute(ctx, state, config, id, message);
      return;
    case "PREPARE":
      onPrepare(ctx, state, config, from, id, message);
      return;
    case "COMMIT":
    case "ABORT":
      onDecision(ctx, state, config, from, id, message.type);
      return;
    case "DECISION_REQUEST":
      onPeerRequest(ctx, state, from, id);
      return;
    default:
      ctx.explain(`${ctx.node} is a participant; a ${message.type} is not meant for it, so it ignores it.`);
  }
}
