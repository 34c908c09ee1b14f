/**
 * The simulation core's public entry, kept so that existing imports of
 * "src/sim/world" keep working. The core itself is split by job:
 *
 *   simulation.ts  the event loop (class Simulation) and what its parts share (core.ts)
 *   network.ts     links, partitions, cuts, held messages (its own NetworkOptions)
 *   messages.ts    SEND, DELIVER, DROP, DUPLICATE
 *   faults.ts      applying a fault, and at:/when: triggers
 *   nodes.ts       start, crash, recover (and pause)
 *   clients.ts     client requests, replies and redirects
 *   context.ts     the Context a protocol answers through
 *   trace.ts       the trace recorder: seq, time, clocks, the trace hash
 *   checking.ts    running the protocol's checkers after every step
 *   limits.ts      named bounds on every queue; assert.ts the core's assertions
 */
export { Simulation, type NodeView, type SimulationOptions, type SimulationResult } from "./simulation";
export { canonicalEventLine, hashEvents } from "./trace";
