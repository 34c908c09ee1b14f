import type { Protocol } from "../../src/sim/types";
import { DEFAULT_LIMITS, DEFAULT_NETWORK, type SimulationSpec } from "../../src/sim/spec";

/** A tiny protocol for testing the core: every node pings every other on a client "ping", peers answer PONG. */
export interface EchoState {
  pings: number;
  pongs: number;
  log: string[];
}

export const echoProtocol: Protocol<{ persistPings: boolean }, EchoState> = {
  name: "echo",
  description: "test protocol",
  operations: ["ping", "tick"],
  parseConfig: () => ({ ok: true, config: { persistPings: true } }),
  init: () => ({ pings: 0, pongs: 0, log: [] }),
  recover: (_ctx, _config, durable) => ({ pings: Number(durable.get("pings") ?? 0), pongs: 0, log: ["recovered"] }),
  onMessage(ctx, state, from, message) {
    state.log.push(`${message.type} from ${from}`);
    if (message.type === "PING") {
      state.pings += 1;
      ctx.persist("pings", state.pings);
      ctx.send(from, { type: "PONG", n: message["n"] ?? 0 }, `${ctx.node} answers ${from}'s ping.`);
    } else {
      state.pongs += 1;
    }
  },
  onTimer(ctx, state, timer) {
    state.log.push(`timer ${timer.name}`);
    if (timer.name === "again") ctx.setTimer("again", 10);
  },
  onClientRequest(ctx, state, request) {
    if (request.op === "tick") {
      ctx.setTimer("again", 10);
      ctx.reply(request.id, { ok: true }, `${ctx.node} starts ticking.`);
      return;
    }
    for (const peer of ctx.nodes) {
      if (peer !== ctx.node) ctx.send(peer, { type: "PING", n: state.log.length }, `${ctx.node} pings ${peer}.`);
    }
    ctx.reply(request.id, { ok: true }, `${ctx.node} has sent its pings.`);
  },
  view: (state) => ({ pings: state.pings, pongs: state.pongs, log: [...state.log] }),
  invariants: [],
  checkers: () => [],
};

export function spec(overrides: Partial<SimulationSpec> = {}): SimulationSpec {
  return {
    nodes: ["a", "b", "c"],
    seed: 1,
    network: DEFAULT_NETWORK,
    clocks: {},
    workload: [],
    faults: [],
    limits: DEFAULT_LIMITS,
    ...overrides,
  };
}
