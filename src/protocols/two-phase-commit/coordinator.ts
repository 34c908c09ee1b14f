import type { JsonObject } from "../../sim/json";
import { verb } from "../../sim/english";
import type { ClientRequest, Context, Message, TimerFired } from "../../sim/types";
import { backoff, listNames, splitTimer } from "./common";
import { decide, onAck, onDecisionRequest, persist } from "./coordinator-decision";
import { factData } from "./facts";
import * as msg from "./messages";
import type { CoordinatorState, CoordinatorTx, TwoPhaseCommitConfig, Vote } from "./types";

export function initCoordinator(node: string, config: TwoPhaseCommitConfig): CoordinatorState {
  return { role: "coordinator", node, config, transactions: {} };
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
