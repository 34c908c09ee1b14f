import type { JsonObject } from "../../sim/json";
import type { Protocol } from "../../sim/types";
import { clientOnMessage, clientOnRequest, clientOnTimer } from "./client";
import { FENCING_INVARIANTS, fencingCheckers } from "./checkers";
import { parseFencingConfig } from "./config";
import { lockOnMessage, storageOnMessage } from "./servers";
import type { FencingConfig, FencingState } from "./types";

export type * from "./types";
export { FENCING_INVARIANTS, splitBrainChecker } from "./checkers";
export { parseFencingConfig } from "./config";

function initState(node: string, config: FencingConfig): FencingState {
  if (node === config.lockService) return { role: "lock", node, config, lastToken: 0, holder: null, expiresAt: 0 };
  if (node === config.storage) return { role: "storage", node, config, data: new Map(), newestToken: 0 };
  return { role: "client", node, config, lease: null, pending: null };
}

/**
 * Leases with fencing tokens (Kleppmann, "Designing Data-Intensive Applications",
 * ch. 8, "Process pauses" and "Fencing tokens", Figures 8-4 and 8-5): a lock service
 * grants leases with increasing tokens; clients write to storage with their token;
 * storage rejects a token older than the newest it has seen, unless config.fencing is
 * false. Client ops: put { key, value }, cas { key, expected, value }, get { key }.
 * Nothing is persisted: a crash forgets leases and data (not what this lesson is about).
 */
export const fencing: Protocol<FencingConfig, FencingState> = {
  name: "fencing",
  description:
    "Leases with fencing tokens: a lock service hands out leases with increasing tokens, and storage rejects a write whose token is older than the newest it has seen, so a client paused past its lease cannot corrupt the data.",
  operations: ["put", "cas", "get"],
  parseConfig: parseFencingConfig,
  init: (ctx, config) => initState(ctx.node, config),
  recover(ctx, config) {
    ctx.explain(`${ctx.node} restarts with nothing: this model persists no state.`);
    return initState(ctx.node, config);
  },
  onMessage(ctx, state, from, message) {
    if (state.role === "lock") lockOnMessage(ctx, state, from, message);
    else if (state.role === "storage") storageOnMessage(ctx, state, from, message);
    else clientOnMessage(ctx, state, message);
  },
  onTimer(ctx, state, timer) {
    if (state.role === "client") clientOnTimer(ctx, state, timer);
  },
  onClientRequest(ctx, state, request) {
    if (state.role === "client") {
      clientOnRequest(ctx, state, request);
      return;
    }
    ctx.reply(request.id, { ok: false, error: `${ctx.node} is not a client` }, `${ctx.node} takes no client requests.`);
  },
  view(state): JsonObject {
    if (state.role === "lock")
      return { role: "lock", lastToken: state.lastToken, holder: state.holder, expiresAt: state.expiresAt };
    if (state.role === "storage") {
      const data: JsonObject = {};
      for (const [key, stored] of state.data)
        data[key] = { value: stored.value, token: stored.token, client: stored.client };
      return { role: "storage", fencing: state.config.fencing, newestToken: state.newestToken, data };
    }
    return {
      role: "client",
      lease: state.lease === null ? null : { token: state.lease.token, expiresAt: state.lease.expiresAt },
      pending:
        state.pending === null
          ? null
          : { request: state.pending.request, op: state.pending.op, phase: state.pending.phase },
    };
  },
  describeMessage: (message) =>
    typeof message["token"] === "number" ? `${message.type}(token ${message["token"]})` : message.type,
  invariants: FENCING_INVARIANTS,
  checkers: () => fencingCheckers(),
};
