import type { JsonObject } from "../../sim/json";
import type { Context } from "../../sim/types";
import {
  PARTICIPANT_KEY_PREFIX,
  type ParticipantRecord,
  type ParticipantStanding,
  type ParticipantState,
  type ParticipantTx,
  type TwoPhaseCommitConfig,
} from "./types";

/** A participant's state and log records: what its handlers (./participant.ts, ./participant-termination.ts) share. */

export function initParticipant(node: string, config: TwoPhaseCommitConfig): ParticipantState {
  return { role: "participant", node, config, coordinator: config.coordinator, transactions: {}, locks: {} };
}

/** Where a participant stands on a transaction (Bernstein et al. 7.3): see ParticipantStanding. */
export function standingOf(tx: ParticipantTx): ParticipantStanding {
  switch (tx.status) {
    case "ACTIVE":
      return "active";
    case "PREPARED":
      return tx.blocked ? "blocked" : "uncertain";
    case "COMMITTED":
      return "committed";
    case "ABORTED":
      return "aborted";
  }
}

export function newTx(participants: string[]): ParticipantTx {
  return { status: "ACTIVE", vote: null, locks: [], participants, decisionRequests: 0, blocked: false };
}

export function persist(ctx: Context, id: string, tx: ParticipantTx): void {
  const saved: ParticipantRecord = {
    status: tx.status,
    vote: tx.vote,
    // No copies here: ctx.persist stores a deep copy of what it is given.
    locks: tx.locks,
    participants: tx.participants,
  };
  ctx.persist(PARTICIPANT_KEY_PREFIX + id, saved as unknown as JsonObject);
}

export function releaseLocks(state: ParticipantState, id: string, tx: ParticipantTx): void {
  for (const key of tx.locks) {
    if (state.locks[key] === id) delete state.locks[key];
  }
  tx.locks = [];
}
