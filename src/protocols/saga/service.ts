import type { Json } from "../../sim/json";
import type { Context, Durable, Message } from "../../sim/types";
import { SERVICE_KEY, type Booking, type SagaConfig, type ServiceDurable, type ServiceState } from "./types";

/**
 * A service node: each step and each compensation is one local transaction, applied
 * and persisted before the reply is sent (Garcia-Molina & Salem 1987, section 1: each
 * Ti and Ci is a transaction in its own right). Every command carries an idempotency
 * key; a key seen before gets the recorded reply again and changes nothing, so the
 * orchestrator may retry freely. With config.nonIdempotent naming this service, its
 * compensation forgets to look its key up (the teaching bug).
 */
export function initService(node: string, config: SagaConfig): ServiceState {
  return {
    role: "service",
    node,
    config,
    data: { bookings: {}, keys: {}, balance: node === config.payment ? config.balance : 0, collected: 0 },
  };
}

export function recoverService(ctx: Context, config: SagaConfig, durable: Durable): ServiceState {
  const state = initService(ctx.node, config);
  const saved = durable.get(SERVICE_KEY);
  if (saved !== undefined) state.data = JSON.parse(JSON.stringify(saved)) as ServiceDurable;
  ctx.explain(
    `${ctx.node} restarts and reads its durable bookings back: every step and compensation it applied survives.`,
  );
  return state;
}

/** What a step's local transactions touch: the service's durable data and the saga's config. */
type Local = Pick<ServiceState, "data" | "config">;

function save(ctx: Context, state: Local): void {
  ctx.persist(SERVICE_KEY, state.data as unknown as Json);
}

function str(message: Message, field: string): string {
  const value = message[field];
  return typeof value === "string" ? value : "";
}

function num(message: Message, field: string): number {
  const value = message[field];
  return typeof value === "number" ? value : 0;
}

function booking(amount: number): Booking {
  return { status: "BOOKED", amount, charged: 0, refunded: 0 };
}

export function serviceOnMessage(ctx: Context, state: ServiceState, from: string, message: Message): void {
  const saga = str(message, "saga");
  const key = str(message, "key");
  const amount = num(message, "amount");
  if (message.type === "DO") onDo(ctx, state, from, saga, key, amount);
  else if (message.type === "UNDO") onUndo(ctx, state, from, saga, key);
  else ctx.explain(`${ctx.node} is a service; a ${message.type} is not meant for it, so it ignores it.`);
}

function onDo(ctx: Context, state: ServiceState, from: string, saga: string, key: string, amount: number): void {
  const { data } = state;
  const seen = data.keys[key];
  if (seen !== undefined) {
    ctx.explain(`${ctx.node} has already applied ${key}; it changes nothing and repeats its answer (${seen}).`);
    noteRepeatedKey(ctx, saga, key, "do");
    ctx.send(
      from,
      doneMessage(saga, key, seen === "BOOKED", data.bookings[saga]?.status ?? seen),
      `${ctx.node} repeats: ${seen}.`,
    );
    return;
  }
  const { ok, reason } = bookStep(
    ctx,
    state,
    saga,
    key,
    amount,
    `${ctx.node} is asked to do its step of ${saga} (key ${key}).`,
  );
  ctx.send(
    from,
    doneMessage(saga, key, ok, ok ? "BOOKED" : reason),
    `${ctx.node} tells ${from}: ${ok ? "done" : "refused"}.`,
  );
}

/**
 * Step Ti as one local transaction: books (or charges, at the payment service) and
 * remembers the key, persisted before anything is answered or published. `heard` is
 * the sentence for the event that asked for it (a command, or another service's event).
 */
export function bookStep(
  ctx: Context,
  state: Local,
  saga: string,
  key: string,
  amount: number,
  heard: string,
): { ok: boolean; reason: string } {
  const { data, config } = state;
  const existing = data.bookings[saga];
  let ok: boolean;
  let reason: string;
  if (existing?.status === "CANCELLED") {
    // The compensation overtook the step (Garcia-Molina & Salem 1987, section 5: a
    // compensation may run for a step whose outcome was unknown); the late step must not book.
    ok = false;
    reason = "it was already compensated";
  } else if (config.fail[ctx.node] !== undefined) {
    ok = false;
    reason = config.fail[ctx.node] as string;
  } else if (ctx.node === config.payment && data.balance < amount) {
    ok = false;
    reason = `the balance ${data.balance} is below ${amount}`;
  } else {
    ok = true;
    reason = "";
  }
  if (ok) {
    const record = booking(amount);
    if (ctx.node === config.payment) {
      record.charged += amount;
      data.balance -= amount;
      data.collected += amount;
    }
    data.bookings[saga] = record;
  } else if (existing === undefined) {
    data.bookings[saga] = { status: "REFUSED", amount, charged: 0, refunded: 0 };
  }
  const status = data.bookings[saga]?.status ?? "REFUSED";
  data.keys[key] = status;
  save(ctx, state);
  const what = ctx.node === config.payment ? `charges ${amount} for ${saga}` : `books ${saga}`;
  ctx.explain(heard);
  ctx.stateChange(
    ok
      ? `${ctx.node} ${what} in one local transaction and remembers the key ${key}.`
      : `${ctx.node} refuses its step of ${saga}: ${reason}.`,
    {
      fact: "step",
      saga,
      key,
      ok,
      reason: ok ? null : reason,
      status,
      charged: ctx.node === config.payment && ok ? amount : 0,
      balance: data.balance,
    },
  );
  return { ok, reason };
}

function onUndo(ctx: Context, state: ServiceState, from: string, saga: string, key: string): void {
  const { data, config } = state;
  const idempotent = config.nonIdempotent !== ctx.node;
  if (idempotent && data.keys[key] !== undefined) {
    ctx.explain(`${ctx.node} has already compensated ${saga} under key ${key}; it changes nothing and confirms again.`);
    noteRepeatedKey(ctx, saga, key, "undo");
    ctx.send(from, { type: "UNDONE", saga, key }, `${ctx.node} confirms again that ${saga} is compensated.`);
    return;
  }
  compensateStep(ctx, state, saga, key, `${ctx.node} is asked to compensate its step of ${saga} (key ${key}).`);
  ctx.send(from, { type: "UNDONE", saga, key }, `${ctx.node} tells ${from}: compensated.`);
}

/**
 * Compensation Ci as one local transaction: cancels the booking (and refunds, at the
 * payment service), persisted before anything is answered or published. With
 * config.nonIdempotent naming this service it refunds again on a repeat (the teaching bug).
 */
export function compensateStep(ctx: Context, state: Local, saga: string, key: string, heard: string): void {
  const { data, config } = state;
  const idempotent = config.nonIdempotent !== ctx.node;
  const record = data.bookings[saga];
  let refund = 0;
  if (record === undefined) {
    // Nothing to undo; remember the cancellation so that a late DO is refused.
    data.bookings[saga] = { status: "CANCELLED", amount: 0, charged: 0, refunded: 0 };
  } else {
    if (ctx.node === config.payment && record.charged > 0 && (record.status === "BOOKED" || !idempotent)) {
      refund = record.amount;
      record.refunded += refund;
      data.balance += refund;
      data.collected -= refund;
    }
    if (record.status === "BOOKED") record.status = "CANCELLED";
  }
  data.keys[key] = "CANCELLED";
  save(ctx, state);
  ctx.explain(heard);
  const refunded = data.bookings[saga]?.refunded ?? 0;
  const charged = data.bookings[saga]?.charged ?? 0;
  const sentence =
    refund > 0
      ? `${ctx.node} refunds ${refund} for ${saga} (${refunded} refunded of ${charged} charged)${idempotent ? "" : ", without looking up the key: this compensation is not idempotent"}.`
      : record === undefined
        ? `${ctx.node} has nothing of ${saga} to undo; it records the cancellation so a late step for ${saga} is refused.`
        : `${ctx.node} cancels its booking for ${saga}.`;
  ctx.stateChange(sentence, {
    fact: "compensation",
    saga,
    key,
    refunded: refund,
    totalRefunded: refunded,
    charged,
    idempotent,
    status: data.bookings[saga]?.status ?? "CANCELLED",
    balance: data.balance,
  });
}

function doneMessage(saga: string, key: string, ok: boolean, detail: string): Message {
  return ok ? { type: "DONE", saga, key } : { type: "REFUSED", saga, key, reason: detail };
}

/**
 * A step or compensation whose idempotency key was already applied: noted (data
 * `duplicate`) and not applied again. Both saga modes' services take repeats this way.
 */
export function noteRepeatedKey(ctx: Context, saga: string, key: string, step: "do" | "undo"): void {
  const what = step === "do" ? `book ${saga} again` : `compensate ${saga} twice`;
  ctx.note(`${ctx.node} recognises the idempotency key ${key} and does not ${what}.`, {
    fact: "duplicate",
    saga,
    key,
    step,
    applied: false,
  });
}
