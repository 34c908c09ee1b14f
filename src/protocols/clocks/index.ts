import type { Protocol } from "../../sim/types";
import { clocksCheckers } from "./checkers";
import { parseClocksConfig } from "./config";
import { describeMessage, initNode, onClientRequest, onMessage, onTimer, recoverNode, view } from "./node";
import type { ClocksConfig, ClocksState } from "./types";

export type * from "./types";
export { compareHlc, formatHlc, hlcLocalOrSend, hlcReceive } from "./hlc";
export { hlcBoundedChecker, hlcCausalityChecker } from "./checkers";
export { parseClocksConfig } from "./config";

/**
 * Logical and hybrid clocks side by side. Nodes record local events and send
 * application messages (workload ops `local { text }` and `send { to, text }`, or
 * random chatter from `config.chatter`), and each node keeps a Lamport clock
 * (Lamport 1978), a vector clock (Mattern 1988; Fidge 1988) and a hybrid logical
 * clock (Kulkarni et al. 2014) on its own skewed physical clock. Every node builds
 * Lamport's total order of the events it knows of and notes pairs it finds concurrent.
 */
export const clocks: Protocol<ClocksConfig, ClocksState> = {
  name: "clocks",
  description:
    "Lamport clocks, vector clocks and hybrid logical clocks kept by every node on its own skewed physical clock: what each can and cannot tell about the order of events.",
  operations: ["local", "send"],
  parseConfig: (raw) => parseClocksConfig(raw),
  init: initNode,
  recover: recoverNode,
  onMessage: (ctx, state, from, message) => onMessage(ctx, state, state.config, from, message),
  onTimer: (ctx, state, timer) => onTimer(ctx, state, state.config, timer),
  onClientRequest: (ctx, state, request) => onClientRequest(ctx, state, state.config, request),
  view,
  describeMessage,
  invariants: ["HlcCausality", "HlcBounded"],
  checkers: () => clocksCheckers(),
};
