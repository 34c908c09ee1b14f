import type { ClientRequest, Context } from "../../sim/types";
import type { SagaRecord } from "./types";

export interface StartedSaga {
  readonly id: string;
  readonly amount: number;
  readonly record: SagaRecord;
}

/**
 * A client's request to start a saga, as both modes take it: its id (args.saga, else the
 * request's id) and amount (args.amount, default 100), with a fresh RUNNING record put in
 * `sagas`. When a saga of that id exists already the request is refused and answered
 * (the node `holds`, e.g. "runs a saga"), and the answer is undefined.
 */
export function startSaga(
  ctx: Context,
  sagas: Record<string, SagaRecord>,
  request: ClientRequest,
  holds: string,
): StartedSaga | undefined {
  const id = typeof request.args["saga"] === "string" ? request.args["saga"] : request.id;
  const amount = typeof request.args["amount"] === "number" ? request.args["amount"] : 100;
  if (sagas[id] !== undefined) {
    ctx.explain(`${ctx.node} already ${holds} named ${id}.`);
    ctx.reply(request.id, { ok: false, error: `saga ${id} already exists` }, `${ctx.node} refuses a second ${id}.`);
    return undefined;
  }
  const record: SagaRecord = {
    status: "RUNNING",
    amount,
    request: request.id,
    next: 0,
    done: [],
    toUndo: [],
    undone: [],
    reason: null,
    stepSince: ctx.now,
  };
  sagas[id] = record;
  return { id, amount, record };
}
