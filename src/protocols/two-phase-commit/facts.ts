import type { JsonObject } from "../../sim/json";
import type { Decision, ParticipantStanding, Variant, Vote } from "./types";

/**
 * The `data` of every STATE_CHANGE and NOTE event two-phase commit writes: the facts
 * its sentence states, as stable fields (documented in the README, "Two-phase
 * commit"). Tests, expectations, grading and the safety checkers (./checkers.ts) read
 * these; the sentences are for people only. Every fact names its `tx` and what it is
 * (`fact`). SEND, DELIVER and DROP events carry the message itself (`data.message`:
 * PREPARE, VOTE_YES, VOTE_NO with its `reason`, COMMIT, ABORT, ACK with its
 * `decision`, DECISION_REQUEST), and CLIENT_RETURN the client's answer
 * (`data.result`: { ok, tx, outcome: COMMITTED | ABORTED }).
 */
export type TwoPhaseCommitFact =
  /** Coordinator: a transaction begins (logged: whether a start record was written, forced: whether it was forced to disk). */
  | {
      fact: "begin";
      tx: string;
      participants: string[];
      logged: boolean;
      forced: boolean;
      variant: Variant;
    }
  /** Coordinator: the decision, with why; logged/forced say what its log holds (presumed abort logs no ABORT). */
  | {
      fact: "decision";
      tx: string;
      outcome: Decision;
      why: string;
      logged: boolean;
      forced: boolean;
      variant: Variant;
      participants: string[];
      /** Whom it waits for: the participants that must acknowledge (none for ABORT under presumed abort). */
      awaitingAcks: string[];
      /** The votes the coordinator had when it decided (null: none from that participant). */
      votes: Record<string, Vote | null>;
    }
  /** Coordinator: every acknowledgement is in (`acks`: who acknowledged; none under presumed abort's ABORT); forgotten: it keeps nothing of the transaction. */
  | {
      fact: "end";
      tx: string;
      outcome: Decision;
      logged: boolean;
      forced: boolean;
      forgotten: boolean;
      acks: string[];
    }
  /** Participant: starts its part of the work (before voting). */
  | { fact: "work"; tx: string; state: "active"; locks: string[] }
  /** Participant: its vote, with why; a YES voter is uncertain, a NO voter has aborted. */
  | {
      fact: "vote";
      tx: string;
      vote: Vote;
      why: string;
      state: "uncertain" | "aborted";
      logged: boolean;
      forced: boolean;
      locks: string[];
    }
  /** Participant: aborts on its own, without having voted YES (why: its reason). */
  | { fact: "unilateral-abort"; tx: string; state: "aborted"; why: string }
  /** Participant: a restart finds a YES record without a decision: uncertain again, locks retaken. */
  | { fact: "recovered"; tx: string; state: "uncertain"; locks: string[] }
  /** Participant: its timeout fired after it had asked (`requests` times so far) whom it could (`asked`), and nobody told it the decision. */
  | { fact: "blocked"; tx: string; state: "blocked"; asked: string[]; requests: number }
  /** Participant: learns the decision (from the coordinator or, under cooperative termination, a peer). */
  | {
      fact: "outcome";
      tx: string;
      state: "committed" | "aborted";
      outcome: Decision;
      from: string;
      fromPeer: boolean;
      /** Its standing just before: uncertain, blocked, or active (never voted). */
      was: ParticipantStanding;
      logged: boolean;
      forced: boolean;
      /** Whether it acknowledges to the coordinator (no ABORT is acknowledged under presumed abort). */
      acks: boolean;
    }
  /**
   * A termination-protocol query and its answer (Bernstein et al. 7.4; Mohan et al.
   * 1986 for the presumption): at the node asked, `from` asked how `tx` ended.
   * answer: COMMIT or ABORT, or null when this node cannot tell.
   * basis: logged (its log or memory holds the decision), presumed (it has no record,
   * so ABORT), undecided (the coordinator is still collecting votes), uncertain (a
   * peer that voted YES knows no more than the asker), unilateral (a peer that had not
   * voted aborts on the spot and answers ABORT).
   */
  | {
      fact: "inquiry";
      tx: string;
      from: string;
      answer: Decision | null;
      basis: "logged" | "presumed" | "undecided" | "uncertain" | "unilateral";
    };

/** A fact as an event's `data` (the union above is the documented shape). */
export function factData(fact: TwoPhaseCommitFact): JsonObject {
  return fact as unknown as JsonObject;
}
