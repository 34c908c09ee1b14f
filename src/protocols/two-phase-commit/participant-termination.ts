import type { Context, Durable, TimerFired } from "../../sim/types";
import { backoff, heldLocks, listNames, splitTimer } from "./common";
import { factData } from "./facts";
import * as msg from "./messages";
import { initParticipant, newTx, persist, releaseLocks, standingOf } from "./participant-state";
import {
  PARTICIPANT_KEY_PREFIX,
  type Decision,
  type ParticipantRecord,
  type ParticipantState,
  type ParticipantTx,
  type TwoPhaseCommitConfig,
} from "./types";

/** Phase two and the termination protocol at a participant: the decision, inquiries, timeouts, recovery. */

/**
 * Whether a participant acknowledges this decision: always for COMMIT; for ABORT
 * only under presumed nothing (Mohan et al. 1986: under presumed abort nobody
 * waits for an ABORT acknowledgement, so none is sent).
 */
function acknowledges(config: TwoPhaseCommitConfig, decision: Decision): boolean {
  return decision === "COMMIT" || config.variant === "presumed-nothing";
}

/** Phase two at a participant: apply the decision, release the locks, log it, acknowledge (if the variant wants it). */
export function onDecision(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  from: string,
  id: string,
  decision: Decision,
): void {
  const outcome = decision === "COMMIT" ? "COMMITTED" : "ABORTED";
  const fromPeer = from !== state.coordinator;
  const source = fromPeer ? `${from} (another participant)` : from;
  const acks = acknowledges(config, decision);
  let tx = state.transactions[id];
  if (tx?.status === outcome) {
    if (!acks) {
      ctx.explain(
        `${ctx.node} already knows ${id} is ${outcome}; under presumed abort nobody waits for an ABORT acknowledgement, so it does nothing.`,
      );
      return;
    }
    ctx.explain(
      `${ctx.node} already knows ${id} is ${outcome}; it acknowledges (again, if ${state.coordinator} missed an earlier ACK) so that ${state.coordinator} can finish.`,
    );
    ctx.send(
      state.coordinator,
      msg.ack(id, decision),
      `${ctx.node} acknowledges ${decision} ${id} to ${state.coordinator}.`,
    );
    return;
  }
  if (decision === "COMMIT" && tx?.status !== "PREPARED") {
    ctx.explain(
      `${ctx.node} never voted YES for ${id}, so a COMMIT for it breaks the protocol; ${ctx.node} ignores it.`,
    );
    return;
  }
  if (decision === "ABORT" && tx?.status === "COMMITTED") {
    ctx.explain(`${ctx.node} has already committed ${id}; an ABORT for it breaks the protocol, and it ignores it.`);
    return;
  }
  if (tx === undefined) {
    tx = newTx([]);
    state.transactions[id] = tx;
  }
  const was = standingOf(tx);
  ctx.explain(
    was === "active"
      ? `${ctx.node} learns from ${source} that ${id} is aborted.`
      : `${ctx.node} learns from ${source} that ${id} must ${decision.toLowerCase()}: it is no longer ${was}.`,
  );
  tx.status = outcome;
  tx.blocked = false;
  releaseLocks(state, id, tx);
  ctx.cancelTimer(`vote:${id}`);
  ctx.cancelTimer(`decision:${id}`);
  persist(ctx, id, tx);
  // Bernstein et al. 7.4: a participant logs the decision before acknowledging it;
  // Mohan et al. 1986: COMMIT is forced (it is acknowledged), ABORT under presumed abort is not.
  const forced = acks;
  ctx.stateChange(
    decision === "COMMIT"
      ? `${ctx.node} force-logs ${id} as COMMITTED, makes its changes permanent and releases its locks.`
      : forced
        ? `${ctx.node} force-logs ${id} as ABORTED, undoes its changes and releases its locks.`
        : `${ctx.node} logs ${id} as ABORTED without forcing it (presumed abort: were the record lost, asking would still get ABORT), undoes its changes and releases its locks.`,
    factData({
      fact: "outcome",
      tx: id,
      state: decision === "COMMIT" ? "committed" : "aborted",
      outcome: decision,
      from,
      fromPeer,
      was,
      logged: true,
      forced,
      acks,
    }),
  );
  if (!acks) return;
  ctx.send(
    state.coordinator,
    msg.ack(id, decision),
    `${ctx.node} acknowledges ${decision} ${id} to ${state.coordinator}.`,
  );
}

/**
 * Another participant asks for the outcome (Bernstein et al. 7.4, the cooperative
 * termination protocol): one that knows the decision tells it; one that has not
 * voted may abort on its own and says ABORT; one that is prepared is as uncertain
 * as the asker and cannot help.
 */
export function onPeerRequest(ctx: Context, state: ParticipantState, from: string, id: string): void {
  const tx = state.transactions[id];
  if (tx?.status === "COMMITTED" || tx?.status === "ABORTED") {
    const decision: Decision = tx.status === "COMMITTED" ? "COMMIT" : "ABORT";
    ctx.explain(`${from} asks ${ctx.node} how ${id} ended; ${ctx.node} knows (${tx.status}) and tells it.`);
    ctx.note(
      `${ctx.node} answers ${from} from its log: ${decision} ${id}.`,
      factData({ fact: "inquiry", tx: id, from, answer: decision, basis: "logged" }),
    );
    ctx.send(from, msg.decisionMessage(id, decision), `${ctx.node} tells ${from}: ${decision} ${id}.`);
    return;
  }
  if (tx?.status === "PREPARED") {
    ctx.explain(
      `${from} asks ${ctx.node} how ${id} ended, but ${ctx.node} voted YES and is just as uncertain: it cannot help.`,
    );
    ctx.note(
      `${ctx.node} cannot answer ${from}: it does not know how ${id} ended either.`,
      factData({ fact: "inquiry", tx: id, from, answer: null, basis: "uncertain" }),
    );
    return;
  }
  ctx.explain(
    `${from} asks ${ctx.node} how ${id} ended; ${ctx.node} has not voted, so it may abort ${id} on its own, which settles the outcome.`,
  );
  const known = tx ?? newTx([]);
  state.transactions[id] = known;
  known.status = "ABORTED";
  releaseLocks(state, id, known);
  ctx.cancelTimer(`vote:${id}`);
  persist(ctx, id, known);
  ctx.stateChange(
    `${ctx.node} aborts ${id} without having voted: now ${id} can never commit.`,
    factData({ fact: "unilateral-abort", tx: id, state: "aborted", why: `${from} asked how ${id} ended` }),
  );
  ctx.note(
    `${ctx.node} answers ${from}: ABORT ${id}, which it has just decided on its own.`,
    factData({ fact: "inquiry", tx: id, from, answer: "ABORT", basis: "unilateral" }),
  );
  ctx.send(from, msg.decisionMessage(id, "ABORT"), `${ctx.node} tells ${from}: ABORT ${id}.`);
}

/** Who an uncertain participant asks: the coordinator and, under cooperative termination, the other participants. */
function askees(state: ParticipantState, config: TwoPhaseCommitConfig, tx: ParticipantTx): string[] {
  const peers = config.cooperativeTermination ? tx.participants.filter((peer) => peer !== state.node) : [];
  return [state.coordinator, ...peers];
}

function askForDecision(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  id: string,
  tx: ParticipantTx,
): void {
  ctx.send(
    state.coordinator,
    msg.decisionRequest(id),
    `${ctx.node} asks ${state.coordinator} whether ${id} committed or aborted.`,
  );
  if (config.cooperativeTermination) {
    for (const peer of tx.participants) {
      if (peer === ctx.node) continue;
      ctx.send(
        peer,
        msg.decisionRequest(id),
        `${ctx.node} asks ${peer}, another participant, whether it knows how ${id} ended.`,
      );
    }
  }
  tx.decisionRequests += 1;
  ctx.setTimer(`decision:${id}`, backoff(config.decisionRequestMs, tx.decisionRequests), { tx: id });
}

function abortOnItsOwn(ctx: Context, state: ParticipantState, id: string, tx: ParticipantTx, why: string): void {
  tx.status = "ABORTED";
  releaseLocks(state, id, tx);
  persist(ctx, id, tx);
  ctx.stateChange(
    `${ctx.node} aborts ${id} on its own and releases its locks; if asked to prepare it will vote NO.`,
    factData({ fact: "unilateral-abort", tx: id, state: "aborted", why }),
  );
}

export function participantOnTimer(
  ctx: Context,
  state: ParticipantState,
  config: TwoPhaseCommitConfig,
  timer: TimerFired,
): void {
  const [kind, id = ""] = splitTimer(timer.name);
  const tx = state.transactions[id];
  if (tx === undefined) {
    ctx.explain(`${ctx.node}'s ${timer.name} timer fires, but it has no record of that transaction: nothing to do.`);
    return;
  }
  if (kind === "vote" && tx.status === "ACTIVE") {
    // Bernstein et al. 7.3: before voting, a participant may abort unilaterally.
    ctx.explain(
      `${ctx.node} has waited ${config.voteTimeoutMs} ms for ${state.coordinator} to ask it to prepare ${id}; it has not voted, so it is free to abort on its own, and does.`,
    );
    abortOnItsOwn(ctx, state, id, tx, `no PREPARE within ${config.voteTimeoutMs} ms`);
    return;
  }
  if (kind === "decision" && tx.status === "PREPARED") {
    // Bernstein et al. 7.3-7.4: after voting YES a participant is uncertain; it can
    // neither commit nor abort on its own, and on a timeout runs the termination
    // protocol. It is BLOCKED when that cannot help: it asked, and nobody answered.
    const asked = askees(state, config, tx);
    if (tx.decisionRequests === 0) {
      ctx.explain(
        `${ctx.node} is uncertain about ${id} and the decision is late: it voted YES, so it can neither commit nor abort on its own, and starts asking (the termination protocol).`,
      );
    } else if (!tx.blocked) {
      tx.blocked = true;
      ctx.explain(
        `${ctx.node} asked ${listNames(asked)} how ${id} ended and nobody has told it: some failure keeps the decision from it.`,
      );
      ctx.stateChange(
        `${ctx.node} is now BLOCKED on ${id}: uncertain, unable to learn the decision, and holding ${heldLocks(tx.locks)} until someone can tell it.`,
        factData({ fact: "blocked", tx: id, state: "blocked", asked, requests: tx.decisionRequests }),
      );
    } else {
      ctx.explain(
        `${ctx.node} is still blocked on ${id}: it voted YES, so it can neither commit nor abort on its own, and keeps holding its locks while it asks again.`,
      );
    }
    askForDecision(ctx, state, config, id, tx);
    return;
  }
  ctx.explain(`${ctx.node}'s ${timer.name} timer fires, but ${id} has moved on (it is ${tx.status}): nothing to do.`);
}

/**
 * Participant recovery (Bernstein et al. 7.4): with a "yes" record and no decision
 * it is still uncertain, so it stays PREPARED, retakes its locks and asks; with no
 * vote logged it aborts on its own; a logged decision is simply kept.
 */
export function recoverParticipant(ctx: Context, config: TwoPhaseCommitConfig, durable: Durable): ParticipantState {
  const state = initParticipant(ctx.node, config);
  const parts: string[] = [];
  const uncertain: string[] = [];
  const abortNow: string[] = [];
  for (const [key, value] of durable) {
    if (!key.startsWith(PARTICIPANT_KEY_PREFIX)) continue;
    const id = key.slice(PARTICIPANT_KEY_PREFIX.length);
    const saved = value as unknown as ParticipantRecord;
    const tx: ParticipantTx = {
      status: saved.status,
      vote: saved.vote,
      locks: saved.status === "PREPARED" || saved.status === "ACTIVE" ? [...saved.locks] : [],
      participants: [...saved.participants],
      decisionRequests: 0,
      blocked: false,
    };
    state.transactions[id] = tx;
    for (const item of tx.locks) state.locks[item] = id;
    if (saved.status === "PREPARED") {
      uncertain.push(id);
      parts.push(`it voted YES for ${id} and has no decision, so it is still PREPARED and uncertain`);
    } else if (saved.status === "ACTIVE") {
      abortNow.push(id);
      parts.push(`it never voted on ${id}, so it aborts it`);
    } else {
      parts.push(`${id} is ${saved.status}`);
    }
  }
  ctx.explain(
    parts.length === 0
      ? `${ctx.node} restarts with an empty log: it has no transaction to finish.`
      : `${ctx.node} restarts and reads its log: ${parts.join("; ")}.`,
  );
  for (const id of abortNow) {
    const tx = state.transactions[id] as ParticipantTx;
    tx.status = "ABORTED";
    releaseLocks(state, id, tx);
    persist(ctx, id, tx);
    ctx.stateChange(
      `${ctx.node} records ${id} as ABORTED: it had not voted, so aborting cannot contradict anyone.`,
      factData({ fact: "unilateral-abort", tx: id, state: "aborted", why: "it restarted without having voted" }),
    );
  }
  for (const id of uncertain) {
    const tx = state.transactions[id] as ParticipantTx;
    ctx.stateChange(
      `${ctx.node} is PREPARED for ${id} again, holding ${heldLocks(tx.locks)}: it is uncertain until it learns the decision, and asks at once.`,
      factData({ fact: "recovered", tx: id, state: "uncertain", locks: [...tx.locks] }),
    );
    askForDecision(ctx, state, config, id, tx);
  }
  return state;
}
