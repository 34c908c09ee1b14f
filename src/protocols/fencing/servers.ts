import type { Json } from "../../sim/json";
import type { Context, Message } from "../../sim/types";
import type { LockState, StorageState } from "./types";

/**
 * The lock service (Kleppmann, DDIA ch. 8, "The leader and the lock", Figure 8-4/8-5):
 * it grants one lease at a time, each with a token larger than every earlier one,
 * and expiring leaseMs later by its own clock.
 */
export function lockOnMessage(ctx: Context, state: LockState, from: string, message: Message): void {
  if (message.type !== "ACQUIRE") return;
  const request = message["request"] as Json;
  const now = ctx.physicalClock();
  if (state.holder !== null && state.holder !== from && now < state.expiresAt) {
    ctx.explain(`${ctx.node} refuses ${from} a lease: ${state.holder} holds it until ${state.expiresAt}.`);
    ctx.send(
      from,
      { type: "DENIED", request, holder: state.holder, expiresAt: state.expiresAt },
      `${ctx.node} tells ${from} the lease is taken.`,
    );
    return;
  }
  const previous = state.holder;
  const previousExpiredAt = state.expiresAt;
  state.lastToken += 1;
  state.holder = from;
  state.expiresAt = now + state.config.leaseMs;
  ctx.explain(
    `${ctx.node} grants ${from} a lease with fencing token ${state.lastToken}, until ${state.expiresAt} by its clock.`,
  );
  ctx.stateChange(
    previous !== null && previous !== from
      ? `${ctx.node}'s lease now belongs to ${from} (token ${state.lastToken}); ${previous}'s lease expired at ${previousExpiredAt}.`
      : `${ctx.node}'s lease now belongs to ${from} (token ${state.lastToken}).`,
    {
      fact: "lease-granted",
      client: from,
      token: state.lastToken,
      expiresAt: state.expiresAt,
      previousHolder: previous,
      previousExpiredAt: previous === null ? null : previousExpiredAt,
    },
  );
  ctx.send(
    from,
    { type: "GRANT", request, token: state.lastToken, leaseMs: state.config.leaseMs },
    `${ctx.node} sends ${from} the lease, token ${state.lastToken}.`,
  );
}

/**
 * Storage: with fencing on it rejects a write whose token is older than the newest
 * it has seen (DDIA ch. 8, "Fencing tokens", Figure 8-5); with fencing off it
 * accepts every write, whatever its token.
 */
export function storageOnMessage(ctx: Context, state: StorageState, from: string, message: Message): void {
  const request = message["request"] as Json;
  const key = String(message["key"]);
  if (message.type === "READ") {
    const stored = state.data.get(key);
    ctx.explain(`${ctx.node} reads ${key} for ${from}: ${JSON.stringify(stored?.value ?? null)}.`);
    ctx.send(from, { type: "READ_REPLY", request, key, value: stored?.value ?? null }, `${ctx.node} answers ${from}.`);
    return;
  }
  if (message.type !== "WRITE") return;
  const token = Number(message["token"]);
  const value = (message["value"] ?? null) as Json;
  const newest = state.newestToken;
  if (state.config.fencing && token < newest) {
    ctx.explain(
      `${ctx.node} rejects ${from}'s write of ${key}: its token ${token} is older than ${newest}, the newest it has seen.`,
    );
    ctx.note(`${ctx.node} fences off ${from}: token ${token} < ${newest}.`, {
      fact: "write-rejected",
      client: from,
      key,
      token,
      newestToken: newest,
    });
    ctx.send(
      from,
      { type: "WRITE_REJECTED", request, token, newestToken: newest },
      `${ctx.node} tells ${from} its token is stale.`,
    );
    return;
  }
  state.newestToken = Math.max(newest, token);
  state.data.set(key, { value, token, client: from });
  ctx.explain(`${ctx.node} accepts ${from}'s write ${key} = ${JSON.stringify(value)} with token ${token}.`);
  ctx.stateChange(
    token < newest
      ? `${ctx.node} stores ${key} = ${JSON.stringify(value)} from ${from} although its token ${token} is older than ${newest}: fencing is off.`
      : `${ctx.node} stores ${key} = ${JSON.stringify(value)} from ${from} (token ${token}).`,
    { fact: "write-accepted", client: from, key, value, token, newestToken: newest, fencing: state.config.fencing },
  );
  ctx.send(from, { type: "WRITE_OK", request, token }, `${ctx.node} confirms the write to ${from}.`);
}
