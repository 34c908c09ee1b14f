import type { Json } from "../../sim/json";
import { plural } from "../../sim/english";
import type { Message } from "../../sim/types";
import type { Command, Entry } from "./types";

/**
 * Raft's two RPCs and their replies (Figure 2). The core carries messages, not calls,
 * so each RPC is a request message and a response message. Two fields go beyond
 * Figure 2: AppendEntries carries a heartbeat `round` that its response echoes (the
 * ReadIndex leadership check of Ongaro's thesis, section 6.4), and a rejection names
 * its reason and the prevLogIndex it was about, so a stale rejection cannot make the
 * leader back off twice.
 */
export const MESSAGE_TYPES = [
  "REQUEST_VOTE",
  "REQUEST_VOTE_RESPONSE",
  "APPEND_ENTRIES",
  "APPEND_ENTRIES_RESPONSE",
] as const;

export interface RequestVote {
  readonly type: "REQUEST_VOTE";
  readonly term: number;
  readonly candidateId: string;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface RequestVoteResponse {
  readonly type: "REQUEST_VOTE_RESPONSE";
  readonly term: number;
  readonly voteGranted: boolean;
  /** Why, in words, for the candidate's explanation. */
  readonly reason: string;
}

export interface AppendEntries {
  readonly type: "APPEND_ENTRIES";
  readonly term: number;
  readonly leaderId: string;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly leaderCommit: number;
  readonly round: number;
}

export type RejectReason = "staleTerm" | "missingEntry" | "termMismatch" | "notFollower";

export interface AppendEntriesResponse {
  readonly type: "APPEND_ENTRIES_RESPONSE";
  readonly term: number;
  readonly success: boolean;
  /** On success: the index of the last entry known to match the leader's log. */
  readonly matchIndex: number;
  /** The prevLogIndex of the AppendEntries being answered. */
  readonly prevLogIndex: number;
  readonly round: number;
  readonly reason: RejectReason | null;
}

export type RaftMessage = RequestVote | RequestVoteResponse | AppendEntries | AppendEntriesResponse;

/** Messages travel as JSON; this narrows one back to its Raft shape, or undefined if malformed. */
export function asRaftMessage(message: Message): RaftMessage | undefined {
  const num = (key: string): boolean => typeof message[key] === "number";
  switch (message.type) {
    case "REQUEST_VOTE":
      return num("term") && typeof message["candidateId"] === "string" && num("lastLogIndex") && num("lastLogTerm")
        ? (message as unknown as RequestVote)
        : undefined;
    case "REQUEST_VOTE_RESPONSE":
      return num("term") && typeof message["voteGranted"] === "boolean"
        ? (message as unknown as RequestVoteResponse)
        : undefined;
    case "APPEND_ENTRIES":
      return num("term") &&
        typeof message["leaderId"] === "string" &&
        num("prevLogIndex") &&
        num("prevLogTerm") &&
        Array.isArray(message["entries"]) &&
        num("leaderCommit")
        ? (message as unknown as AppendEntries)
        : undefined;
    case "APPEND_ENTRIES_RESPONSE":
      return num("term") && typeof message["success"] === "boolean" && num("matchIndex") && num("prevLogIndex")
        ? (message as unknown as AppendEntriesResponse)
        : undefined;
    default:
      return undefined;
  }
}

/** The core's Message type, for ctx.send. */
export function toMessage(message: RaftMessage): Message {
  return message as unknown as Message;
}

/** "put x = 1", "cas x: 1 -> 2", "get x", "no-op": how explanations name a command. */
export function describeCommand(command: Command): string {
  switch (command.op) {
    case "put":
      return `put ${command.key} = ${show(command.value)}`;
    case "cas":
      return `cas ${command.key}: ${show(command.expected)} -> ${show(command.value)}`;
    case "get":
      return `get ${command.key}`;
    case "noop":
      return "no-op";
  }
}

export function show(value: Json | undefined): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

/** How summaries name a message, e.g. "AppendEntries(term 2, prev 3/1, 2 entries, commit 3)". */
export function describe(message: Message): string {
  const raft = asRaftMessage(message);
  if (raft === undefined) return message.type;
  switch (raft.type) {
    case "REQUEST_VOTE":
      return `RequestVote(term ${raft.term}, last entry ${raft.lastLogIndex}/term ${raft.lastLogTerm})`;
    case "REQUEST_VOTE_RESPONSE":
      return `RequestVoteResponse(term ${raft.term}, ${raft.voteGranted ? "granted" : "refused"})`;
    case "APPEND_ENTRIES": {
      const count = raft.entries.length;
      const what = count === 0 ? "heartbeat" : plural(count, "entry");
      return `AppendEntries(term ${raft.term}, prev ${raft.prevLogIndex}/term ${raft.prevLogTerm}, ${what}, commit ${raft.leaderCommit})`;
    }
    case "APPEND_ENTRIES_RESPONSE":
      return raft.success
        ? `AppendEntriesResponse(term ${raft.term}, success, match ${raft.matchIndex})`
        : `AppendEntriesResponse(term ${raft.term}, rejected at prev ${raft.prevLogIndex})`;
  }
}
