import type { JsonObject } from "../../sim/json";
import type { Context, Message } from "../../sim/types";
import { backoff, listNames, outcomeWord } from "./common";
import { factData } from "./facts";
import * as msg from "./messages";
import {
  COORDINATOR_KEY_PREFIX,
  type CoordinatorRecord,
  type CoordinatorState,
  type CoordinatorTx,
  type Decision,
  type TwoPhaseCommitConfig,
} from "./types";

/** The coordinator's log records and its phase two: the decision, the client's answer, acknowledgements, inquiries. */

function record(tx: CoordinatorTx): CoordinatorRecord {
  return {
    // No copies here: ctx.persist stores a deep copy of what it is given.
    participants: tx.participants,
    keys: tx.keys,
    requestId: tx.requestId,
    decision: tx.decision,
    done: tx.status === "DONE",
  };
}

export function persist(ctx: Context, id: string, tx: CoordinatorTx): void {
  ctx.persist(COORDINATOR_KEY_PREFIX + id, record(tx) as unknown as JsonObject);
}

// ---------------------------------------------------------------- phase two

/**
 * Phase two. A COMMIT is logged durably, and forced, BEFORE anyone is told (Gray
 * 1978: the coordinator records commit in its log before broadcasting it; Bernstein
 * et al. 7.4: "write commit record in DT log, then send COMMIT"): if it crashed
 * after telling one participant but before logging, it could come back, presume
 * ABORT, and split the outcome. That forced write is the commit point: the client is
 * answered right after it (Mohan et al. 1986), not after the acknowledgements.
 *
 * An ABORT under presumed abort (Mohan et al. 1986) is neither logged nor
 * acknowledged: the coordinator tells the participants that may have voted YES and
 * forgets the transaction, since a coordinator that knows nothing of it answers
 * ABORT anyway. Under presumed nothing it is force-logged and acknowledged like COMMIT.
 */
export function decide(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  id: string,
  tx: CoordinatorTx,
  decision: Decision,
  reason: string,
): void {
  tx.decision = decision;
  tx.status = decision === "COMMIT" ? "COMMITTING" : "ABORTING";
  ctx.cancelTimer(`votes:${id}`);
  ctx.cancelTimer(`work:${id}`);
  const presumedAbort = config.variant === "presumed-abort";
  const logged = decision === "COMMIT" || !presumedAbort;
  // A participant that voted NO has already aborted on its own: it needs no ABORT.
  tx.acks = tx.participants.filter((p) => tx.votes[p] === "NO");
  const targets = tx.participants.filter((p) => !tx.acks.includes(p));
  const awaitingAcks = logged ? targets : [];
  const fact = factData({
    fact: "decision",
    tx: id,
    outcome: decision,
    why: reason,
    logged,
    forced: logged,
    variant: config.variant,
    participants: tx.participants,
    awaitingAcks,
    votes: { ...tx.votes },
  });
  if (logged) {
    persist(ctx, id, tx);
    ctx.stateChange(
      decision === "COMMIT"
        ? `${ctx.node} force-logs COMMIT for ${id} (${reason}): this is the commit point; only now may it tell anyone, so that no crash can make it forget a decision someone has acted on.`
        : `${ctx.node} force-logs ABORT for ${id} (${reason}) and will wait for every acknowledgement (presumed nothing: it never forgets an unfinished transaction).`,
      fact,
    );
  } else {
    ctx.stateChange(
      `${ctx.node} decides ABORT for ${id} (${reason}) without logging it (presumed abort): should it crash, having no record of ${id} means ABORT anyway.`,
      fact,
    );
  }
  answerClient(ctx, id, tx);
  for (const p of targets) {
    ctx.send(p, msg.decisionMessage(id, decision), `${ctx.node} tells ${p} the decision: ${decision} ${id}.`);
  }
  if (awaitingAcks.length === 0) {
    complete(ctx, state, config, id, tx);
    return;
  }
  tx.retries = 0;
  ctx.setTimer(`retry:${id}`, backoff(config.retryDecisionMs, tx.retries), { tx: id });
}

/** The client hears the outcome once it is decided (for COMMIT: once it is force-logged, the commit point). */
export function answerClient(ctx: Context, id: string, tx: CoordinatorTx, again = false): void {
  if (tx.requestId === null || tx.decision === null) return;
  const requestId = tx.requestId;
  tx.requestId = null;
  const outcome = outcomeWord(tx.decision);
  ctx.reply(
    requestId,
    { ok: true, tx: id, outcome },
    again
      ? `${ctx.node} tells the client again that ${id} ${outcome}: it cannot know whether its first answer left before the crash (a client must accept a repeated answer).`
      : `${ctx.node} tells the client that ${id} ${outcome}.`,
  );
}

export function onAck(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  from: string,
  id: string,
  message: Message,
): void {
  const tx = state.transactions[id];
  if (tx === undefined || tx.decision === null || !tx.participants.includes(from)) {
    ctx.explain(`${ctx.node} receives an ACK for ${id} from ${from} that it was not expecting, and ignores it.`);
    return;
  }
  if (message["decision"] !== tx.decision) {
    ctx.explain(
      `${from} acknowledges ${String(message["decision"])} for ${id}, but ${ctx.node} decided ${tx.decision}.`,
    );
    return;
  }
  if (tx.status === "DONE" || tx.acks.includes(from)) {
    ctx.explain(`${ctx.node} already has ${from}'s acknowledgement for ${id}; this one is a repeat.`);
    return;
  }
  tx.acks.push(from);
  const missing = tx.participants.filter((p) => !tx.acks.includes(p));
  if (missing.length > 0) {
    ctx.explain(`${from} acknowledges ${tx.decision} for ${id}; ${ctx.node} still waits for ${listNames(missing)}.`);
    return;
  }
  ctx.explain(`${from} acknowledges ${tx.decision} for ${id}: now every participant knows the outcome.`);
  complete(ctx, state, config, id, tx);
}

/**
 * Bernstein et al. 7.4: once every participant has acknowledged, the coordinator
 * writes an end record (not forced) and may forget the transaction. Under presumed
 * abort an ABORT needs no acknowledgement, so the coordinator forgets it at once.
 */
function complete(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  id: string,
  tx: CoordinatorTx,
): void {
  tx.status = "DONE";
  ctx.cancelTimer(`retry:${id}`);
  const decision = tx.decision ?? "ABORT";
  if (decision === "ABORT" && config.variant === "presumed-abort") {
    delete state.transactions[id];
    ctx.stateChange(
      `${ctx.node} forgets ${id} without waiting for acknowledgements (presumed abort): whoever asks about a transaction it does not know is told ABORT.`,
      factData({ fact: "end", tx: id, outcome: decision, logged: false, forced: false, forgotten: true, acks: [] }),
    );
    return;
  }
  persist(ctx, id, tx);
  ctx.stateChange(
    `${id} is DONE at ${ctx.node}: every participant knows it ${outcomeWord(decision)}, so ${ctx.node} logs its end (no need to force it) and need not remember it any more.`,
    factData({
      fact: "end",
      tx: id,
      outcome: decision,
      logged: true,
      forced: false,
      forgotten: false,
      // A NO voter needs no decision: it is not waited for and sends no ACK.
      acks: tx.participants.filter((p) => tx.acks.includes(p) && tx.votes[p] !== "NO"),
    }),
  );
}

export function onDecisionRequest(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  from: string,
  id: string,
): void {
  const tx = state.transactions[id];
  if (tx === undefined) {
    // Mohan et al. 1986: no information about a transaction means it aborted.
    ctx.explain(
      config.variant === "presumed-abort"
        ? `${from} asks ${ctx.node} about ${id}, which it does not know: under presumed abort a transaction it has no record of was aborted (or never got as far as a COMMIT).`
        : `${from} asks ${ctx.node} about ${id}, which it has no record of: it logs every transaction before asking for votes, so ${id} never reached a decision to commit.`,
    );
    ctx.note(
      `${ctx.node} answers ${from} that ${id} aborted, by presumption.`,
      factData({ fact: "inquiry", tx: id, from, answer: "ABORT", basis: "presumed" }),
    );
    ctx.send(from, msg.decisionMessage(id, "ABORT"), `${ctx.node} answers ${from}: ABORT ${id}.`);
    return;
  }
  if (tx.decision === null) {
    ctx.explain(
      `${from} asks ${ctx.node} for the outcome of ${id}, but ${ctx.node} is still collecting votes: it will tell everyone once it decides.`,
    );
    ctx.note(
      `${ctx.node} has no decision for ${id} yet, so it does not answer ${from}.`,
      factData({ fact: "inquiry", tx: id, from, answer: null, basis: "undecided" }),
    );
    return;
  }
  ctx.explain(`${from} asks ${ctx.node} for the outcome of ${id}; ${ctx.node} has decided ${tx.decision} and answers.`);
  ctx.note(
    `${ctx.node} answers ${from} from its record: ${tx.decision} ${id}.`,
    factData({ fact: "inquiry", tx: id, from, answer: tx.decision, basis: "logged" }),
  );
  ctx.send(from, msg.decisionMessage(id, tx.decision), `${ctx.node} answers ${from}: ${tx.decision} ${id}.`);
}
