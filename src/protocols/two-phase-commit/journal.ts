import type { CoordinatorStatus, CoordinatorTx, Decision, ParticipantStatus, ParticipantTx, Vote } from "./types";

/**
 * Which transactions of one node have changed, in the order they changed: an
 * append-only list of transaction ids. The safety checkers (./checkers.ts)
 * keep their own position in it and re-judge only the transactions noted since, so
 * checking a step costs what the step changed, not what the node has ever seen.
 *
 * The handlers never write to it. The node's transaction table notes every
 * transaction put in or taken out, and each transaction object notes every write
 * to the fields the checkers judge (status, vote, decision, participants; the
 * participants list is frozen, so it cannot change in place either). A handler
 * that forgets something therefore cannot hide a change from the checkers.
 */
export class TxJournal {
  private readonly ids: string[] = [];

  /** How many notes there are: a reader's position once it has read them all. */
  get length(): number {
    return this.ids.length;
  }

  /** The id noted at this position (an id appears once per change). */
  at(position: number): string {
    return this.ids[position] as string;
  }

  note(id: string): void {
    this.ids.push(id);
  }
}

/** A transaction object that tells the journal of the table entry holding it about its changes. */
abstract class JournaledTx {
  #journal: TxJournal | undefined;
  #id = "";

  protected changed(): void {
    if (this.#journal !== undefined) this.#journal.note(this.#id);
  }

  /** Called by the table when this object is put in under `id`. */
  attach(journal: TxJournal, id: string): void {
    if (this.#journal !== undefined && (this.#journal !== journal || this.#id !== id)) {
      throw new Error(
        `two-phase commit: transaction ${id} is an object already stored as ${this.#id}; each table entry needs its own`,
      );
    }
    this.#journal = journal;
    this.#id = id;
  }

  /** Called by the table when this object is replaced or removed. */
  detach(journal: TxJournal, id: string): void {
    if (this.#journal === journal && this.#id === id) this.#journal = undefined;
  }
}

/** Freezes a participants list in place (it is still a string[] to its readers, but cannot change in place). */
function frozen(names: string[]): string[] {
  Object.freeze(names);
  return names;
}

/** A participant's transaction, as the live protocol keeps it (see TxJournal). */
export class LiveParticipantTx extends JournaledTx implements ParticipantTx {
  #status: ParticipantStatus;
  #vote: Vote | null;
  #participants: string[];
  locks: string[];
  decisionRequests: number;

  constructor(fields: ParticipantTx) {
    super();
    this.#status = fields.status;
    this.#vote = fields.vote;
    this.#participants = frozen(fields.participants);
    this.locks = fields.locks;
    this.decisionRequests = fields.decisionRequests;
  }

  get status(): ParticipantStatus {
    return this.#status;
  }
  set status(value: ParticipantStatus) {
    this.#status = value;
    this.changed();
  }
  get vote(): Vote | null {
    return this.#vote;
  }
  set vote(value: Vote | null) {
    this.#vote = value;
    this.changed();
  }
  get participants(): string[] {
    return this.#participants;
  }
  set participants(value: string[]) {
    this.#participants = frozen(value);
    this.changed();
  }
}

/** A coordinator's transaction, as the live protocol keeps it (see TxJournal). */
export class LiveCoordinatorTx extends JournaledTx implements CoordinatorTx {
  #status: CoordinatorStatus;
  #decision: Decision | null;
  #participants: string[];
  keys: Record<string, string[]>;
  votes: Record<string, Vote | null>;
  acks: string[];
  requestId: string | null;
  retries: number;

  constructor(fields: CoordinatorTx) {
    super();
    this.#status = fields.status;
    this.#decision = fields.decision;
    this.#participants = frozen(fields.participants);
    this.keys = fields.keys;
    this.votes = fields.votes;
    this.acks = fields.acks;
    this.requestId = fields.requestId;
    this.retries = fields.retries;
  }

  get status(): CoordinatorStatus {
    return this.#status;
  }
  set status(value: CoordinatorStatus) {
    this.#status = value;
    this.changed();
  }
  get decision(): Decision | null {
    return this.#decision;
  }
  set decision(value: Decision | null) {
    this.#decision = value;
    this.changed();
  }
  get participants(): string[] {
    return this.#participants;
  }
  set participants(value: string[]) {
    this.#participants = frozen(value);
    this.changed();
  }
}

/**
 * A node's transaction table: an ordinary object to read (keys in insertion order,
 * lookups as before), that notes in `journal` every transaction put in, replaced or
 * removed. Only LiveParticipantTx / LiveCoordinatorTx objects may be put in, so
 * that their later changes are noted too.
 */
export function journaledTable<Tx extends ParticipantTx | CoordinatorTx>(journal: TxJournal): Record<string, Tx> {
  const table: Record<string, Tx> = {};
  return new Proxy(table, {
    set(target, key, value: unknown) {
      if (typeof key !== "string" || !(value instanceof JournaledTx)) {
        throw new TypeError(
          `two-phase commit: a transaction table holds only LiveParticipantTx or LiveCoordinatorTx objects (got ${String(key)})`,
        );
      }
      const before: unknown = target[key];
      if (before instanceof JournaledTx && before !== value) before.detach(journal, key);
      value.attach(journal, key);
      Reflect.set(target, key, value);
      journal.note(key);
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key !== "string") return Reflect.deleteProperty(target, key);
      const before: unknown = target[key];
      if (before instanceof JournaledTx) before.detach(journal, key);
      journal.note(key);
      return Reflect.deleteProperty(target, key);
    },
    defineProperty() {
      throw new TypeError("two-phase commit: add a transaction by assignment, so that the table notes it");
    },
  });
}
