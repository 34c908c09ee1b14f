import type { Context, Durable } from "../../sim/types";
import { backoff } from "./common";
import { initCoordinator } from "./coordinator";
import { answerClient, decide } from "./coordinator-decision";
import * as msg from "./messages";
import {
  COORDINATOR_KEY_PREFIX,
  type CoordinatorRecord,
  type CoordinatorState,
  type CoordinatorTx,
  type TwoPhaseCommitConfig,
} from "./types";

// ---------------------------------------------------------------- recovery

/**
 * Coordinator recovery (Bernstein et al. 7.4, recovery rules; Mohan et al. 1986):
 * with a decision in its log it sends that decision again until everyone
 * acknowledges, and answers the client again (the answer may have died with it).
 * Under presumed nothing, a start record without a decision means it decides ABORT
 * (no participant can have been told COMMIT, because COMMIT is logged before it is
 * sent). Under presumed abort there is no start record: a transaction the log does
 * not mention is simply forgotten, and anyone who asks is told ABORT.
 */
export function recoverCoordinator(ctx: Context, config: TwoPhaseCommitConfig, durable: Durable): CoordinatorState {
  const state = initCoordinator(ctx.node, config);
  const pending: { id: string; tx: CoordinatorTx; record: CoordinatorRecord }[] = [];
  for (const [key, value] of durable) {
    if (!key.startsWith(COORDINATOR_KEY_PREFIX)) continue;
    const id = key.slice(COORDINATOR_KEY_PREFIX.length);
    const saved = value as unknown as CoordinatorRecord;
    const tx: CoordinatorTx = {
      status: saved.done ? "DONE" : saved.decision === "COMMIT" ? "COMMITTING" : "ABORTING",
      participants: [...saved.participants],
      keys: saved.keys,
      votes: Object.fromEntries(saved.participants.map((p) => [p, null])),
      decision: saved.decision,
      acks: saved.done ? [...saved.participants] : [],
      requestId: saved.done ? null : saved.requestId,
      retries: 0,
    };
    state.transactions[id] = tx;
    if (!saved.done) pending.push({ id, tx, record: saved });
  }
  const parts = pending.map(({ id, record: saved }) =>
    saved.decision === null
      ? `${id} began but has no decision, so it presumes ABORT`
      : `${id} was decided ${saved.decision}, so it tells the participants again`,
  );
  const presumption =
    config.variant === "presumed-abort"
      ? " Under presumed abort nothing is logged before a decision, so a transaction its log does not mention is presumed aborted: whoever asks about one will hear ABORT."
      : "";
  ctx.explain(
    parts.length === 0
      ? `${ctx.node} restarts and reads its log: it holds no unfinished transaction.${presumption}`
      : `${ctx.node} restarts and reads its log: ${parts.join("; ")}.${presumption}`,
  );
  for (const { id, tx } of pending) {
    if (tx.decision === null) {
      decide(
        ctx,
        state,
        config,
        id,
        tx,
        "ABORT",
        "it crashed before deciding, and a transaction without a logged decision is presumed aborted",
      );
      continue;
    }
    // It cannot know whether its answer reached the client before the crash: it answers again.
    answerClient(ctx, id, tx, true);
    for (const p of tx.participants) {
      ctx.send(
        p,
        msg.decisionMessage(id, tx.decision),
        `${ctx.node}, back from its crash, repeats its logged decision to ${p}: ${tx.decision} ${id}.`,
      );
    }
    ctx.setTimer(`retry:${id}`, backoff(config.retryDecisionMs, tx.retries), { tx: id });
  }
  return state;
}
