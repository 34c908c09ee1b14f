import type { Json } from "../sim/json";
import type { Checker, CheckerStep, CheckerViolation, Durable } from "../sim/types";
import {
  COORDINATOR_KEY_PREFIX,
  PARTICIPANT_KEY_PREFIX,
  type CoordinatorRecord,
  type Decision,
  type ParticipantRecord,
  type ParticipantStatus,
  type TwoPhaseCommitState,
  type Vote,
} from "../protocols/two-phase-commit/types";

/**
 * Safety properties of atomic commitment (Bernstein, Hadzilacos & Goodman 1987,
 * section 7.2, conditions AC1-AC5). These checkers read each node's state (and, for
 * a crashed node, what it had written to durable storage); they never look inside
 * the protocol's handlers, so a bug there cannot hide from them.
 */

/** What every node knows about one transaction at one moment. */
interface TxFacts {
  /** Outcome at each participant that has a record of the transaction. */
  readonly outcomes: Map<string, ParticipantStatus>;
  /** Each participant's own vote (null: has a record but did not vote). */
  readonly votes: Map<string, Vote | null>;
  /** The coordinator's logged decision, if any. */
  decision: { node: string; decision: Decision } | null;
  /** Who takes part, from the coordinator's record, else from the participants' records. */
  participants: Set<string>;
}

function facts(step: CheckerStep<TwoPhaseCommitState>): Map<string, TxFacts> {
  const all = new Map<string, TxFacts>();
  const entry = (tx: string): TxFacts => {
    let found = all.get(tx);
    if (found === undefined) {
      found = { outcomes: new Map(), votes: new Map(), decision: null, participants: new Set() };
      all.set(tx, found);
    }
    return found;
  };
  const coordinatorParticipants = new Map<string, readonly string[]>();
  const participantLists = new Map<string, Set<string>>();
  const addParticipant = (tx: string, node: string, status: ParticipantStatus, vote: Vote | null, list: string[]) => {
    const known = entry(tx);
    known.outcomes.set(node, status);
    known.votes.set(node, vote);
    const names = participantLists.get(tx) ?? new Set<string>();
    for (const name of list) names.add(name);
    names.add(node);
    participantLists.set(tx, names);
  };
  const addCoordinator = (tx: string, node: string, decision: Decision | null, participants: readonly string[]) => {
    const known = entry(tx);
    if (decision !== null) known.decision = { node, decision };
    coordinatorParticipants.set(tx, participants);
  };

  const nodes = new Set<string>([...step.durable.keys(), ...step.states.keys()]);
  for (const node of nodes) {
    const state = step.states.get(node);
    if (state !== undefined) {
      if (state.role === "participant") {
        for (const [tx, info] of Object.entries(state.transactions)) {
          addParticipant(tx, node, info.status, info.vote, info.participants);
        }
      } else if (state.role === "coordinator") {
        for (const [tx, info] of Object.entries(state.transactions)) {
          addCoordinator(tx, node, info.decision, info.participants);
        }
      }
      continue;
    }
    // A crashed node: what it persisted is what it will come back with.
    const durable: Durable = step.durable.get(node) ?? new Map<string, Json>();
    for (const [key, value] of durable) {
      if (key.startsWith(PARTICIPANT_KEY_PREFIX)) {
        const saved = value as unknown as ParticipantRecord;
        addParticipant(key.slice(PARTICIPANT_KEY_PREFIX.length), node, saved.status, saved.vote, saved.participants);
      } else if (key.startsWith(COORDINATOR_KEY_PREFIX)) {
        const saved = value as unknown as CoordinatorRecord;
        addCoordinator(key.slice(COORDINATOR_KEY_PREFIX.length), node, saved.decision, saved.participants);
      }
    }
  }
  for (const [tx, known] of all) {
    known.participants = new Set(coordinatorParticipants.get(tx) ?? participantLists.get(tx) ?? []);
  }
  return all;
}

function names(list: readonly string[]): string {
  return list.join(", ");
}

/**
 * Atomicity (AC1: all processes that reach a decision reach the same one): no
 * transaction is committed at one node and aborted at another. A coordinator's
 * logged decision counts as the coordinator's own outcome.
 */
export function atomicityChecker(): Checker<TwoPhaseCommitState> {
  const reported = new Set<string>();
  return {
    invariant: "Atomicity",
    description:
      "A transaction commits everywhere or nowhere: no participant has committed it while another has aborted it.",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const [tx, known] of facts(step)) {
        if (reported.has(tx)) continue;
        const committed: string[] = [];
        const aborted: string[] = [];
        for (const [node, status] of known.outcomes) {
          if (status === "COMMITTED") committed.push(node);
          if (status === "ABORTED") aborted.push(node);
        }
        if (known.decision?.decision === "COMMIT") committed.push(`${known.decision.node} (its logged decision)`);
        if (known.decision?.decision === "ABORT") aborted.push(`${known.decision.node} (its logged decision)`);
        if (committed.length === 0 || aborted.length === 0) continue;
        reported.add(tx);
        found.push({
          message: `${tx} is committed at ${names(committed)} but aborted at ${names(aborted)}.`,
          data: { tx, committed, aborted },
        });
      }
      return found;
    },
  };
}

/**
 * Commit validity (AC3: the Commit decision can only be reached if all processes
 * voted Yes): a transaction is committed somewhere only if every participant's own
 * record says it voted YES.
 */
export function commitValidityChecker(): Checker<TwoPhaseCommitState> {
  const reported = new Set<string>();
  return {
    invariant: "CommitValidity",
    description: "A transaction commits only if every one of its participants voted YES.",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const [tx, known] of facts(step)) {
        if (reported.has(tx)) continue;
        const committedAt = [...known.outcomes].filter(([, status]) => status === "COMMITTED").map(([node]) => node);
        if (known.decision?.decision === "COMMIT") committedAt.push(known.decision.node);
        if (committedAt.length === 0) continue;
        const problems: string[] = [];
        for (const participant of [...known.participants].sort()) {
          const vote = known.votes.get(participant);
          if (vote === "YES") continue;
          problems.push(vote === "NO" ? `${participant} voted NO` : `${participant} never voted YES`);
        }
        if (problems.length === 0) continue;
        reported.add(tx);
        found.push({
          message: `${tx} is committed at ${names(committedAt)} although ${problems.join(" and ")}.`,
          data: { tx, committedAt, problems },
        });
      }
      return found;
    },
  };
}

/** Both checkers, as the two-phase commit protocol runs them. */
export function atomicityCheckers(): Checker<TwoPhaseCommitState>[] {
  return [atomicityChecker(), commitValidityChecker()];
}
