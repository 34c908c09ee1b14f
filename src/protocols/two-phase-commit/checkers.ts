import type { Json, JsonObject } from "../../sim/json";
import type { Checker, CheckerStep, CheckerViolation, Durable, TraceEvent } from "../../sim/types";
import {
  COORDINATOR_KEY_PREFIX,
  PARTICIPANT_KEY_PREFIX,
  type CoordinatorRecord,
  type Decision,
  type ParticipantRecord,
  type TwoPhaseCommitState,
  type Vote,
} from "./types";

/**
 * Safety properties of atomic commitment (Bernstein, Hadzilacos & Goodman 1987,
 * section 7.2, conditions AC1-AC5), judged from the trace as Porcupine judges a
 * history: each step's events carry, in their `data`, the facts the protocol states
 * (./facts.ts: a vote, a decision, a participant's outcome). Every decision a node
 * ever reached counts, even one it later forgot or contradicted, which is what AC1
 * and AC2 speak of. When the run stops, the nodes' final states (and the logs of
 * the nodes that are down) are read whole and judged too, so a handler that changed
 * an outcome without saying so in its events is still caught.
 */

/** The invariants these checkers report, by name (the Protocol's invariant list). */
export const TWO_PHASE_COMMIT_INVARIANTS = ["Atomicity", "CommitValidity"] as const;

/** What the trace has said so far about one transaction. */
interface TxHistory {
  /** Who takes part, as the coordinator's begin or decision stated it (null: not stated). */
  participants: readonly string[] | null;
  /** Each participant's vote, as it stated it. */
  readonly votes: Map<string, Vote>;
  /** Nodes that reached COMMIT (a participant's outcome, or the coordinator's decision). */
  readonly committed: string[];
  /** Nodes that reached ABORT. */
  readonly aborted: string[];
}

/**
 * Every transaction's history, built from the facts in the events: both checkers of
 * a run share one, brought up to date once a step.
 */
export class TxHistories {
  private readonly byTx = new Map<string, TxHistory>();
  private lastStep: CheckerStep<TwoPhaseCommitState> | undefined;
  private lastChanged: readonly string[] = [];
  private lastSettled: { step: CheckerStep<TwoPhaseCommitState>; changed: readonly string[] } | undefined;

  get(tx: string): TxHistory | undefined {
    return this.byTx.get(tx);
  }

  /** Reads the step's events; returns the transactions whose history changed. */
  update(step: CheckerStep<TwoPhaseCommitState>): readonly string[] {
    if (step === this.lastStep) return this.lastChanged;
    const changed: string[] = [];
    for (const event of step.events ?? [step.event]) {
      const tx = this.read(event);
      if (tx !== undefined && !changed.includes(tx)) changed.push(tx);
    }
    this.lastStep = step;
    this.lastChanged = changed;
    return changed;
  }

  /**
   * Folds the nodes' final states in (a node that is down: its log), as if each had
   * stated them; returns every transaction whose history changed.
   */
  settle(step: CheckerStep<TwoPhaseCommitState>): readonly string[] {
    if (this.lastSettled?.step === step) return this.lastSettled.changed;
    const changed = new Set(this.update(step));
    const nodes = new Set([...step.states.keys(), ...step.durable.keys()]);
    for (const node of nodes) {
      for (const [tx, said] of finalWords(step, node)) {
        if (this.add(tx, node, said)) changed.add(tx);
      }
    }
    this.lastSettled = { step, changed: [...changed] };
    return this.lastSettled.changed;
  }

  private history(tx: string): TxHistory {
    let known = this.byTx.get(tx);
    if (known === undefined) {
      known = { participants: null, votes: new Map(), committed: [], aborted: [] };
      this.byTx.set(tx, known);
    }
    return known;
  }

  /** The transaction an event's fact is about, once it is noted; undefined when the event states no 2PC fact. */
  private read(event: TraceEvent): string | undefined {
    const data = event.data;
    if (data === null || (event.kind !== "STATE_CHANGE" && event.kind !== "NOTE")) return undefined;
    const tx = data["tx"];
    const fact = data["fact"];
    if (typeof tx !== "string" || typeof fact !== "string") return undefined;
    const said: Said = {};
    if (fact === "begin" || fact === "decision") said.participants = stringsOf(data["participants"]);
    if (fact === "decision") said.outcome = decisionOf(data["outcome"]);
    if (fact === "vote") said.vote = data["vote"] === "YES" || data["vote"] === "NO" ? data["vote"] : undefined;
    const state = data["state"];
    if (state === "committed") said.outcome = "COMMIT";
    if (state === "aborted") said.outcome = "ABORT";
    return this.add(tx, event.node, said) ? tx : undefined;
  }

  /** Notes what one node said about one transaction; true if the history changed. */
  private add(tx: string, node: string, said: Said): boolean {
    const known = this.history(tx);
    let changed = false;
    if (said.participants !== undefined && known.participants === null) {
      known.participants = said.participants;
      changed = true;
    }
    if (said.vote !== undefined && !known.votes.has(node)) {
      known.votes.set(node, said.vote);
      changed = true;
    }
    const reached = said.outcome === "COMMIT" ? known.committed : said.outcome === "ABORT" ? known.aborted : null;
    if (reached !== null && !reached.includes(node)) {
      reached.push(node);
      changed = true;
    }
    return changed;
  }
}

/** What one event (or one node's final state) says about a transaction. */
interface Said {
  participants?: readonly string[];
  vote?: Vote;
  outcome?: Decision;
}

function stringsOf(value: Json | undefined): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
}

function decisionOf(value: Json | undefined): Decision | undefined {
  return value === "COMMIT" || value === "ABORT" ? value : undefined;
}

/** One node's final word on each of its transactions: its live state, or its log when it is down. */
function finalWords(step: CheckerStep<TwoPhaseCommitState>, node: string): Map<string, Said> {
  const words = new Map<string, Said>();
  const outcomeOf = (status: string): Decision | undefined =>
    status === "COMMITTED" ? "COMMIT" : status === "ABORTED" ? "ABORT" : undefined;
  const state = step.states.get(node);
  if (state?.role === "participant") {
    for (const [tx, info] of Object.entries(state.transactions)) {
      words.set(tx, { ...(info.vote === null ? {} : { vote: info.vote }), outcome: outcomeOf(info.status) });
    }
  } else if (state?.role === "coordinator") {
    for (const [tx, info] of Object.entries(state.transactions)) {
      words.set(tx, { participants: info.participants, outcome: info.decision ?? undefined });
    }
  } else if (state === undefined) {
    const durable: Durable = step.durable.get(node) ?? new Map<string, Json>();
    for (const [key, value] of durable) {
      if (key.startsWith(PARTICIPANT_KEY_PREFIX)) {
        const saved = value as unknown as ParticipantRecord;
        const said: Said = { outcome: outcomeOf(saved.status) };
        if (saved.vote !== null) said.vote = saved.vote;
        words.set(key.slice(PARTICIPANT_KEY_PREFIX.length), said);
      } else if (key.startsWith(COORDINATOR_KEY_PREFIX)) {
        const saved = value as unknown as CoordinatorRecord;
        words.set(key.slice(COORDINATOR_KEY_PREFIX.length), {
          participants: saved.participants,
          outcome: saved.decision ?? undefined,
        });
      }
    }
  }
  return words;
}

function names(list: readonly string[]): string {
  return list.join(", ");
}

/** A checker over the shared histories: judges each changed transaction once a step, and every one at the end. */
function historyChecker(
  invariant: (typeof TWO_PHASE_COMMIT_INVARIANTS)[number],
  description: string,
  histories: TxHistories,
  judge: (tx: string, known: TxHistory) => CheckerViolation | null,
): Checker<TwoPhaseCommitState> {
  const reported = new Set<string>();
  const judgeAll = (txs: readonly string[]): CheckerViolation[] => {
    const found: CheckerViolation[] = [];
    for (const tx of txs) {
      const known = histories.get(tx);
      if (known === undefined || reported.has(tx)) continue;
      const violation = judge(tx, known);
      if (violation === null) continue;
      reported.add(tx);
      found.push(violation);
    }
    return found;
  };
  return {
    invariant,
    description,
    observe: (step) => judgeAll(histories.update(step)),
    finish: (step) => judgeAll(histories.settle(step)),
  };
}

/**
 * Atomicity (AC1: all processes that reach a decision reach the same one; AC2: a
 * process cannot reverse its decision): no transaction is committed at one node and
 * aborted at another, or at one node first one way and then the other. A
 * coordinator's decision counts as the coordinator's own outcome.
 */
export function atomicityChecker(histories = new TxHistories()): Checker<TwoPhaseCommitState> {
  return historyChecker(
    "Atomicity",
    "A transaction commits everywhere or nowhere: no participant has committed it while another has aborted it.",
    histories,
    (tx, known) => {
      if (known.committed.length === 0 || known.aborted.length === 0) return null;
      const committed = [...known.committed];
      const aborted = [...known.aborted];
      return {
        message: `${tx} is committed at ${names(committed)} but aborted at ${names(aborted)}.`,
        data: { tx, committed, aborted } satisfies JsonObject,
      };
    },
  );
}

/**
 * Commit validity (AC3: the Commit decision can only be reached if all processes
 * voted Yes): when a transaction is committed anywhere, every participant has
 * already said it voted YES.
 */
export function commitValidityChecker(histories = new TxHistories()): Checker<TwoPhaseCommitState> {
  return historyChecker(
    "CommitValidity",
    "A transaction commits only if every one of its participants voted YES.",
    histories,
    (tx, known) => {
      if (known.committed.length === 0) return null;
      const participants = known.participants ?? [...known.votes.keys()];
      const problems: string[] = [];
      for (const participant of [...participants].sort()) {
        const vote = known.votes.get(participant);
        if (vote === "YES") continue;
        problems.push(vote === "NO" ? `${participant} voted NO` : `${participant} never voted YES`);
      }
      if (problems.length === 0) return null;
      const committedAt = [...known.committed];
      return {
        message: `${tx} is committed at ${names(committedAt)} although ${problems.join(" and ")}.`,
        data: { tx, committedAt, problems },
      };
    },
  );
}

/** Both checkers, as the two-phase commit protocol runs them: they share one history of the trace. */
export function twoPhaseCommitCheckers(): Checker<TwoPhaseCommitState>[] {
  const histories = new TxHistories();
  return [atomicityChecker(histories), commitValidityChecker(histories)];
}
