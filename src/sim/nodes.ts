import { assert } from "./assert";
import { createContext } from "./context";
import type { Core, NodeRecord } from "./core";
import { causeField, eventData, type CrashData } from "./event-data";
import { cloneJson } from "./json";
import { endPauseByCrash } from "./pause";
import { Rng } from "./rng";
import type { SimulationSpec } from "./spec";
import type { Durable } from "./types";

/** A node before its first start: up, empty durable storage, its own stream of the seed. */
export function createNode<State>(name: string, spec: SimulationSpec): NodeRecord<State> {
  const clock = spec.clocks[name];
  return {
    name,
    up: true,
    incarnation: 0,
    state: undefined,
    durable: new Map(),
    timers: new Map(),
    lamport: 0,
    vclock: {},
    clockOffset: clock?.offset ?? 0,
    clockDrift: clock?.drift ?? 0,
    rng: new Rng(spec.seed, `node:${name}`),
    ctx: undefined,
    pause: undefined,
  };
}

/** The node's first start (protocol.init). */
export function start<Config, State>(core: Core<Config, State>, node: NodeRecord<State>): void {
  const ctx = createContext(core, node);
  node.ctx = ctx;
  node.state = core.protocol.init(ctx, core.config);
  core.touched(node.name, true);
}

/**
 * A crash: volatile state, timers and the context of this incarnation are lost;
 * only what the node persisted survives. Requests it was serving will never be
 * answered by this incarnation. Crashing a node that is down does nothing.
 */
export function crash<Config, State>(core: Core<Config, State>, name: string): void {
  const node = core.node(name);
  if (!node.up) return;
  core.touched(name, true);
  node.up = false;
  node.incarnation += 1;
  node.state = undefined;
  node.ctx = undefined;
  node.timers.clear();
  endPauseByCrash(core, node);
  assert(node.timers.size === 0, `a crashed node has no timers (${name})`);
  const crashData: CrashData = { node: name, durableKeys: [...node.durable.keys()], ...causeField(core.cause()) };
  core.trace.local(
    node,
    "CRASH",
    `${name} crashes: its volatile state and timers are lost; only what it persisted survives.`,
    eventData(crashData),
  );
}

/** A restart from durable storage (protocol.recover). Recovering a node that is up does nothing. */
export function recover<Config, State>(core: Core<Config, State>, name: string): void {
  const node = core.node(name);
  if (node.up) return;
  assert(node.timers.size === 0, `a crashed node has no timers (${name} before its recovery)`);
  core.touched(name, true);
  node.up = true;
  const ctx = createContext(core, node);
  node.ctx = ctx;
  const durable: Durable = new Map([...node.durable].map(([key, value]) => [key, cloneJson(value)]));
  const data: CrashData = { node: name, durableKeys: [...node.durable.keys()], ...causeField(core.cause()) };
  const event = core.trace.local(node, "RECOVER", `${name} restarts from its durable storage.`, eventData(data));
  core.react(event, () => {
    node.state = core.protocol.recover(ctx, core.config, durable);
  });
}
