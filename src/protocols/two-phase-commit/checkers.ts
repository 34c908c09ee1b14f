import type { Json } from "../../sim/json";
import type { Checker, CheckerStep, CheckerViolation, Durable } from "../../sim/types";
import {
  COORDINATOR_KEY_PREFIX,
  PARTICIPANT_KEY_PREFIX,
  type CoordinatorRecord,
  type CoordinatorState,
  type CoordinatorTx,
  type Decision,
  type ParticipantRecord,
  type ParticipantState,
  type ParticipantTx,
  type ParticipantStatus,
  type TwoPhaseCommitState,
  type Vote,
} from "./types";

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

/** One node's record of one transaction, as a checker needs it. */
interface NodeRecordOfTx {
  readonly role: "participant" | "coordinator";
  readonly status: ParticipantStatus | null;
  readonly vote: Vote | null;
  readonly decision: Decision | null;
  readonly participants: readonly string[];
}

function participantRecord(info: ParticipantTx): NodeRecordOfTx {
  return { role: "participant", status: info.status, vote: info.vote, decision: null, participants: info.participants };
}

function coordinatorRecord(info: CoordinatorTx): NodeRecordOfTx {
  return { role: "coordinator", status: null, vote: null, decision: info.decision, participants: info.participants };
}

/** What one node says about each transaction: its live state, or its durable log when it is down. */
function recordsOf(step: CheckerStep<TwoPhaseCommitState>, node: string): Map<string, NodeRecordOfTx> {
  const records = new Map<string, NodeRecordOfTx>();
  const state = step.states.get(node);
  if (state !== undefined) {
    if (state.role === "participant") {
      for (const [tx, info] of Object.entries(state.transactions)) {
        records.set(tx, {
          role: "participant",
          status: info.status,
          vote: info.vote,
          decision: null,
          participants: info.participants,
        });
      }
    } else if (state.role === "coordinator") {
      for (const [tx, info] of Object.entries(state.transactions)) {
        records.set(tx, {
          role: "coordinator",
          status: null,
          vote: null,
          decision: info.decision,
          participants: info.participants,
        });
      }
    }
    return records;
  }
  // A crashed node: what it persisted is what it will come back with.
  const durable: Durable = step.durable.get(node) ?? new Map<string, Json>();
  for (const [key, value] of durable) {
    if (key.startsWith(PARTICIPANT_KEY_PREFIX)) {
      const saved = value as unknown as ParticipantRecord;
      records.set(key.slice(PARTICIPANT_KEY_PREFIX.length), {
        role: "participant",
        status: saved.status,
        vote: saved.vote,
        decision: null,
        participants: saved.participants,
      });
    } else if (key.startsWith(COORDINATOR_KEY_PREFIX)) {
      const saved = value as unknown as CoordinatorRecord;
      records.set(key.slice(COORDINATOR_KEY_PREFIX.length), {
        role: "coordinator",
        status: null,
        vote: null,
        decision: saved.decision,
        participants: saved.participants,
      });
    }
  }
  return records;
}

function sameRecord(a: NodeRecordOfTx | undefined, b: NodeRecordOfTx | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.role === b.role &&
    a.status === b.status &&
    a.vote === b.vote &&
    a.decision === b.decision &&
    a.participants.length === b.participants.length &&
    a.participants.every((name, i) => b.participants[i] === name)
  );
}

/**
 * Brings a node's record of one transaction in line with its live state; true if it
 * changed (added, altered or, when the state no longer has it, removed).
 */
function refreshOne(
  state: CoordinatorState | ParticipantState,
  tx: string,
  records: Map<string, NodeRecordOfTx>,
): boolean {
  const before = records.get(tx);
  if (state.role === "participant") {
    const info = state.transactions[tx];
    if (info === undefined) return records.delete(tx);
    if (
      before?.role === "participant" &&
      before.status === info.status &&
      before.vote === info.vote &&
      before.participants === info.participants
    )
      return false;
    records.set(tx, participantRecord(info));
    return true;
  }
  const info = state.transactions[tx];
  if (info === undefined) return records.delete(tx);
  if (before?.role === "coordinator" && before.decision === info.decision && before.participants === info.participants)
    return false;
  records.set(tx, coordinatorRecord(info));
  return true;
}

/**
 * Every node's records of every transaction, kept up to date step by step. Only the
 * nodes the core says changed are read again (all of them for a hand-built step).
 * Of a node the live protocol runs, only the transactions its journal noted since
 * the last look are read (src/protocols/two-phase-commit/journal.ts: the table and
 * the transaction objects note every change themselves, never the handlers); a
 * state seen for the first time (a start, a recovery) or without a journal (a
 * hand-built one) is read whole. Only transactions whose records changed are judged
 * again, so checking costs what each step changed, not what the run has seen.
 */
export class TxLedger {
  private readonly byNode = new Map<string, Map<string, NodeRecordOfTx>>();
  private readonly byTx = new Map<string, Map<string, NodeRecordOfTx>>();
  /** Per node: the live state last read whole, and how much of its journal has been read since. */
  private readonly positions = new Map<string, { state: TwoPhaseCommitState; read: number }>();
  /** The last step brought in, and what changed in it: both checkers of a run share one ledger. */
  private lastStep: CheckerStep<TwoPhaseCommitState> | undefined;
  private lastDirty = new Set<string>();
  private readonly factsCache = new Map<string, TxFacts>();

  /** Brings the ledger up to date and returns the transactions whose records changed. */
  update(step: CheckerStep<TwoPhaseCommitState>): Set<string> {
    if (step === this.lastStep) return this.lastDirty;
    this.factsCache.clear();
    const dirty = new Set<string>();
    const nodes = step.changed ?? new Set<string>([...step.durable.keys(), ...step.states.keys()]);
    for (const node of nodes) {
      let records = this.byNode.get(node);
      if (records === undefined) {
        records = new Map();
        this.byNode.set(node, records);
      }
      const changed = this.refresh(step, node, records);
      for (const tx of changed) {
        const holders = this.byTx.get(tx) ?? new Map<string, NodeRecordOfTx>();
        const record = records.get(tx);
        if (record === undefined) holders.delete(node);
        else holders.set(node, record);
        this.byTx.set(tx, holders);
        dirty.add(tx);
      }
    }
    this.lastStep = step;
    this.lastDirty = dirty;
    return dirty;
  }

  /**
   * Updates one node's records in place and returns the transactions that changed.
   * A busy node holds every transaction it has ever seen, so the live case compares
   * field by field and allocates only for what changed.
   */
  private refresh(
    step: CheckerStep<TwoPhaseCommitState>,
    node: string,
    records: Map<string, NodeRecordOfTx>,
  ): string[] {
    const changed: string[] = [];
    const state = step.states.get(node);
    if (state === undefined || state.role === "bystander") {
      this.positions.delete(node);
      const fresh = state === undefined ? recordsOf(step, node) : new Map<string, NodeRecordOfTx>();
      for (const [tx, record] of fresh) {
        if (!sameRecord(records.get(tx), record)) {
          records.set(tx, record);
          changed.push(tx);
        }
      }
      for (const tx of [...records.keys()]) {
        if (!fresh.has(tx)) {
          records.delete(tx);
          changed.push(tx);
        }
      }
      return changed;
    }
    const journal = state.journal;
    const position = this.positions.get(node);
    if (journal !== undefined && position !== undefined && position.state === state) {
      const end = journal.length;
      for (let i = position.read; i < end; i++) {
        const tx = journal.at(i);
        if (refreshOne(state, tx, records) && !changed.includes(tx)) changed.push(tx);
      }
      position.read = end;
      return changed;
    }
    if (journal === undefined) this.positions.delete(node);
    else this.positions.set(node, { state, read: journal.length });
    let seen = 0;
    for (const tx in state.transactions) {
      seen += 1;
      if (refreshOne(state, tx, records)) changed.push(tx);
    }
    if (seen !== records.size) {
      for (const tx of [...records.keys()]) {
        if (!(tx in state.transactions)) {
          records.delete(tx);
          changed.push(tx);
        }
      }
    }
    return changed;
  }

  /** What is known of one transaction after the last update (both checkers ask; it is worked out once a step). */
  facts(tx: string): TxFacts {
    let known = this.factsCache.get(tx);
    if (known === undefined) {
      known = this.gather(tx);
      this.factsCache.set(tx, known);
    }
    return known;
  }

  private gather(tx: string): TxFacts {
    const known: TxFacts = { outcomes: new Map(), votes: new Map(), decision: null, participants: new Set() };
    let coordinatorParticipants: readonly string[] | undefined;
    const participantList = new Set<string>();
    for (const [node, record] of this.byTx.get(tx) ?? []) {
      if (record.role === "participant") {
        known.outcomes.set(node, record.status as ParticipantStatus);
        known.votes.set(node, record.vote);
        for (const name of record.participants) participantList.add(name);
        participantList.add(node);
      } else {
        if (record.decision !== null) known.decision = { node, decision: record.decision };
        coordinatorParticipants = record.participants;
      }
    }
    known.participants = new Set(coordinatorParticipants ?? participantList);
    return known;
  }
}

function names(list: readonly string[]): string {
  return list.join(", ");
}

/**
 * Atomicity (AC1: all processes that reach a decision reach the same one): no
 * transaction is committed at one node and aborted at another. A coordinator's
 * logged decision counts as the coordinator's own outcome.
 */
export function atomicityChecker(ledger = new TxLedger()): Checker<TwoPhaseCommitState> {
  const reported = new Set<string>();
  return {
    invariant: "Atomicity",
    description:
      "A transaction commits everywhere or nowhere: no participant has committed it while another has aborted it.",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const tx of ledger.update(step)) {
        if (reported.has(tx)) continue;
        const known = ledger.facts(tx);
        // Most steps judge a transaction that is not both committed and aborted: say so first, cheaply.
        let anyCommitted = known.decision?.decision === "COMMIT";
        let anyAborted = known.decision?.decision === "ABORT";
        for (const status of known.outcomes.values()) {
          if (status === "COMMITTED") anyCommitted = true;
          else if (status === "ABORTED") anyAborted = true;
        }
        if (!anyCommitted || !anyAborted) continue;
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
export function commitValidityChecker(ledger = new TxLedger()): Checker<TwoPhaseCommitState> {
  const reported = new Set<string>();
  return {
    invariant: "CommitValidity",
    description: "A transaction commits only if every one of its participants voted YES.",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const tx of ledger.update(step)) {
        if (reported.has(tx)) continue;
        const known = ledger.facts(tx);
        // Most steps judge a transaction whose every participant voted YES: say so first, cheaply.
        let allVotedYes = true;
        for (const participant of known.participants) {
          if (known.votes.get(participant) !== "YES") {
            allVotedYes = false;
            break;
          }
        }
        if (allVotedYes) continue;
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

/** Both checkers, as the two-phase commit protocol runs them: they share one ledger, brought up to date once a step. */
export function atomicityCheckers(): Checker<TwoPhaseCommitState>[] {
  const ledger = new TxLedger();
  return [atomicityChecker(ledger), commitValidityChecker(ledger)];
}
