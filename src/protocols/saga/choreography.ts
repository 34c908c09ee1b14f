import type { Json } from "../../sim/json";
import { list, plural } from "../../sim/english";
import type { ClientRequest, Context, Durable, Message } from "../../sim/types";
import { bookStep, compensateStep, initService, noteRepeatedKey } from "./service";
import { startSaga } from "./start";
import {
  OUTBOX_KEY,
  SAGA_KEY_PREFIX,
  SERVICE_KEY,
  type Outbox,
  type ParticipantState,
  type SagaConfig,
  type SagaRecord,
  type ServiceDurable,
  type TripState,
} from "./types";

/**
 * The choreographed saga (Garcia-Molina & Salem 1987 for the saga; Richardson 2018,
 * "Microservices Patterns", 4.2 for choreography): no node commands another. The trip
 * service records the trip and publishes TRIP_REQUESTED to the first step; each step's
 * service books in a local transaction and publishes STEP_BOOKED to the next (the last
 * one to the trip service), or, if it refuses, STEP_FAILED to the one before. A service
 * that hears STEP_FAILED or STEP_CANCELLED from the step after it compensates and
 * publishes STEP_CANCELLED to the step before it, so the compensations run in reverse
 * order (section 1: T1..Tj, Cj..C1) until the trip service hears the end.
 *
 * Every event is written to the publisher's outbox in the same local transaction as
 * the step it announces, and re-sent every retryMs until its consumer acknowledges it
 * (ACK): delivery is at least once. The consumer turns that into exactly-once effects
 * with idempotency keys (its step's key, as in the orchestrated saga).
 */

type Choreographed = TripState | ParticipantState;

function str(message: Message, field: string): string {
  const value = message[field];
  return typeof value === "string" ? value : "";
}

function names(message: Message, field: string): string[] {
  const value = message[field];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function saveOutbox(ctx: Context, state: Choreographed): void {
  ctx.persist(OUTBOX_KEY, state.outbox as unknown as Json);
}

function outboxOf(durable: Durable): Outbox {
  const saved = durable.get(OUTBOX_KEY);
  return saved === undefined ? {} : (JSON.parse(JSON.stringify(saved)) as Outbox);
}

/** Writes the event to the outbox (durable) and sends it; the retry timer re-sends it until acknowledged. */
function publish(ctx: Context, state: Choreographed, to: string, message: Message, sentence: string): void {
  const key = str(message, "key");
  state.outbox[key] = { to, message };
  saveOutbox(ctx, state);
  ctx.send(to, message, sentence);
  ctx.setTimer("outbox", state.config.retryMs);
}

function acknowledge(ctx: Context, to: string, message: Message): void {
  const key = str(message, "key");
  ctx.send(to, { type: "ACK", saga: str(message, "saga"), key }, `${ctx.node} acknowledges ${key} to ${to}.`);
}

function onAck(ctx: Context, state: Choreographed, from: string, message: Message): void {
  const key = str(message, "key");
  if (state.outbox[key] === undefined) {
    ctx.explain(`${ctx.node} has already crossed ${key} off its outbox; this ACK from ${from} is a repeat.`);
    return;
  }
  delete state.outbox[key];
  saveOutbox(ctx, state);
  if (Object.keys(state.outbox).length === 0) ctx.cancelTimer("outbox");
  ctx.explain(`${from} has ${key}: ${ctx.node} crosses it off its outbox and stops re-sending it.`);
}

/** The retry timer: every unacknowledged event goes out again, with its same key. */
export function choreographyOnTimer(ctx: Context, state: Choreographed): void {
  const entries = Object.entries(state.outbox);
  if (entries.length === 0) return;
  ctx.explain(
    `${ctx.node} has ${plural(entries.length, "event")} not yet acknowledged (${list(entries.map(([key]) => key))}) and sends ${entries.length === 1 ? "it" : "them"} again.`,
  );
  for (const [key, entry] of entries) {
    ctx.send(entry.to, entry.message, `${ctx.node} re-sends ${key} to ${entry.to}.`);
  }
  ctx.setTimer("outbox", state.config.retryMs);
}

export function initChoreographed(node: string, config: SagaConfig): Choreographed | null {
  if (node === config.orchestrator) return { role: "trip", node, config, sagas: {}, outbox: {} };
  if (!config.steps.includes(node)) return null;
  const service = initService(node, config);
  return { role: "participant", node, config, data: service.data, outbox: {} };
}

export function recoverChoreographed(ctx: Context, config: SagaConfig, durable: Durable): Choreographed | null {
  const state = initChoreographed(ctx.node, config);
  if (state === null) return null;
  state.outbox = outboxOf(durable);
  if (state.role === "trip") {
    for (const [key, value] of durable) {
      if (key.startsWith(SAGA_KEY_PREFIX)) {
        state.sagas[key.slice(SAGA_KEY_PREFIX.length)] = JSON.parse(JSON.stringify(value)) as SagaRecord;
      }
    }
  } else {
    const saved = durable.get(SERVICE_KEY);
    if (saved !== undefined) state.data = JSON.parse(JSON.stringify(saved)) as ServiceDurable;
  }
  const waiting = Object.keys(state.outbox);
  ctx.explain(
    `${ctx.node} restarts and reads back its ${state.role === "trip" ? "trip records" : "bookings"} and its outbox: ${waiting.length === 0 ? "every event it published was acknowledged" : `${list(waiting)} still ${waiting.length === 1 ? "waits" : "wait"} for an acknowledgement, and it sends ${waiting.length === 1 ? "it" : "them"} again`}.`,
  );
  for (const [key, entry] of Object.entries(state.outbox)) {
    ctx.send(entry.to, entry.message, `${ctx.node} re-sends ${key} to ${entry.to} after its restart.`);
  }
  if (waiting.length > 0) ctx.setTimer("outbox", config.retryMs);
  return state;
}

export function tripOnClient(ctx: Context, state: TripState, request: ClientRequest): void {
  const started = startSaga(ctx, state.sagas, request, "has a trip");
  if (started === undefined) return;
  const { id, amount, record } = started;
  ctx.persist(`${SAGA_KEY_PREFIX}${id}`, record as unknown as Json);
  const first = state.config.steps[0] as string;
  ctx.explain(
    `${ctx.node} records the trip ${id} for ${amount} and announces it; ${list([...state.config.steps])} will each react to the step before.`,
  );
  ctx.stateChange(`${ctx.node} records ${id} as pending and writes TRIP_REQUESTED to its outbox.`, {
    fact: "begin",
    saga: id,
    steps: [...state.config.steps],
    amount,
    logged: true,
    mode: "choreographed",
  });
  publish(
    ctx,
    state,
    first,
    { type: "TRIP_REQUESTED", saga: id, key: `${id}:requested`, amount },
    `${ctx.node} publishes TRIP_REQUESTED for ${id} to ${first}.`,
  );
}

export function choreographyOnMessage(ctx: Context, state: Choreographed, from: string, message: Message): void {
  if (message.type === "ACK") onAck(ctx, state, from, message);
  else if (state.role === "trip") tripOnEvent(ctx, state, from, message);
  else if (message.type === "TRIP_REQUESTED" || message.type === "STEP_BOOKED") onForward(ctx, state, from, message);
  else if (message.type === "STEP_FAILED" || message.type === "STEP_CANCELLED") onBackward(ctx, state, from, message);
  else ctx.explain(`${ctx.node} does not react to ${message.type}, and ignores it.`);
}

/** The trip service hears the end: STEP_BOOKED from the last step, or the first step's failure or compensation. */
function tripOnEvent(ctx: Context, state: TripState, from: string, message: Message): void {
  const id = str(message, "saga");
  const record = state.sagas[id];
  if (record === undefined) {
    ctx.explain(`${ctx.node} knows no trip ${id}, and ignores this ${message.type}.`);
    acknowledge(ctx, from, message);
    return;
  }
  const ends =
    message.type === "STEP_BOOKED"
      ? "COMMITTED"
      : message.type === "STEP_FAILED" || message.type === "STEP_CANCELLED"
        ? "COMPENSATED"
        : null;
  if (ends === null || record.status !== "RUNNING") {
    ctx.explain(
      `${ctx.node} has already recorded the end of ${id}; this ${message.type} from ${from} changes nothing.`,
    );
    acknowledge(ctx, from, message);
    return;
  }
  record.status = ends;
  if (ends === "COMMITTED") record.done = [...state.config.steps];
  else {
    record.reason = str(message, "reason") || "a step failed";
    record.undone = names(message, "undone");
  }
  ctx.persist(`${SAGA_KEY_PREFIX}${id}`, record as unknown as Json);
  ctx.explain(`${ctx.node} hears ${message.type} for ${id} from ${from}: the trip has ended.`);
  ctx.stateChange(
    ends === "COMMITTED"
      ? `${ctx.node} records ${id} as COMMITTED: every step is booked.`
      : `${ctx.node} records ${id} as COMPENSATED: ${record.undone.length === 0 ? "no step had to be undone" : `${list(record.undone)} undone in reverse order`}, because ${record.reason}.`,
    { fact: "end", saga: id, status: ends, done: [...record.done], undone: [...record.undone], reason: record.reason },
  );
  acknowledge(ctx, from, message);
  if (record.request !== null) {
    ctx.reply(
      record.request,
      { ok: ends === "COMMITTED", saga: id, outcome: ends },
      `${ctx.node} tells the client that ${id} ${ends === "COMMITTED" ? "is booked" : "was rolled back by compensation"}.`,
    );
  }
}

function neighbours(state: ParticipantState): { before: string; after: string } {
  const { steps, orchestrator } = state.config;
  const index = steps.indexOf(state.node);
  return { before: steps[index - 1] ?? orchestrator, after: steps[index + 1] ?? orchestrator };
}

/** The step before this one is done (or the trip was requested): do this step, once. */
function onForward(ctx: Context, state: ParticipantState, from: string, message: Message): void {
  const saga = str(message, "saga");
  const key = `${saga}:do:${state.node}`;
  const amount = typeof message["amount"] === "number" ? message["amount"] : 0;
  const seen = state.data.keys[key];
  if (seen !== undefined) {
    ctx.explain(`${ctx.node} has already applied ${key} (${seen}); this ${message.type} from ${from} is a repeat.`);
    noteRepeatedKey(ctx, saga, key, "do");
    acknowledge(ctx, from, message);
    return;
  }
  const heard = `${ctx.node} hears ${message.type} for ${saga} from ${from}, and does its own step (key ${key}).`;
  const { ok, reason } = bookStep(ctx, state, saga, key, amount, heard);
  acknowledge(ctx, from, message);
  const { before, after } = neighbours(state);
  if (ok) {
    const event = { type: "STEP_BOOKED", saga, key: `${saga}:booked:${state.node}`, amount };
    publish(ctx, state, after, event, `${ctx.node} publishes STEP_BOOKED for ${saga} to ${after}.`);
  } else {
    const event = {
      type: "STEP_FAILED",
      saga,
      key: `${saga}:failed:${state.node}`,
      reason: `${state.node} refused: ${reason}`,
      undone: [],
    };
    publish(ctx, state, before, event, `${ctx.node} publishes STEP_FAILED for ${saga} to ${before}.`);
  }
}

/** The step after this one failed or was compensated: compensate this step, once, and pass it back. */
function onBackward(ctx: Context, state: ParticipantState, from: string, message: Message): void {
  const saga = str(message, "saga");
  const key = `${saga}:undo:${state.node}`;
  const idempotent = state.config.nonIdempotent !== state.node;
  if (idempotent && state.data.keys[key] !== undefined) {
    ctx.explain(`${ctx.node} has already compensated ${saga} under key ${key}; this ${message.type} is a repeat.`);
    noteRepeatedKey(ctx, saga, key, "undo");
    acknowledge(ctx, from, message);
    return;
  }
  const heard = `${ctx.node} hears ${message.type} for ${saga} from ${from}, and compensates its own step (key ${key}).`;
  compensateStep(ctx, state, saga, key, heard);
  acknowledge(ctx, from, message);
  const { before } = neighbours(state);
  const event = {
    type: "STEP_CANCELLED",
    saga,
    key: `${saga}:cancelled:${state.node}`,
    reason: str(message, "reason"),
    undone: [...names(message, "undone"), state.node],
  };
  publish(ctx, state, before, event, `${ctx.node} publishes STEP_CANCELLED for ${saga} to ${before}.`);
}
