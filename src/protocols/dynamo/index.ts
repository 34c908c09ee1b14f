import type { Json, JsonObject } from "../../sim/json";
import type { Checker, Protocol } from "../../sim/types";
import { parseDynamoConfig } from "./config";
import { coordinatorOnClient, coordinatorOnMessage, coordinatorOnTimer, OPERATIONS } from "./coordinator";
import {
  armHandoff,
  DURABLE,
  describeValues,
  hintCount,
  onHandoffTimer,
  replicaOnMessage,
  versionsOf,
} from "./replica";
import { position } from "./ring";
import type { DynamoConfig, DynamoState, Store } from "./types";
import { count } from "../../sim/english";

export type * from "./types";
export { preferenceList, position } from "./ring";
export { reconcile, descends, mergeClocks } from "./versions";
export { MAX_KEY_LENGTH, MAX_VALUE_CHARS } from "./config";

export const DYNAMO_INVARIANTS = { noLostConcurrentWrite: "dynamo-no-lost-concurrent-write" } as const;

function fresh(node: string, config: DynamoConfig): DynamoState {
  return { node, config, store: {}, hints: {}, counter: 0, pending: {}, discarded: [] };
}

function storeOf(value: Json | undefined): Store {
  const store: Store = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) return store;
  for (const [key, versions] of Object.entries(value)) store[key] = versionsOf(versions);
  return store;
}

/**
 * A Dynamo-style leaderless key-value store (DeCandia et al. 2007, "Dynamo:
 * Amazon's Highly Available Key-value Store", SOSP). Keys live on a consistent-hash
 * ring (§4.2) and are replicated on the first N nodes of their preference list
 * (§4.3); the node a client asks coordinates, waiting for R answers to a get and W
 * acknowledgements to a put (§4.5). When home replicas do not answer, the write
 * goes to the next nodes of the ring with a hint and is handed back after the
 * failure heals (sloppy quorum and hinted handoff, §4.6); a get repairs stale
 * replicas (§5). Versions carry vector clocks (§4.4): concurrent writes are kept
 * as siblings and returned to the client to merge; config.resolution:
 * last-writer-wins keeps only the largest physical timestamp instead.
 */
export const dynamo: Protocol<DynamoConfig, DynamoState> = {
  name: "dynamo",
  description:
    "A Dynamo-style leaderless key-value store: N replicas per key on a hash ring, R/W quorums, sloppy quorum with hinted handoff, read repair, and vector-clock siblings (or last-writer-wins).",
  operations: OPERATIONS,
  parseConfig: parseDynamoConfig,

  init(ctx, config) {
    const state = fresh(ctx.node, config);
    ctx.note(`${ctx.node} joins the ring at position ${position(ctx.node)} (§4.2).`, {
      event: "ring",
      position: position(ctx.node),
    });
    return state;
  },

  recover(ctx, config, durable) {
    const state = fresh(ctx.node, config);
    state.store = storeOf(durable.get(DURABLE.store));
    const hints = durable.get(DURABLE.hints);
    if (hints !== null && typeof hints === "object" && !Array.isArray(hints)) {
      for (const [home, store] of Object.entries(hints)) state.hints[home] = storeOf(store);
    }
    const counter = durable.get(DURABLE.counter);
    state.counter = typeof counter === "number" ? counter : 0;
    ctx.explain(
      `${ctx.node} restarts with ${count(Object.keys(state.store).length, "key")} and ${count(hintCount(state), "hinted replica")} from its disk; requests it was coordinating are lost.`,
    );
    armHandoff(ctx, state);
    return state;
  },

  onMessage(ctx, state, from, message) {
    if (coordinatorOnMessage(ctx, state, from, message)) return;
    if (replicaOnMessage(ctx, state, from, message)) return;
    ctx.explain(`${state.node} ignores an unknown message ${message.type} from ${from}.`);
  },

  onTimer(ctx, state, timer) {
    if (timer.name === "handoff") onHandoffTimer(ctx, state);
    else if (timer.name.startsWith("request:")) coordinatorOnTimer(ctx, state, String(timer.payload));
  },

  onClientRequest(ctx, state, request) {
    coordinatorOnClient(ctx, state, request);
  },

  view(state) {
    const store: JsonObject = {};
    for (const key of Object.keys(state.store).sort()) {
      const versions = state.store[key] ?? [];
      store[key] = {
        values: versions.map((version) => version.value),
        clocks: versions.map((version) => ({ ...version.clock })),
      };
    }
    const hints: JsonObject = {};
    for (const home of Object.keys(state.hints).sort()) {
      const held: JsonObject = {};
      for (const [key, versions] of Object.entries(state.hints[home] ?? {}))
        held[key] = versions.map((version) => version.value);
      hints[home] = held;
    }
    return {
      node: state.node,
      store,
      hints,
      counter: state.counter,
      pending: Object.keys(state.pending).length,
      discarded: state.discarded.map((entry) => ({ ...entry })),
    };
  },

  describeMessage(message) {
    const key = String(message["key"]);
    if (message.type === "WRITE" || message.type === "REPAIR" || message.type === "HANDOFF") {
      return `${message.type}(${key} = ${describeValues(versionsOf(message["versions"]))})`;
    }
    return `${message.type}(${key})`;
  },

  invariants: [DYNAMO_INVARIANTS.noLostConcurrentWrite],
  checkers: () => [lostWriteChecker()],
};

/**
 * Under vector clocks a replica drops a version only when another descends from it
 * (§4.4). Last-writer-wins drops versions that were concurrent with the winner:
 * a write the client was told succeeded can vanish. Reads states only.
 */
function lostWriteChecker(): Checker<DynamoState> {
  const seen = new Map<string, { state: DynamoState; count: number }>();
  return {
    invariant: DYNAMO_INVARIANTS.noLostConcurrentWrite,
    description:
      "No replica discards a version unless a version it keeps causally follows it (DeCandia et al. 2007, §4.4).",
    observe(step) {
      const violations = [];
      for (const node of step.changed ?? step.states.keys()) {
        const state = step.states.get(node);
        if (state === undefined) continue;
        const previous = seen.get(node);
        const from = previous?.state === state ? previous.count : 0;
        for (const entry of state.discarded.slice(from)) {
          violations.push({
            node,
            message: `${node} discarded ${String(entry["key"])} = ${JSON.stringify(entry["value"])} (timestamp ${String(entry["ts"])}) for a concurrent version with a larger timestamp: a write is lost.`,
            data: { ...entry },
          });
        }
        seen.set(node, { state, count: state.discarded.length });
      }
      return violations;
    },
  };
}
