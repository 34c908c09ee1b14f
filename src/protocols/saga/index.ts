import type { JsonObject } from "../../sim/json";
import type { Protocol } from "../../sim/types";
import { SAGA_INVARIANTS, sagaCheckers } from "./checkers";
import { parseSagaConfig } from "./config";
import {
  initOrchestrator,
  orchestratorOnClient,
  orchestratorOnMessage,
  orchestratorOnTimer,
  recoverOrchestrator,
} from "./orchestrator";
import { initService, recoverService, serviceOnMessage } from "./service";
import type { SagaConfig, SagaState } from "./types";

export type * from "./types";
export { SAGA_INVARIANTS } from "./checkers";

/**
 * Sagas (Garcia-Molina & Salem 1987, "Sagas", SIGMOD '87), orchestrated: one node
 * drives the steps T1..Tn, each a local transaction on its own service, and on a
 * failure runs the compensations Cj..C1 in reverse order. Its saga log lets it resume
 * after a crash; idempotency keys make every retried command safe.
 */
export const saga: Protocol<SagaConfig, SagaState> = {
  name: "saga",
  description:
    "An orchestrated saga: a coordinator books each step on its own service, and if one fails it undoes the done steps in reverse order with compensations. No locks are held across services, so the saga never blocks; it trades atomicity for compensation.",
  operations: ["book"],
  parseConfig: parseSagaConfig,

  init(ctx, config) {
    if (ctx.node === config.orchestrator) return initOrchestrator(ctx.node, config);
    if (config.steps.includes(ctx.node)) return initService(ctx.node, config);
    return { role: "bystander", node: ctx.node };
  },

  recover(ctx, config, durable) {
    if (ctx.node === config.orchestrator) return recoverOrchestrator(ctx, config, durable);
    if (config.steps.includes(ctx.node)) return recoverService(ctx, config, durable);
    ctx.explain(`${ctx.node} restarts; it takes no part in any saga.`);
    return { role: "bystander", node: ctx.node };
  },

  onMessage(ctx, state, from, message) {
    if (state.role === "orchestrator") orchestratorOnMessage(ctx, state, from, message);
    else if (state.role === "service") serviceOnMessage(ctx, state, from, message);
    else ctx.explain(`${ctx.node} takes no part in any saga and ignores ${message.type}.`);
  },

  onTimer(ctx, state, timer) {
    if (state.role === "orchestrator") orchestratorOnTimer(ctx, state, timer);
  },

  onClientRequest(ctx, state, request) {
    if (state.role === "orchestrator") {
      orchestratorOnClient(ctx, state, request);
      return;
    }
    ctx.explain(`${ctx.node} is not the orchestrator, so it cannot begin a saga.`);
    ctx.reply(
      request.id,
      { ok: false, error: "not the orchestrator" },
      `${ctx.node} tells the client to ask the orchestrator.`,
    );
  },

  view(state): JsonObject {
    if (state.role === "bystander") return { role: "bystander", node: state.node };
    if (state.role === "orchestrator") {
      return { role: "orchestrator", node: state.node, sagas: JSON.parse(JSON.stringify(state.sagas)) as JsonObject };
    }
    return {
      role: "service",
      node: state.node,
      bookings: JSON.parse(JSON.stringify(state.data.bookings)) as JsonObject,
      keys: { ...state.data.keys },
      balance: state.data.balance,
      collected: state.data.collected,
    };
  },

  describeMessage(message) {
    const saga = typeof message["saga"] === "string" ? message["saga"] : "?";
    return `${message.type}(${saga})`;
  },

  invariants: SAGA_INVARIANTS,
  checkers: (config) => sagaCheckers(config),
};
