import { reply } from "./clients";
import type { Core, NodeRecord } from "./core";
import { cloneJson } from "./json";
import { transmit } from "./messages";
import type { Context } from "./types";

/**
 * The context a protocol answers through (etcd raft's Ready, made synchronous):
 * one per node incarnation. Once the node crashes (or the run stops) every call is
 * silently ignored, so the rest of a handler that crashed its own node has no effect.
 */
export function createContext<Config, State>(core: Core<Config, State>, node: NodeRecord<State>): Context {
  const incarnation = node.incarnation;
  const alive = (): boolean => node.up && node.incarnation === incarnation && !core.stopped;
  const protocol = core.protocol.name;
  return {
    node: node.name,
    nodes: core.spec.nodes,
    get now(): number {
      return core.now;
    },
    rng: node.rng,
    physicalClock: () => physicalClock(core.now, node),
    send: (to, message, explanation) => {
      if (alive()) transmit(core, node, to, message, explanation);
    },
    setTimer: (name, delay, payload = null) => {
      if (!alive()) return;
      if (!Number.isInteger(delay) || delay < 0) {
        throw new Error(
          `protocol ${protocol}: ${node.name} set timer ${name} with delay ${delay}; delays are non-negative integer ticks`,
        );
      }
      const limit = core.limits.maxTimersPerNode;
      if (!node.timers.has(name) && node.timers.size >= limit) {
        throw new Error(
          `protocol ${protocol}: ${node.name} set timer ${name} while ${limit} other timers were set, the limit per node (maxTimersPerNode); reuse timer names`,
        );
      }
      const timerId = core.nextTimerId();
      node.timers.set(name, timerId);
      core.schedule(core.now + delay, { type: "timer", node: node.name, name, timerId, payload });
    },
    cancelTimer: (name) => {
      if (alive()) node.timers.delete(name);
    },
    reply: (requestId, result, explanation) => {
      if (alive()) reply(core, node, requestId, result, explanation);
    },
    persist: (key, value) => {
      if (alive()) node.durable.set(key, cloneJson(value));
    },
    note: (explanation, data) => {
      if (alive()) core.trace.local(node, "NOTE", explanation, data ?? null);
    },
    stateChange: (explanation, data) => {
      if (alive()) core.trace.local(node, "STATE_CHANGE", explanation, data ?? null);
    },
    explain: (explanation) => {
      const handling = core.handling;
      if (!alive() || handling === undefined) return;
      core.trace.rewriteSummary(handling.index, explanation);
    },
  };
}

/** A node's physical clock: virtual time skewed by its offset and drift (it keeps running through a pause). */
export function physicalClock(now: number, node: { clockOffset: number; clockDrift: number }): number {
  return now + node.clockOffset + Math.floor(now * node.clockDrift);
}
