import type { Message } from "../../sim/types";

/**
 * Types of the saga protocol (Garcia-Molina & Salem 1987, "Sagas", SIGMOD): a long
 * transaction T1..Tn split into local transactions, each with a compensating
 * transaction Ci; the system guarantees that either T1..Tn runs, or T1..Tj followed by
 * Cj..C1 (section 1: "the compensations in reverse order"). Each step here is a local
 * transaction on its own service node (the trip booking: flight, hotel, car, payment).
 */

/** RUNNING: doing steps forward. COMPENSATING: undoing the done steps in reverse (backward recovery, section 5). */
export type SagaStatus = "RUNNING" | "COMPENSATING" | "COMMITTED" | "COMPENSATED";

/**
 * orchestrated: one node commands each step and compensation. choreographed: no node
 * commands anyone; each service reacts to its neighbours' events (Richardson 2018,
 * "Microservices Patterns", 4.2: choreography-based sagas).
 */
export type SagaMode = "orchestrated" | "choreographed";
export const SAGA_MODES: readonly SagaMode[] = ["orchestrated", "choreographed"];

export interface SagaConfig {
  readonly mode: SagaMode;
  /**
   * orchestrated: the orchestrator. choreographed: the trip service, where the trip is
   * requested; it records the trip and hears how it ended, and commands nobody.
   */
  readonly orchestrator: string;
  /** The services, in the order the saga books them. */
  readonly steps: readonly string[];
  /** The service whose step charges the customer (default: a step named "payment", if any). */
  readonly payment: string | null;
  /** Services that refuse their step, with the reason (e.g. { payment: "card declined" }). */
  readonly fail: Readonly<Record<string, string>>;
  /** Teaching flag: this service's compensation ignores its idempotency key, so a repeat runs again. */
  readonly nonIdempotent: string | null;
  /** Orchestrator: how long it waits for a reply before re-sending a command. */
  readonly retryMs: number;
  /** Orchestrator: how long a forward step may go unanswered before it gives the step up and compensates. */
  readonly stepTimeoutMs: number;
  /** The customer's balance at the payment service before any saga. */
  readonly balance: number;
}

/** The orchestrator's saga log record for one saga (persisted before every command it sends). */
export interface SagaRecord {
  status: SagaStatus;
  amount: number;
  /** The client request to answer when the saga ends (null: none). */
  request: string | null;
  /** Index into config.steps of the step being done (RUNNING). */
  next: number;
  /** Steps done, in order (they have to be compensated on failure). */
  done: string[];
  /** Steps still to compensate, in the order they will be compensated (COMPENSATING). */
  toUndo: string[];
  /** Steps compensated so far. */
  undone: string[];
  /** Why the saga is compensating (null while it runs forward). */
  reason: string | null;
  /** Virtual time at which the current forward step was first sent. */
  stepSince: number;
}

export interface OrchestratorState {
  role: "orchestrator";
  node: string;
  config: SagaConfig;
  sagas: Record<string, SagaRecord>;
}

/** A service's record of one saga: BOOKED (step done), CANCELLED (compensated), REFUSED (step failed). */
export type BookingStatus = "BOOKED" | "CANCELLED" | "REFUSED";

export interface Booking {
  status: BookingStatus;
  amount: number;
  /** Payment service only: how much it has charged and refunded for this saga. */
  charged: number;
  refunded: number;
}

/** A service's whole state; it is persisted on every change (each step is a local, durable transaction). */
export interface ServiceDurable {
  bookings: Record<string, Booking>;
  /** Idempotency keys already applied, with the reply sent for each (Helland 2012, "Idempotence is not a medical condition"). */
  keys: Record<string, string>;
  /** Payment service only: the customer's balance and what the merchant has collected. */
  balance: number;
  collected: number;
}

export interface ServiceState {
  role: "service";
  node: string;
  config: SagaConfig;
  data: ServiceDurable;
}

export interface BystanderState {
  role: "bystander";
  node: string;
}

/**
 * Choreography: an event a service has published and not yet seen acknowledged. It is
 * persisted in the same local transaction as the step it announces (a transactional
 * outbox, Richardson 2018, 3.3.7) and re-sent until its consumer acknowledges it.
 */
export interface OutboxEntry {
  readonly to: string;
  readonly message: Message;
}

/** Choreography: a service's outbox, keyed by the event's idempotency key. */
export type Outbox = Record<string, OutboxEntry>;

/** Choreography: the trip service; its saga records live under SAGA_KEY_PREFIX as the orchestrator's do. */
export interface TripState {
  role: "trip";
  node: string;
  config: SagaConfig;
  sagas: Record<string, SagaRecord>;
  outbox: Outbox;
}

/** Choreography: a step's service, the orchestrated service's local transactions plus an outbox. */
export interface ParticipantState {
  role: "participant";
  node: string;
  config: SagaConfig;
  data: ServiceDurable;
  outbox: Outbox;
}

export type SagaState = OrchestratorState | ServiceState | BystanderState | TripState | ParticipantState;

export const SAGA_KEY_PREFIX = "saga:";
export const SERVICE_KEY = "service";
export const OUTBOX_KEY = "outbox";
