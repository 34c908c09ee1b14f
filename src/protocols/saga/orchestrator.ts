import type { Json } from "../../sim/json";
import { list, plural } from "../../sim/english";
import type { ClientRequest, Context, Durable, Message, TimerFired } from "../../sim/types";
import { startSaga } from "./start";
import { SAGA_KEY_PREFIX, type OrchestratorState, type SagaConfig, type SagaRecord } from "./types";

/**
 * The orchestrator (saga execution coordinator, Garcia-Molina & Salem 1987, section 5:
 * the saga log and backward recovery). It writes its saga log record before every
 * command it sends, re-sends the current command until it is answered (the
 * idempotency keys make that safe), and after a crash reads the log and carries on
 * where it stopped: forward while the saga runs, backward once it compensates.
 */
export function initOrchestrator(node: string, config: SagaConfig): OrchestratorState {
  return { role: "orchestrator", node, config, sagas: {} };
}

export function recoverOrchestrator(ctx: Context, config: SagaConfig, durable: Durable): OrchestratorState {
  const state = initOrchestrator(ctx.node, config);
  const open: string[] = [];
  for (const [key, value] of durable) {
    if (!key.startsWith(SAGA_KEY_PREFIX)) continue;
    const id = key.slice(SAGA_KEY_PREFIX.length);
    const record = JSON.parse(JSON.stringify(value)) as SagaRecord;
    state.sagas[id] = record;
    if (record.status === "RUNNING" || record.status === "COMPENSATING") open.push(id);
  }
  ctx.explain(
    `${ctx.node} restarts and reads its saga log: ${open.length === 0 ? "no saga is unfinished" : `${list(open)} ${open.length === 1 ? "is" : "are"} unfinished, and it resumes ${open.length === 1 ? "it" : "them"}`}.`,
  );
  for (const id of open) {
    const record = state.sagas[id] as SagaRecord;
    record.stepSince = ctx.now;
    ctx.note(
      `${ctx.node} resumes ${id} from its log, ${record.status === "RUNNING" ? "going forward" : "compensating"}.`,
      {
        fact: "resume",
        saga: id,
        status: record.status,
        done: [...record.done],
        undone: [...record.undone],
      },
    );
    sendCurrent(ctx, state, id, record, false);
  }
  return state;
}

function log(ctx: Context, id: string, record: SagaRecord): void {
  ctx.persist(`${SAGA_KEY_PREFIX}${id}`, record as unknown as Json);
}

function doKey(id: string, step: string): string {
  return `${id}:do:${step}`;
}

function undoKey(id: string, step: string): string {
  return `${id}:undo:${step}`;
}

/** Sends the command the saga is waiting on (again, if `retry`), and arms the retry timer. */
function sendCurrent(ctx: Context, state: OrchestratorState, id: string, record: SagaRecord, retry: boolean): void {
  const again = retry ? "again " : "";
  if (record.status === "RUNNING") {
    const step = state.config.steps[record.next] as string;
    ctx.send(
      step,
      { type: "DO", saga: id, key: doKey(id, step), amount: record.amount },
      `${ctx.node} ${again}asks ${step} to do its step of ${id} (key ${doKey(id, step)}).`,
    );
  } else if (record.status === "COMPENSATING") {
    const step = record.toUndo[0] as string;
    ctx.send(
      step,
      { type: "UNDO", saga: id, key: undoKey(id, step), amount: record.amount },
      `${ctx.node} ${again}asks ${step} to compensate its step of ${id} (key ${undoKey(id, step)}).`,
    );
  } else return;
  ctx.setTimer(`retry:${id}`, state.config.retryMs, { saga: id });
}

export function orchestratorOnClient(ctx: Context, state: OrchestratorState, request: ClientRequest): void {
  const started = startSaga(ctx, state.sagas, request, "runs a saga");
  if (started === undefined) return;
  const { id, amount, record } = started;
  log(ctx, id, record);
  ctx.explain(
    `${ctx.node} begins the saga ${id}: ${plural(state.config.steps.length, "step")}, ${list([...state.config.steps])}, for ${amount}.`,
  );
  ctx.stateChange(`${ctx.node} logs the start of ${id} in its saga log before sending anything.`, {
    fact: "begin",
    saga: id,
    steps: [...state.config.steps],
    amount,
    logged: true,
  });
  sendCurrent(ctx, state, id, record, false);
}

function finish(ctx: Context, state: OrchestratorState, id: string, record: SagaRecord): void {
  log(ctx, id, record);
  ctx.cancelTimer(`retry:${id}`);
  const committed = record.status === "COMMITTED";
  ctx.stateChange(
    committed
      ? `${ctx.node} logs ${id} as COMMITTED: every step is done.`
      : `${ctx.node} logs ${id} as COMPENSATED: ${record.undone.length === 0 ? "no step had to be undone" : `${list(record.undone)} undone in reverse order`}, because ${record.reason ?? "a step failed"}.`,
    {
      fact: "end",
      saga: id,
      status: record.status,
      done: [...record.done],
      undone: [...record.undone],
      reason: record.reason,
    },
  );
  if (record.request !== null) {
    ctx.reply(
      record.request,
      { ok: committed, saga: id, outcome: record.status },
      `${ctx.node} tells the client that ${id} ${committed ? "is booked" : "was rolled back by compensation"}.`,
    );
  }
}

/** Backward recovery: compensate the done steps in reverse order (section 1 and 5). */
function startCompensating(
  ctx: Context,
  state: OrchestratorState,
  id: string,
  record: SagaRecord,
  reason: string,
  also: string | null,
): void {
  record.status = "COMPENSATING";
  record.reason = reason;
  // The done steps are undone in reverse order. A step that never answered comes last:
  // its outcome is unknown, so it is cancelled too (harmless if it never ran, and it
  // makes a late copy of the step refuse), but the others need not wait for it.
  record.toUndo = [...[...record.done].reverse(), ...(also === null ? [] : [also])];
  log(ctx, id, record);
  ctx.stateChange(
    `${ctx.node} logs that ${id} must be compensated (${reason}); ${record.toUndo.length === 0 ? "nothing was done, so nothing is undone" : `it will undo ${list(record.toUndo)}, in that order`}.`,
    { fact: "compensate", saga: id, reason, order: [...record.toUndo] },
  );
  if (record.toUndo.length === 0) {
    record.status = "COMPENSATED";
    finish(ctx, state, id, record);
  } else sendCurrent(ctx, state, id, record, false);
}

export function orchestratorOnMessage(ctx: Context, state: OrchestratorState, from: string, message: Message): void {
  const id = typeof message["saga"] === "string" ? message["saga"] : "";
  const record = state.sagas[id];
  const key = typeof message["key"] === "string" ? message["key"] : "";
  if (record === undefined) {
    ctx.explain(`${ctx.node} knows no saga ${id}, and ignores this ${message.type}.`);
    return;
  }
  const step = state.config.steps[record.next];
  const expected =
    record.status === "RUNNING" && step !== undefined
      ? doKey(id, step)
      : record.status === "COMPENSATING"
        ? undoKey(id, record.toUndo[0] ?? "")
        : "";
  if (key !== expected) {
    ctx.explain(
      `${ctx.node} already has the answer for ${key}; this ${message.type} from ${from} is a stale copy, and it ignores it.`,
    );
    return;
  }
  ctx.cancelTimer(`retry:${id}`);
  if (message.type === "DONE" && record.status === "RUNNING") {
    record.done.push(from);
    record.next += 1;
    record.stepSince = ctx.now;
    ctx.explain(`${ctx.node} hears that ${from} did its step of ${id}.`);
    if (record.next >= state.config.steps.length) {
      record.status = "COMMITTED";
      finish(ctx, state, id, record);
      return;
    }
    log(ctx, id, record);
    ctx.stateChange(`${ctx.node} logs ${from}'s step of ${id} as done and moves on.`, {
      fact: "step-done",
      saga: id,
      step: from,
      done: [...record.done],
    });
    sendCurrent(ctx, state, id, record, false);
  } else if (message.type === "REFUSED" && record.status === "RUNNING") {
    const reason = typeof message["reason"] === "string" ? message["reason"] : "refused";
    ctx.explain(`${ctx.node} hears that ${from} refused its step of ${id}: ${reason}.`);
    startCompensating(ctx, state, id, record, `${from} refused: ${reason}`, null);
  } else if (message.type === "UNDONE" && record.status === "COMPENSATING") {
    record.toUndo.shift();
    record.undone.push(from);
    ctx.explain(`${ctx.node} hears that ${from} compensated its step of ${id}.`);
    if (record.toUndo.length === 0) {
      record.status = "COMPENSATED";
      finish(ctx, state, id, record);
      return;
    }
    log(ctx, id, record);
    ctx.stateChange(`${ctx.node} logs ${from}'s compensation of ${id}.`, {
      fact: "undone",
      saga: id,
      step: from,
      undone: [...record.undone],
    });
    sendCurrent(ctx, state, id, record, false);
  } else {
    ctx.explain(`${ctx.node} did not expect ${message.type} for ${id}, and ignores it.`);
  }
}

export function orchestratorOnTimer(ctx: Context, state: OrchestratorState, timer: TimerFired): void {
  const payload = timer.payload;
  const id =
    typeof payload === "object" && payload !== null && !Array.isArray(payload) && typeof payload["saga"] === "string"
      ? payload["saga"]
      : "";
  const record = state.sagas[id];
  if (record === undefined || (record.status !== "RUNNING" && record.status !== "COMPENSATING")) return;
  if (record.status === "RUNNING" && ctx.now - record.stepSince >= state.config.stepTimeoutMs) {
    const step = state.config.steps[record.next] as string;
    ctx.explain(
      `${ctx.node} has had no answer from ${step} for ${state.config.stepTimeoutMs} ms and gives the step up.`,
    );
    // The step's outcome is unknown, so it is compensated too (its compensation is harmless if it never ran).
    startCompensating(ctx, state, id, record, `${step} did not answer within ${state.config.stepTimeoutMs} ms`, step);
    return;
  }
  ctx.explain(`${ctx.node} has no answer yet for ${id}, so it sends the same command again with the same key.`);
  sendCurrent(ctx, state, id, record, true);
}
