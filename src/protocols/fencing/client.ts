import type { Json } from "../../sim/json";
import type { ClientRequest, Context, Message, TimerFired } from "../../sim/types";
import type { ClientState, PendingOp } from "./types";

/**
 * A client that takes the lease before it writes (DDIA ch. 8, "Process pauses"):
 * it checks that its lease is valid by its own clock, works for thinkMs (a read of
 * the value to compare, for a cas), and then writes with its token, without
 * checking again: a pause between the check and the write goes unnoticed.
 */
export function clientOnRequest(ctx: Context, state: ClientState, request: ClientRequest): void {
  const key = request.args["key"];
  if (typeof key !== "string" || state.pending !== null) {
    ctx.reply(
      request.id,
      { ok: false, error: typeof key !== "string" ? "args.key must be a string" : "busy with another request" },
      `${ctx.node} refuses ${request.id}.`,
    );
    return;
  }
  const op = request.op === "put" || request.op === "cas" ? request.op : "get";
  const pending: PendingOp = {
    request: request.id,
    op,
    key,
    value: (request.args["value"] ?? null) as Json,
    expected: (request.args["expected"] ?? null) as Json,
    phase: "reading",
  };
  state.pending = pending;
  if (op === "get") {
    read(ctx, state, pending);
    return;
  }
  const clock = ctx.physicalClock();
  if (state.lease !== null && clock < state.lease.expiresAt) {
    ctx.explain(
      `${ctx.node} checks its lease: token ${state.lease.token} is valid until ${state.lease.expiresAt} by its clock (now ${clock}).`,
    );
    proceed(ctx, state, pending);
    return;
  }
  pending.phase = "acquiring";
  ctx.explain(`${ctx.node} needs the lease before it may ${op} ${key}.`);
  ctx.send(
    state.config.lockService,
    { type: "ACQUIRE", request: request.id },
    `${ctx.node} asks ${state.config.lockService} for the lease.`,
  );
}

function proceed(ctx: Context, state: ClientState, pending: PendingOp): void {
  if (pending.op === "cas") read(ctx, state, pending);
  else think(ctx, state, pending);
}

function read(ctx: Context, state: ClientState, pending: PendingOp): void {
  pending.phase = "reading";
  ctx.send(
    state.config.storage,
    { type: "READ", request: pending.request, key: pending.key },
    `${ctx.node} reads ${pending.key} from ${state.config.storage}.`,
  );
}

function think(ctx: Context, state: ClientState, pending: PendingOp): void {
  pending.phase = "thinking";
  ctx.setTimer("write", state.config.thinkMs, pending.request);
}

export function clientOnMessage(ctx: Context, state: ClientState, message: Message): void {
  const pending = state.pending;
  if (pending === null || message["request"] !== pending.request) return;
  switch (message.type) {
    case "GRANT": {
      const token = Number(message["token"]);
      const expiresAt = ctx.physicalClock() + Number(message["leaseMs"]);
      state.lease = { token, expiresAt };
      ctx.explain(`${ctx.node} holds the lease with token ${token}, valid until ${expiresAt} by its own clock.`);
      proceed(ctx, state, pending);
      return;
    }
    case "DENIED":
      done(
        ctx,
        state,
        { ok: false, error: `lease held by ${String(message["holder"])}` },
        `${ctx.node} cannot get the lease.`,
      );
      return;
    case "READ_REPLY": {
      const value = (message["value"] ?? null) as Json;
      if (pending.op === "get") {
        done(ctx, state, { ok: true, value }, `${ctx.node} returns ${JSON.stringify(value)}.`);
      } else if (JSON.stringify(value) !== JSON.stringify(pending.expected)) {
        done(
          ctx,
          state,
          { ok: true, swapped: false, value },
          `${ctx.node}'s cas finds ${JSON.stringify(value)}, not ${JSON.stringify(pending.expected)}: no swap.`,
        );
      } else {
        ctx.explain(
          `${ctx.node} reads ${pending.key} = ${JSON.stringify(value)} as expected and prepares its write (${state.config.thinkMs} ms of work).`,
        );
        think(ctx, state, pending);
      }
      return;
    }
    case "WRITE_OK":
      done(
        ctx,
        state,
        pending.op === "cas" ? { ok: true, swapped: true } : { ok: true },
        `${ctx.node}'s write of ${pending.key} is stored.`,
      );
      return;
    case "WRITE_REJECTED":
      state.lease = null;
      done(
        ctx,
        state,
        {
          ok: false,
          error: `fenced: token ${String(message["token"])} is older than ${String(message["newestToken"])}`,
        },
        `${ctx.node}'s write was fenced off: its lease was stale.`,
      );
      return;
  }
}

export function clientOnTimer(ctx: Context, state: ClientState, timer: TimerFired): void {
  const pending = state.pending;
  if (timer.name !== "write" || pending === null || pending.request !== timer.payload) return;
  pending.phase = "writing";
  const token = state.lease?.token ?? 0;
  ctx.explain(
    `${ctx.node} writes ${pending.key} = ${JSON.stringify(pending.value)} with token ${token}, without checking its lease again.`,
  );
  ctx.send(
    state.config.storage,
    { type: "WRITE", request: pending.request, key: pending.key, value: pending.value, token },
    `${ctx.node} sends its write to ${state.config.storage}.`,
  );
}

function done(ctx: Context, state: ClientState, result: { [key: string]: Json }, explanation: string): void {
  const pending = state.pending;
  if (pending === null) return;
  state.pending = null;
  ctx.reply(pending.request, result, explanation);
}
