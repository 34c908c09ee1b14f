import type { JsonObject } from "../../sim/json";
import type { Protocol } from "../../sim/types";
import { parseIsolationConfig } from "./config";
import { initStore, storeOnClient } from "./store";
import type { IsolationConfig, IsolationState } from "./types";

export type * from "./types";
export { kvHistory, rwRegisterHistory } from "./history";

/**
 * A multi-key transactional store on the first node, at the isolation level the
 * scenario picks (see ./types.ts for the levels and their papers). Clients send read,
 * write, commit and abort for a named transaction; every commit and abort records the
 * transaction's reads and writes, so the run converts to a history the
 * serializability checker reads (./history.ts). The store keeps everything in memory:
 * a crash forgets it (this protocol is about isolation, not durability).
 */
export const isolation: Protocol<IsolationConfig, IsolationState> = {
  name: "isolation",
  description:
    "A transactional key-value store with a chosen isolation level (read committed, snapshot isolation, serializable snapshot isolation, or serializable by strict two-phase locking), to watch lost updates, read skew and write skew happen and be prevented.",
  operations: ["read", "write", "commit", "abort"],
  parseConfig: (raw) => parseIsolationConfig(raw),
  init(ctx, config) {
    return ctx.node === ctx.nodes[0] ? initStore(ctx.node, config) : { role: "idle", node: ctx.node };
  },
  recover(ctx, config) {
    ctx.explain(`${ctx.node} restarts empty but for the initial contents: this store keeps nothing on disk.`);
    return ctx.node === ctx.nodes[0] ? initStore(ctx.node, config) : { role: "idle", node: ctx.node };
  },
  onMessage(ctx, _state, _from, message) {
    ctx.explain(`${ctx.node} takes no messages and ignores ${message.type}.`);
  },
  onTimer() {},
  onClientRequest(ctx, state, request) {
    if (state.role === "store") {
      storeOnClient(ctx, state, request);
      return;
    }
    ctx.reply(
      request.id,
      { ok: false, error: "not the store", redirect: ctx.nodes[0] ?? "" },
      `${ctx.node} is not the store.`,
    );
  },
  view(state): JsonObject {
    if (state.role === "idle") return { role: "idle", node: state.node };
    const data: Record<string, number | string> = {};
    for (const [key, versions] of Object.entries(state.versions)) {
      const last = versions.at(-1);
      if (last !== undefined) data[key] = last.value;
    }
    const txns: Record<string, string> = {};
    for (const [id, txn] of Object.entries(state.txns)) txns[id] = txn.status;
    return { role: "store", node: state.node, isolation: state.config.isolation, data, txns };
  },
  invariants: [],
  checkers: () => [],
};
