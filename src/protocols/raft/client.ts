import type { Json, JsonObject } from "../../sim/json";
import { list, plural, verb } from "../../sim/english";
import type { ClientRequest, Context } from "../../sim/types";
import {
  answerReadyReads,
  lastIndex,
  majority,
  moveCommitIndex,
  persistLogFrom,
  READ_TIMER_PREFIX,
  termAt,
} from "./common";
import { describeCommand, show } from "./messages";
import { commitDecision, confirmReads, replicateNewEntries } from "./replication";
import { READ_MODES, type Command, type RaftState, type ReadMode } from "./types";

/** Client operations (section 8): put and cas are writes; get is a read, served as config.reads or args.read says. */
export const OPERATIONS = ["put", "get", "cas"] as const;

/** Turns a request into a command, or says what is wrong with it. */
function parseCommand(request: ClientRequest): { command: Command } | { error: string } {
  const args: JsonObject = request.args;
  const key = args["key"];
  if (typeof key !== "string" || key.length === 0) return { error: `${request.op} needs args.key, a non-empty string` };
  switch (request.op) {
    case "put": {
      if (!("value" in args)) return { error: "put needs args.value" };
      return { command: { op: "put", key, value: args["value"] as Json } };
    }
    case "cas": {
      if (!("value" in args) || !("expected" in args)) return { error: "cas needs args.expected and args.value" };
      return { command: { op: "cas", key, expected: args["expected"] as Json, value: args["value"] as Json } };
    }
    case "get":
      return { command: { op: "get", key } };
    default:
      return { error: `unknown operation ${request.op}; Raft accepts ${OPERATIONS.join(", ")}` };
  }
}

function readModeOf(request: ClientRequest, state: RaftState): ReadMode | { error: string } {
  const mode = request.args["read"];
  if (mode === undefined) return state.config.reads;
  if (typeof mode === "string" && (READ_MODES as readonly string[]).includes(mode)) return mode as ReadMode;
  return { error: `args.read must be one of ${READ_MODES.join(", ")}` };
}

export function onClientRequest(ctx: Context, state: RaftState, request: ClientRequest): void {
  const parsed = parseCommand(request);
  if ("error" in parsed) {
    ctx.explain(`${state.node} cannot serve the client's ${request.op}: ${parsed.error}.`);
    ctx.reply(request.id, { ok: false, error: parsed.error }, `${state.node} rejects a malformed request.`);
    return;
  }
  const command = parsed.command;
  let mode: ReadMode | undefined;
  if (command.op === "get") {
    const chosen = readModeOf(request, state);
    if (typeof chosen === "object") {
      ctx.explain(`${state.node} cannot serve the client's get: ${chosen.error}.`);
      ctx.reply(request.id, { ok: false, error: chosen.error }, `${state.node} rejects a malformed request.`);
      return;
    }
    mode = chosen;
    if (mode === "local") {
      localRead(ctx, state, request, command.key);
      return;
    }
  }

  // Section 8: "Clients of Raft send all of their requests to the leader." A follower redirects.
  if (state.role !== "leader") {
    redirect(ctx, state, request, describeCommand(command));
    return;
  }
  if (command.op === "get" && mode === "readIndex") {
    startReadIndex(ctx, state, request, command.key);
    return;
  }
  appendClientEntry(ctx, state, request, command);
}

function redirect(ctx: Context, state: RaftState, request: ClientRequest, what: string): void {
  const role = `${state.node} is a ${state.role} in term ${state.currentTerm}`;
  if (state.leader !== null && state.leader !== state.node) {
    ctx.explain(
      `${role}, so it does not serve the client's ${what}; it points the client to ${state.leader}, the leader it knows (section 8).`,
    );
    ctx.reply(
      request.id,
      { ok: false, error: "not the leader", redirect: state.leader },
      `${state.node} redirects the client to ${state.leader}.`,
    );
    return;
  }
  ctx.explain(`${role} and knows no leader, so it cannot serve the client's ${what}; the client must try again later.`);
  ctx.reply(
    request.id,
    { ok: false, error: "no leader known" },
    `${state.node} tells the client that no leader is known right now.`,
  );
}

/** Section 8: the leader appends the command to its log and answers after the entry is committed and applied. */
function appendClientEntry(ctx: Context, state: RaftState, request: ClientRequest, command: Command): void {
  state.log.push({ term: state.currentTerm, command });
  const index = lastIndex(state);
  persistLogFrom(ctx, state, index);
  state.pendingWrites.set(index, { requestId: request.id, term: state.currentTerm });
  const what = command.op === "get" ? "read (through the log)" : "command";
  ctx.explain(
    `${state.node}, leader of term ${state.currentTerm}, takes the client's ${what} ${describeCommand(command)}: it will answer once entry ${index} is committed (section 8).`,
  );
  ctx.stateChange(
    `${state.node} appends entry ${index} (term ${state.currentTerm}): ${describeCommand(command)}, for client request ${request.id}.`,
    { event: "clientAppend", index, term: state.currentTerm, command: command as Json, request: request.id },
  );
  const decision = commitDecision(state);
  if (decision?.commit) moveCommitIndex(ctx, state, decision.replicated, decision.reason);
  replicateNewEntries(ctx, state);
}

/**
 * ReadIndex (Ongaro's thesis, section 6.4; section 8 of the paper): the leader records
 * its commitIndex as the read index, confirms it is still leader with a round of
 * heartbeats to a majority, and answers once it has applied through the read index.
 * If it cannot confirm in readIndexTimeoutMs, it refuses rather than risk a stale answer.
 */
function startReadIndex(ctx: Context, state: RaftState, request: ClientRequest, key: string): void {
  const committedInTerm = termAt(state, state.commitIndex) === state.currentTerm;
  ctx.explain(
    committedInTerm
      ? `${state.node}, leader of term ${state.currentTerm}, serves the read of ${key} with ReadIndex: the read index is its commitIndex ${state.commitIndex}, and it first checks with a majority (${majority(state)} of ${state.peers.length + 1}) that it is still the leader (Ongaro's thesis, section 6.4).`
      : `${state.node}, leader of term ${state.currentTerm}, serves the read of ${key} with ReadIndex, but it has not yet committed an entry of its own term, so it does not yet know the latest commit index; the read waits for that first (section 8).`,
  );
  state.pendingReads.push({ requestId: request.id, key, readIndex: null, round: null, confirmed: false });
  ctx.setTimer(READ_TIMER_PREFIX + request.id, state.config.readIndexTimeoutMs, request.id);
  confirmReads(ctx, state);
}

/** The ReadIndex timer: the leadership check did not succeed in time, so the leader refuses. */
export function onReadTimeout(ctx: Context, state: RaftState, requestId: string): void {
  const read = state.pendingReads.find((item) => item.requestId === requestId);
  if (read === undefined) {
    ctx.explain(`${state.node}'s timer for read ${requestId} fires, but that read is already answered.`);
    return;
  }
  state.pendingReads = state.pendingReads.filter((item) => item !== read);
  const round = read.round;
  const heard = round === null ? [] : state.peers.filter((peer) => (state.ackedRound.get(peer) ?? 0) >= round);
  const reason = read.confirmed
    ? `it has not applied through the read index ${read.readIndex} yet`
    : read.round === null
      ? `it never committed an entry of its term ${state.currentTerm}, so it never learned a safe read index`
      : `only ${1 + heard.length} of the ${plural(majority(state), "server")} it needs (${list([state.node, ...heard])}) ${verb(1 + heard.length, "has")} confirmed that it is still the leader`;
  ctx.explain(
    `${state.node} refuses the ReadIndex read of ${read.key} after ${state.config.readIndexTimeoutMs} ms: ${reason}, so a newer leader might exist and its data might be stale.`,
  );
  ctx.reply(
    requestId,
    { ok: false, error: "could not confirm leadership", mode: "readIndex" },
    `${state.node} refuses the read of ${read.key} rather than risk a stale answer.`,
  );
  answerReadyReads(ctx, state);
}

/** A naive local read: any node answers from its own state machine, which may be behind (the stale read). */
function localRead(ctx: Context, state: RaftState, request: ClientRequest, key: string): void {
  const value = state.stateMachine.get(key);
  ctx.explain(
    `${state.node} (${state.role}, term ${state.currentTerm}) serves the read of ${key} locally, without asking anyone: it has applied entries through ${state.lastApplied}, and it cannot know whether a newer leader has committed more.`,
  );
  ctx.reply(
    request.id,
    { ok: true, key, value: value ?? null, mode: "local", lastApplied: state.lastApplied },
    `${state.node} answers the local read: ${key} = ${show(value)} (possibly stale: no leader or majority was consulted).`,
  );
}
