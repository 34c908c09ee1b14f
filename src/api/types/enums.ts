import { registerEnumType } from "type-graphql";
import { EVENT_KINDS, type EventKind as EventKindName } from "../../sim/types";
import type { Ordering as OrderingName } from "../../sim/causality";
import type { RunStatus as RunStatusName } from "../../runs";

/** The EventKind enum, built from the core's own list so the two can never disagree. */
export const EventKind = Object.fromEntries(EVENT_KINDS.map((kind) => [kind, kind])) as {
  readonly [Kind in EventKindName]: Kind;
};

registerEnumType(EventKind, {
  name: "EventKind",
  description: "What happened in one step of a run.",
  valuesConfig: {
    SEND: { description: "A node put a message on the wire." },
    DELIVER: { description: "A message arrived at its destination and was handled." },
    DROP: { description: "The network lost a message (or it arrived at a crashed node)." },
    DUPLICATE: { description: "The network delivered a second copy of a message." },
    TIMER: { description: "A node's timer fired." },
    CRASH: { description: "A node crashed: its volatile state and timers are gone." },
    RECOVER: { description: "A crashed node restarted from what it had persisted." },
    PARTITION: { description: "The network split into groups that cannot reach each other." },
    HEAL: { description: "Partitions and other network faults ended." },
    CLIENT_INVOKE: { description: "A client sent a request to a node." },
    CLIENT_RETURN: { description: "A node answered a client request." },
    STATE_CHANGE: { description: "A node changed a visible part of its state." },
    NOTE: { description: "Something worth telling the learner that is not a state change." },
    VIOLATION: { description: "A safety property was broken." },
  },
});

const runStatuses: { readonly [Status in RunStatusName]: Status } = {
  RUNNING: "RUNNING",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
};
export const RunStatus = runStatuses;

registerEnumType(RunStatus, {
  name: "RunStatus",
  description: "Where a run is in its life.",
  valuesConfig: {
    RUNNING: { description: "Still producing events (a paced run)." },
    COMPLETED: { description: "Ran to its stop condition; every event is stored." },
    FAILED: { description: "Stopped by an error; see Run.error." },
  },
});

const orderings: { readonly [Name in OrderingName]: Name } = {
  BEFORE: "BEFORE",
  AFTER: "AFTER",
  CONCURRENT: "CONCURRENT",
  SAME: "SAME",
};
export const Ordering = orderings;

registerEnumType(Ordering, {
  name: "Ordering",
  description: "How two events of a run are related by Lamport's happened-before, decided from their vector clocks.",
  valuesConfig: {
    BEFORE: { description: "The first event happened before the second: a chain of steps and messages leads from it." },
    AFTER: { description: "The second event happened before the first." },
    CONCURRENT: { description: "Neither could have influenced the other." },
    SAME: { description: "Both are the same event." },
  },
});
