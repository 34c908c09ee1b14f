import type { JsonObject } from "../../sim/json";
import { list, verb } from "../../sim/english";
import type { ClientRequest, Context, Durable, Message, TimerFired } from "../../sim/types";
import { factData } from "./facts";
import * as msg from "./messages";
import {
  COORDINATOR_KEY_PREFIX,
  type CoordinatorRecord,
  type CoordinatorState,
  type CoordinatorTx,
  type Decision,
  type TwoPhaseCommitConfig,
  type Vote,
} from "./types";

/** Back-off for repeated sends: the base delay doubled per attempt, at most 8 times the base. */
export function backoff(baseMs: number, attempts: number): number {
  return baseMs * 2 ** Math.min(attempts, 3);
}

/** "p1", "p1 and p2", "p1, p2 and p3" (src/sim/english.ts). */
export const listNames = (names: readonly string[]): string => list(names);

function outcomeWord(decision: Decision): "COMMITTED" | "ABORTED" {
  return decision === "COMMIT" ? "COMMITTED" : "ABORTED";
}

export function initCoordinator(node: string, config: TwoPhaseCommitConfig): CoordinatorState {
  return { role: "coordinator", node, config, transactions: {} };
}

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

function persist(ctx: Context, id: string, tx: CoordinatorTx): void {
  ctx.persist(COORDINATOR_KEY_PREFIX + id, record(tx) as unknown as JsonObject);
}

// ---------------------------------------------------------------- client

export function coordinatorOnClient(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  request: ClientRequest,
): void {
  if (request.op !== "begin") {
    ctx.explain(`${ctx.node} does not know the operation "${request.op}"; two-phase commit only offers begin.`);
    ctx.reply(request.id, { ok: false, error: `unknown operation ${request.op}` }, `${ctx.node} rejects the request.`);
    return;
  }
  const parsed = parseBegin(request.args, config);
  if (typeof parsed === "string") {
    ctx.explain(`${ctx.node} cannot begin this transaction: ${parsed}.`);
    ctx.reply(request.id, { ok: false, error: parsed }, `${ctx.node} tells the client why it cannot begin.`);
    return;
  }
  const { id, participants, keys } = parsed;
  if (state.transactions[id] !== undefined) {
    const error = `transaction ${id} already exists`;
    ctx.explain(`${ctx.node} refuses to begin ${id} a second time: a transaction id names one transaction.`);
    ctx.reply(request.id, { ok: false, error }, `${ctx.node} tells the client that ${id} already exists.`);
    return;
  }
  const tx: CoordinatorTx = {
    status: config.workMs > 0 ? "EXECUTING" : "COLLECTING",
    participants,
    keys,
    votes: Object.fromEntries(participants.map((p) => [p, null])),
    decision: null,
    acks: [],
    requestId: request.id,
    retries: 0,
  };
  state.transactions[id] = tx;
  ctx.explain(`A client asks ${ctx.node} to run transaction ${id} on ${listNames(participants)}.`);
  if (config.variant === "presumed-nothing") {
    // Bernstein et al. 7.4: the coordinator writes a start-2PC record naming the
    // participants before it sends VOTE-REQ, so that after a crash it knows the
    // transaction exists and whom to tell its outcome.
    persist(ctx, id, tx);
    ctx.stateChange(
      `${ctx.node} durably logs the start of ${id} and its participants (${listNames(participants)}), so that a crash cannot make it forget them (presumed nothing).`,
      factData({ fact: "begin", tx: id, participants, logged: true, forced: true, variant: config.variant }),
    );
  } else {
    // Mohan, Lindsay & Obermarck 1986 (presumed abort): nothing is logged before the
    // decision; a crash before it leaves no record, and no record means ABORT.
    ctx.stateChange(
      `${ctx.node} begins ${id} with ${listNames(participants)} and logs nothing yet (presumed abort): if it crashes before deciding, having no record of ${id} will mean ABORT.`,
      factData({ fact: "begin", tx: id, participants, logged: false, forced: false, variant: config.variant }),
    );
  }
  if (config.workMs > 0) {
    for (const p of participants) {
      ctx.send(
        p,
        msg.execute(id, participants, keys[p] ?? []),
        `${ctx.node} asks ${p} to do its part of ${id}'s work (reads and writes, under locks).`,
      );
    }
    ctx.setTimer(`work:${id}`, config.workMs, { tx: id });
    return;
  }
  startPrepare(ctx, id, tx, config);
}

interface BeginArgs {
  readonly id: string;
  readonly participants: string[];
  readonly keys: Record<string, string[]>;
}

function parseBegin(args: JsonObject, config: TwoPhaseCommitConfig): BeginArgs | string {
  const id = args["tx"];
  if (typeof id !== "string" || id.length === 0) return "args.tx must name the transaction, e.g. { tx: t1 }";
  let participants = [...config.participants];
  const named = args["participants"];
  if (named !== undefined) {
    if (!Array.isArray(named) || named.length === 0) return "args.participants must be a non-empty list of nodes";
    const names = msg.stringList(named);
    const unknown = names.filter((p) => !config.participants.includes(p));
    if (names.length !== named.length || unknown.length > 0) {
      return `args.participants may only name participants (${listNames(config.participants)})`;
    }
    if (new Set(names).size !== names.length) return "args.participants names a node twice";
    participants = names;
  }
  const keys: Record<string, string[]> = {};
  const given = args["keys"];
  for (const p of participants) {
    if (given === undefined) keys[p] = [`${id}-rows`];
    else if (Array.isArray(given)) keys[p] = msg.stringList(given);
    else if (typeof given === "object" && given !== null) keys[p] = msg.stringList(given[p]);
    else return "args.keys must be a list of items, or a mapping from participant to its list of items";
  }
  return { id, participants, keys };
}

// ---------------------------------------------------------------- phase one

/** Phase one (Gray 1978, 5.8.3.3; Bernstein et al. 7.3 step 1): ask every participant to prepare and vote. */
function startPrepare(ctx: Context, id: string, tx: CoordinatorTx, config: TwoPhaseCommitConfig): void {
  tx.status = "COLLECTING";
  for (const p of tx.participants) {
    ctx.send(
      p,
      msg.prepare(id, tx.participants, tx.keys[p] ?? []),
      `${ctx.node} asks ${p} to prepare ${id}: can it promise to commit, whatever happens?`,
    );
  }
  ctx.setTimer(`votes:${id}`, config.prepareTimeoutMs, { tx: id });
}

function onVote(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  from: string,
  id: string,
  vote: Vote,
): void {
  const tx = state.transactions[id];
  if (tx === undefined && config.variant === "presumed-abort") {
    // Mohan et al. 1986: a coordinator forgets an aborted transaction at once (and
    // one it never decided, after a crash); a voter that has not heard ABORT asks, and hears ABORT.
    ctx.explain(
      `${from}'s ${vote} vote for ${id} reaches ${ctx.node}, which does not know ${id}: under presumed abort that means ${id} aborted (it was forgotten, or its coordinator crashed before deciding); ${from} will hear ABORT, or ask and be told ABORT.`,
    );
    return;
  }
  if (tx === undefined || !tx.participants.includes(from)) {
    ctx.explain(
      `${ctx.node} receives ${from}'s ${vote} vote for ${id}, a transaction it has no record of, and ignores it.`,
    );
    return;
  }
  if (tx.status !== "COLLECTING") {
    const why =
      tx.decision === null ? "it has not asked for votes yet" : `it has already decided ${tx.decision} for ${id}`;
    ctx.explain(`${from}'s ${vote} vote for ${id} reaches ${ctx.node} too late to matter: ${why}.`);
    return;
  }
  tx.votes[from] = vote;
  if (vote === "NO") {
    // Bernstein et al. 7.3 (AC3/AC4): one NO vote means the decision must be ABORT.
    ctx.explain(`${ctx.node} receives ${from}'s NO vote for ${id}: one NO is enough to abort the whole transaction.`);
    decide(ctx, state, config, id, tx, "ABORT", `${from} voted NO`);
    return;
  }
  const missing = tx.participants.filter((p) => tx.votes[p] !== "YES");
  if (missing.length > 0) {
    ctx.explain(
      `${ctx.node} records ${from}'s YES vote for ${id}; it still waits for ${listNames(missing)} before it can decide.`,
    );
    return;
  }
  ctx.explain(
    `${ctx.node} receives ${from}'s YES vote for ${id}: every participant has voted YES, so ${id} can commit.`,
  );
  decide(ctx, state, config, id, tx, "COMMIT", "every participant voted YES");
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
function decide(
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
function answerClient(ctx: Context, id: string, tx: CoordinatorTx, again = false): void {
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

function onAck(
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
      factData({ fact: "end", tx: id, outcome: decision, logged: false, forced: false, forgotten: true }),
    );
    return;
  }
  persist(ctx, id, tx);
  ctx.stateChange(
    `${id} is DONE at ${ctx.node}: every participant knows it ${outcomeWord(decision)}, so ${ctx.node} logs its end (no need to force it) and need not remember it any more.`,
    factData({ fact: "end", tx: id, outcome: decision, logged: true, forced: false, forgotten: false }),
  );
}

function onDecisionRequest(
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

export function coordinatorOnMessage(
  ctx: Context,
  state: CoordinatorState,
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
    case "VOTE_YES":
      onVote(ctx, state, config, from, id, "YES");
      return;
    case "VOTE_NO":
      onVote(ctx, state, config, from, id, "NO");
      return;
    case "ACK":
      onAck(ctx, state, config, from, id, message);
      return;
    case "DECISION_REQUEST":
      onDecisionRequest(ctx, state, config, from, id);
      return;
    default:
      ctx.explain(`${ctx.node} is the coordinator; a ${message.type} is not meant for it, so it ignores it.`);
  }
}

// ---------------------------------------------------------------- timers

export function coordinatorOnTimer(
  ctx: Context,
  state: CoordinatorState,
  config: TwoPhaseCommitConfig,
  timer: TimerFired,
): void {
  const [kind, id = ""] = splitTimer(timer.name);
  const tx = state.transactions[id];
  if (tx === undefined) {
    ctx.explain(`${ctx.node}'s ${timer.name} timer fires, but it has no record of that transaction: nothing to do.`);
    return;
  }
  if (kind === "work" && tx.status === "EXECUTING") {
    ctx.explain(`The participants have had ${config.workMs} ms to do ${id}'s work; ${ctx.node} starts phase one.`);
    startPrepare(ctx, id, tx, config);
    return;
  }
  if (kind === "votes" && tx.status === "COLLECTING") {
    const missing = tx.participants.filter((p) => tx.votes[p] === null);
    // Bernstein et al. 7.3, timeout actions: a coordinator waiting for votes may decide ABORT.
    ctx.explain(
      `${ctx.node} has waited ${config.prepareTimeoutMs} ms for votes on ${id} and ${listNames(missing)} never answered; a missing vote counts as NO, so ${ctx.node} aborts.`,
    );
    decide(ctx, state, config, id, tx, "ABORT", `no vote from ${listNames(missing)} in time`);
    return;
  }
  if (kind === "retry" && tx.decision !== null && tx.status !== "DONE") {
    const unacked = tx.participants.filter((p) => !tx.acks.includes(p));
    ctx.explain(
      `${listNames(unacked)} ${verb(unacked.length, "has")} not acknowledged ${tx.decision} for ${id}; ${ctx.node} must finish what it decided, so it sends the decision again.`,
    );
    for (const p of unacked) {
      ctx.send(
        p,
        msg.decisionMessage(id, tx.decision),
        `${ctx.node} repeats the decision to ${p}: ${tx.decision} ${id}.`,
      );
    }
    tx.retries += 1;
    ctx.setTimer(`retry:${id}`, backoff(config.retryDecisionMs, tx.retries), { tx: id });
    return;
  }
  ctx.explain(`${ctx.node}'s ${timer.name} timer fires, but ${id} has moved on (it is ${tx.status}): nothing to do.`);
}

export function splitTimer(name: string): [string, string | undefined] {
  const colon = name.indexOf(":");
  return colon < 0 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

// ---------------------------------------------------------------- recovery

/**
 * Coordinator recovery (Bernstein et al. 7.4, recovery rules; Mohan et al. 1986):
 * with a decision in its log it sends that decision again until everyone
 * acknowledges, and answers the client again (the answer may have died with it).
 * Under presumed nothing, a start record without a decision means it decides ABORT
 * (no participant can have been told COMMIT, because COMMIT is logged before it is
 * sent). Under presumed abort there is no start record: a transaction the log does
 * not mention is simply forgotten, and anyone who asks is told ABORT.
 */
export function recoverCoordinator(ctx: Context, config: TwoPhaseCommitConfig, durable: Durable): CoordinatorState {
  const state = initCoordinator(ctx.node, config);
  const pending: { id: string; tx: CoordinatorTx; record: CoordinatorRecord }[] = [];
  for (const [key, value] of durable) {
    if (!key.startsWith(COORDINATOR_KEY_PREFIX)) continue;
    const id = key.slice(COORDINATOR_KEY_PREFIX.length);
    const saved = value as unknown as CoordinatorRecord;
    const tx: CoordinatorTx = {
      status: saved.done ? "DONE" : saved.decision === "COMMIT" ? "COMMITTING" : "ABORTING",
      participants: [...saved.participants],
      keys: saved.keys,
      votes: Object.fromEntries(saved.participants.map((p) => [p, null])),
      decision: saved.decision,
      acks: saved.done ? [...saved.participants] : [],
      requestId: saved.done ? null : saved.requestId,
      retries: 0,
    };
    state.transactions[id] = tx;
    if (!saved.done) pending.push({ id, tx, record: saved });
  }
  const parts = pending.map(({ id, record: saved }) =>
    saved.decision === null
      ? `${id} began but has no decision, so it presumes ABORT`
      : `${id} was decided ${saved.decision}, so it tells the participants again`,
  );
  const forgotten =
    config.variant === "presumed-abort"
      ? " Under presumed abort it logged nothing before deciding, so any transaction its log does not mention is presumed aborted."
      : "";
  ctx.explain(
    parts.length === 0
      ? `${ctx.node} restarts and reads its log: no transaction is left unfinished.${forgotten}`
      : `${ctx.node} restarts and reads its log: ${parts.join("; ")}.${forgotten}`,
  );
  for (const { id, tx } of pending) {
    if (tx.decision === null) {
      decide(
        ctx,
        state,
        config,
        id,
        tx,
        "ABORT",
        "it crashed before deciding, and a transaction without a logged decision is presumed aborted",
      );
      continue;
    }
    // It cannot know whether its answer reached the client before the crash: it answers again.
    answerClient(ctx, id, tx, true);
    for (const p of tx.participants) {
      ctx.send(
        p,
        msg.decisionMessage(id, tx.decision),
        `${ctx.node}, back from its crash, repeats its logged decision to ${p}: ${tx.decision} ${id}.`,
      );
    }
    ctx.setTimer(`retry:${id}`, backoff(config.retryDecisionMs, tx.retries), { tx: id });
  }
  return state;
}
