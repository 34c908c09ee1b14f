import type { Protocol } from "../../sim/types";
import { TWO_PHASE_COMMIT_INVARIANTS, twoPhaseCommitCheckers } from "./checkers";
import { parseTwoPhaseCommitConfig } from "./config";
import { coordinatorOnClient, coordinatorOnMessage, coordinatorOnTimer, initCoordinator } from "./coordinator";
import { recoverCoordinator } from "./coordinator-recovery";
import { describe } from "./messages";
import { participantOnMessage } from "./participant";
import { initParticipant } from "./participant-state";
import { participantOnTimer, recoverParticipant } from "./participant-termination";
import type { TwoPhaseCommitConfig, TwoPhaseCommitState } from "./types";
import { viewOf } from "./view";

export type * from "./types";
export type { TwoPhaseCommitFact } from "./facts";
export { TWO_PHASE_COMMIT_INVARIANTS } from "./checkers";

/**
 * Two-phase commit (Gray 1978, "Notes on Data Base Operating Systems", 5.8.3.3;
 * Bernstein, Hadzilacos & Goodman 1987, "Concurrency Control and Recovery in
 * Database Systems", chapter 7). One coordinator asks every participant to prepare;
 * all YES votes lead to COMMIT, anything else to ABORT. COMMIT is force-logged before
 * it is sent; a participant that voted YES is uncertain until it learns the decision,
 * and blocked while a failure keeps it from learning it. Presumed abort (Mohan,
 * Lindsay & Obermarck 1986) by default; config.variant: presumed-nothing keeps every
 * record forced and every ABORT acknowledged.
 */
export const twoPhaseCommit: Protocol<TwoPhaseCommitConfig, TwoPhaseCommitState> = {
  name: "two-phase-commit",
  description:
    "Two-phase commit: a coordinator asks every participant to prepare, then tells all of them to commit (if all voted YES) or abort. A participant that voted YES is uncertain until it hears the decision, and blocked if a failure keeps the decision from it.",
  operations: ["begin"],
  parseConfig: parseTwoPhaseCommitConfig,

  init(ctx, config) {
    if (ctx.node === config.coordinator) return initCoordinator(ctx.node, config);
    if (config.participants.includes(ctx.node)) return initParticipant(ctx.node, config);
    return { role: "bystander", node: ctx.node };
  },

  recover(ctx, config, durable) {
    if (ctx.node === config.coordinator) return recoverCoordinator(ctx, config, durable);
    if (config.participants.includes(ctx.node)) return recoverParticipant(ctx, config, durable);
    ctx.explain(`${ctx.node} restarts; it takes no part in any transaction.`);
    return { role: "bystander", node: ctx.node };
  },

  onMessage(ctx, state, from, message) {
    if (state.role === "coordinator") coordinatorOnMessage(ctx, state, state.config, from, message);
    else if (state.role === "participant") participantOnMessage(ctx, state, state.config, from, message);
    else ctx.explain(`${ctx.node} takes no part in two-phase commit and ignores ${describe(message)}.`);
  },

  onTimer(ctx, state, timer) {
    if (state.role === "coordinator") coordinatorOnTimer(ctx, state, state.config, timer);
    else if (state.role === "participant") participantOnTimer(ctx, state, state.config, timer);
  },

  onClientRequest(ctx, state, request) {
    if (state.role === "coordinator") {
      coordinatorOnClient(ctx, state, state.config, request);
      return;
    }
    const coordinator = "coordinator" in state ? state.coordinator : undefined;
    ctx.explain(`${ctx.node} is not the coordinator, so it cannot begin a transaction.`);
    ctx.reply(
      request.id,
      coordinator === undefined
        ? { ok: false, error: "not the coordinator" }
        : { ok: false, error: "not the coordinator", redirect: coordinator },
      `${ctx.node} tells the client to ask the coordinator instead.`,
    );
  },

  view(state) {
    return viewOf(state);
  },

  describeMessage: describe,

  invariants: TWO_PHASE_COMMIT_INVARIANTS,
  checkers: () => twoPhaseCommitCheckers(),
};
