import type { JsonObject } from "../../sim/json";
import type { Protocol } from "../../sim/types";
import { SAGA_INVARIANTS, sagaCheckers } from "./checkers";
import {
  choreographyOnMessage,
  choreographyOnTimer,
  initChoreographed,
  recoverChoreographed,
  tripOnClient,
} from "./choreography";
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
 * Sagas (Garcia-Molina & Salem 1987, "Sagas", SIGMOD '87). Orchestrated: one node
 * drives the steps T1..Tn, each a local transaction on its own service, and on a
 * failure runs the compensations Cj..C1 in reverse order. Its saga log lets it resume
 * after a crash; idempotency keys make every retried command safe. Choreographed
 * (config.mode, ./choreography.ts): no node commands another; each service reacts to
 * its neighbours' events, published through a durable outbox.
 */
export const saga: Protocol<SagaConfig, SagaState> = {
  name: "saga",
  description:
    "A saga: each step is booked on its own service, and if one fails the done steps are undone in reverse order with compensations, either driven by an orchestrator or, choreographed, by each service reacting to its neighbours' events. No locks are held across services, so the saga never blocks; it trades atomicity for compensation.",
  operations: ["book"],
  parseConfig: parseSagaConfig,

  init(ctx, config) {
    if (config.mode === "choreographed")
      return initChoreographed(ctx.node, config) ?? { role: "bystander", node: ctx.node };
    if (ctx.node === config.orchestrator) return initOrchestrator(ctx.node, config);
    if (config.steps.includes(ctx.node)) return initService(ctx.node, config);
    return { role: "bystander", node: ctx.node };
  },

  recover(ctx, config, durable) {
    if (config.mode === "choreographed") {
      const state = recoverChoreographed(ctx, config, durable);
      if (state !== null) return state;
    } else if (ctx.node === config.orchestrator) return recoverOrchestrator(ctx, config, durable);
    else if (config.steps.includes(ctx.node)) return recoverService(ctx, config, durable);
    ctx.explain(`${ctx.node} restarts; it takes no part in any saga.`);
    return { role: "bystander", node: ctx.node };
  },

  onMessage(ctx, state, from, message) {
    if (state.role === "orchestrator") orchestratorOnMessage(ctx, state, from, message);
    else if (state.role === "service") serviceOnMessage(ctx, state, from, message);
    else if (state.role === "trip" || state.role === "participant") choreographyOnMessage(ctx, state, from, message);
    else ctx.explain(`${ctx.node} takes no part in any saga and ignores ${message.type}.`);
  },

  onTimer(ctx, state, timer) {
    if (state.role === "orchestrator") orchestratorOnTimer(ctx, state, timer);
    else if (state.role === "trip" || state.role === "participant") choreographyOnTimer(ctx, state);
  },

  onClientRequest(ctx, state, request) {
    if (state.role === "orchestrator") {
      orchestratorOnClient(ctx, state, request);
      return;
    }
    if (state.role === "trip") {
      tripOnClient(ctx, state, request);
      return;
    }
    if (state.role === "participant") {
      ctx.explain(`${ctx.node} is not the trip service, so it cannot begin a saga.`);
      ctx.reply(
        request.id,
        { ok: false, error: "not the trip service" },
        `${ctx.node} tells the client to ask the trip service.`,
      );
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
    if (state.role === "orchestrator" || state.role === "trip") {
      return {
        role: state.role,
        node: state.node,
        sagas: JSON.parse(JSON.stringify(state.sagas)) as JsonObject,
        ...(state.role === "trip" ? { outbox: Object.keys(state.outbox) } : {}),
      };
    }
    return {
      role: "service",
      node: state.node,
      bookings: JSON.parse(JSON.stringify(state.data.bookings)) as JsonObject,
      keys: { ...state.data.keys },
      balance: state.data.balance,
      collected: state.data.collected,
      ...(state.role === "participant" ? { outbox: Object.keys(state.outbox) } : {}),
    };
  },

  describeMessage(message) {
    const saga = typeof message["saga"] === "string" ? message["saga"] : "?";
    return `${message.type}(${saga})`;
  },

  invariants: SAGA_INVARIANTS,
  checkers: (config) => sagaCheckers(config),
};
