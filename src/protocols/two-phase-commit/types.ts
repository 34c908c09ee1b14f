/**
 * Types of the two-phase commit protocol (Gray 1978, "Notes on Data Base Operating
 * Systems", section 5.8.3.3; Bernstein, Hadzilacos & Goodman 1987, "Concurrency
 * Control and Recovery in Database Systems", chapter 7, sections 7.3 and 7.4).
 *
 * The checkers (./checkers.ts) judge the trace: the facts every event's `data`
 * carries (./facts.ts), and at the end of a run the nodes' states; they never call
 * the handlers.
 */

export type Vote = "YES" | "NO";
export type Decision = "COMMIT" | "ABORT";

/**
 * How the coordinator logs and whom it waits for (Mohan, Lindsay & Obermarck 1986,
 * "Transaction Management in the R* Distributed Database Management System", section 3).
 * presumed-abort: nothing is logged before the decision; COMMIT is force-logged and
 * acknowledged; ABORT is neither force-logged nor acknowledged, and the coordinator
 * forgets an aborted transaction at once: an inquiry about a transaction it does not
 * know is answered ABORT. presumed-nothing: the coordinator force-logs the start of
 * every transaction and both decisions, and waits for every acknowledgement, ABORT included.
 */
export type Variant = "presumed-abort" | "presumed-nothing";
export const VARIANTS: readonly Variant[] = ["presumed-abort", "presumed-nothing"];

/**
 * Where a participant stands on one transaction (Bernstein, Hadzilacos & Goodman
 * 1987, 7.3): active (working, has not voted, may still abort on its own); uncertain
 * (voted YES, does not know the decision yet: the normal wait of every YES voter);
 * blocked (uncertain, and a failure keeps it from learning the decision: its timeout
 * fired, it asked, and nobody could tell it); committed; aborted.
 */
export type ParticipantStanding = "active" | "uncertain" | "blocked" | "committed" | "aborted";

/**
 * A participant's view of one transaction.
 * ACTIVE: doing its part of the work, has not voted (it may still abort on its own).
 * PREPARED: voted YES and logged it; uncertain until it learns the decision (blocked
 * while a failure keeps the decision from it: see ParticipantTx.blocked).
 * COMMITTED / ABORTED: it knows the outcome.
 */
export type ParticipantStatus = "ACTIVE" | "PREPARED" | "COMMITTED" | "ABORTED";

/**
 * The coordinator's view of one transaction.
 * EXECUTING: participants are doing the transaction's work (only when config.workMs > 0).
 * COLLECTING: PREPARE sent, waiting for votes. COMMITTING / ABORTING: the decision is
 * made and being delivered until every participant acknowledges it (presumed abort
 * waits for no ABORT acknowledgement: it forgets the transaction instead). DONE: all acked.
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
  /** Presumed abort (the default) or presumed nothing: see Variant. */
  readonly variant: Variant;
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
  /**
   * Uncertain, and a failure keeps it from the decision: a decision timer fired after
   * it had already asked, and nobody answered (volatile: a restart makes it uncertain again).
   */
  blocked: boolean;
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
  /** The client request that began the transaction, answered at the decision (the commit point for COMMIT). */
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
}

export interface ParticipantState {
  readonly role: "participant";
  readonly node: string;
  readonly config: TwoPhaseCommitConfig;
  readonly coordinator: string;
  readonly transactions: Record<string, ParticipantTx>;
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
