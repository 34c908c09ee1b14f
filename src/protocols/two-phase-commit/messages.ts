import type { Message } from "../../sim/types";
import type { Decision } from "./types";

/**
 * The messages of two-phase commit. Bernstein et al. (7.3) call PREPARE "VOTE-REQ";
 * we keep the name most textbooks and databases use. EXECUTE only appears when the
 * scenario gives the transaction's own work a duration (config.workMs > 0).
 */
export const MESSAGE_TYPES = [
  "EXECUTE",
  "PREPARE",
  "VOTE_YES",
  "VOTE_NO",
  "COMMIT",
  "ABORT",
  "ACK",
  "DECISION_REQUEST",
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export function execute(tx: string, participants: readonly string[], keys: readonly string[]): Message {
  return { type: "EXECUTE", tx, participants: [...participants], keys: [...keys] };
}

export function prepare(tx: string, participants: readonly string[], keys: readonly string[]): Message {
  return { type: "PREPARE", tx, participants: [...participants], keys: [...keys] };
}

export function voteYes(tx: string): Message {
  return { type: "VOTE_YES", tx };
}

export function voteNo(tx: string, reason: string): Message {
  return { type: "VOTE_NO", tx, reason };
}

export function decisionMessage(tx: string, decision: Decision): Message {
  return { type: decision, tx };
}

export function ack(tx: string, decision: Decision): Message {
  return { type: "ACK", tx, decision };
}

export function decisionRequest(tx: string): Message {
  return { type: "DECISION_REQUEST", tx };
}

/** The transaction a message is about, or undefined for a malformed one. */
export function txOf(message: Message): string | undefined {
  const tx = message["tx"];
  return typeof tx === "string" ? tx : undefined;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** "VOTE_YES(t1)": how summaries name a message. */
export function describe(message: Message): string {
  const tx = txOf(message);
  return tx === undefined ? message.type : `${message.type}(${tx})`;
}
