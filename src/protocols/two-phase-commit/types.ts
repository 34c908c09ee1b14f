/**
 * Types of the two-phase commit protocol (Gray 1978, "Notes on Data Base Operating
 * Systems", section 5.8.3.3; Bernstein, Hadzilacos & Goodman 1987, "Concurrency
 * Control and Recovery in Database Systems", chapter 7, sections 7.3 and 7.4).
 *
 * The checkers in ./checkers.ts read these shapes (live states, and the
 * durable records of crashed nodes); they never call the handlers.
 */

import type { TxJournal } from "./journal";

export type Vote = "YES" | "NO";
export type Decision = "COMMIT" | "ABORT";

/**
 * A participant's view of one transaction.
 * ACTIVE: doing its part of the work, has not voted (it may still abort on its own).
 * PREPARED: voted YES and logged it; uncertain and blocked until it learns the decision.
 * COMMITTED / ABORTED: it knows the outcome.
 */
export type ParticipantStatus = "ACTIVE" | "PREPARED" | "COMMITTED" | "ABORTED";

/**
 * The coordinator's view of one transaction.
 * EXECUTING: participants are doing the transaction's work (only when config.workMs > 0).
 * COLLECTING: PREPARE sent, waiting for votes. COMMITTING / ABORTING: the decision is
 * logged and being delivered until every participant acknowledges it. DONE: all acked.
 */
export type CoordinatorStatus = "EXECUTING" | "COLLECTING" | "COMMITTING" | "ABORTING" | "DONE";

export interface TwoPhaseCommitConfig {
  readonly coordinator: string;
  /** Nodes that take part in transactions (default: every node but the coordinator). */
  readonly participants: readonly string[];
  /** How each participant votes on PREPARE (default YES); a scenario makes one vote NO. */
  readonly votes: Readonly<Record<string, Vote>>;
  /** Participant: how long it waits for PREPARE after starting a transaction's work before aborting on its own. */
  readonly voteTimeoutMs: number;
  /** Coordinator: how long it waits for every vote after sending PREPARE before deciding ABORT. */
  readonly prepareTimeoutMs: number;
  /** Coordinator: the first wait before re-sending the decision to participants that have not acknowledged it. */
  readonly retryDecisionMs: number;
  /** Participant: the first wait, once prepared, before asking for the decision (DECISION_REQUEST). */
  readonly decisionRequestMs: number;
  /** How long the transaction's own work (reads, writes) takes before PREPARE; 0 sends PREPARE at once. */
  readonly workMs: number;
  /** Blocked participants also ask each other (Bernstein et al. 7.4, the cooperative termination protocol). */
  readonly cooperativeTermination: boolean;
}

export interface ParticipantTx {
  status: ParticipantStatus;
  vote: Vote | null;
  /** The locks this participant holds for the transaction (released when it commits or aborts). */
  locks: string[];
  /** Every participant of the transaction, as PREPARE named them (for cooperative termination). */
  participants: string[];
  /** How many times it has asked for the decision while prepared (drives the back-off). */
  decisionRequests: number;
}

export interface CoordinatorTx {
  status: CoordinatorStatus;
  participants: string[];
  /** The items each participant locks, by participant. */
  keys: Record<string, string[]>;
  /** Votes received in this incarnation; null: not received. */
  votes: Record<string, Vote | null>;
  decision: Decision | null;
  /** Participants that have acknowledged the decision. */
  acks: string[];
  /** The client request that began the transaction, answered when it is DONE. */
  requestId: string | null;
  /** Re-sends of the decision so far (drives the back-off). */
  retries: number;
}

export interface CoordinatorState {
  readonly role: "coordinator";
  readonly node: string;
  /** The scenario's config, kept with the state because handlers receive only the state (not shown in views). */
  readonly config: TwoPhaseCommitConfig;
  readonly transactions: Record<string, CoordinatorTx>;
  /** Notes every change to `transactions` for the checkers (src/protocols/two-phase-commit/journal.ts); absent in a hand-built state. */
  readonly journal?: TxJournal;
}

export interface ParticipantState {
  readonly role: "participant";
  readonly node: string;
  readonly config: TwoPhaseCommitConfig;
  readonly coordinator: string;
  readonly transactions: Record<string, ParticipantTx>;
  /** Notes every change to `transactions` for the checkers (src/protocols/two-phase-commit/journal.ts); absent in a hand-built state. */
  readonly journal?: TxJournal;
  /** Lock table: item -> transaction holding it. */
  readonly locks: Record<string, string>;
}

/** A node the config leaves out of every transaction: it ignores 2PC messages. */
export interface BystanderState {
  readonly role: "bystander";
  readonly node: string;
}

export type TwoPhaseCommitState = CoordinatorState | ParticipantState | BystanderState;

/** Durable key prefixes: one record per transaction, overwritten as it advances (a log record's latest form). */
export const COORDINATOR_KEY_PREFIX = "coord:";
export const PARTICIPANT_KEY_PREFIX = "tx:";

/** The coordinator's durable record of a transaction (Bernstein et al. 7.4: start-2PC, then commit/abort, then end). */
export interface CoordinatorRecord {
  readonly participants: string[];
  readonly keys: Record<string, string[]>;
  readonly requestId: string | null;
  readonly decision: Decision | null;
  readonly done: boolean;
}

/** A participant's durable record of a transaction (its "yes" record holds what it needs to commit later). */
export interface ParticipantRecord {
  readonly status: ParticipantStatus;
  readonly vote: Vote | null;
  readonly locks: string[];
  readonly participants: string[];
}
