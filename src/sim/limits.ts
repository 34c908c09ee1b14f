/**
 * Named bounds on every queue a scenario, a protocol or a client can grow inside
 * the core (TigerBeetle's TIGER_STYLE: put a limit on everything). Each refusal or
 * stop names its limit, so a learner or an author can tell which one was hit.
 *
 * The scenario's own limits (limits.maxTime, limits.maxEvents) bound a run's
 * length; these bound what it may keep waiting at any one moment.
 */
export interface CoreLimits {
  /** Items waiting in the scheduler at once (messages in flight, timers, client requests, fault times). */
  readonly maxScheduledItems: number;
  /** Messages held back by a partition (network.partitionInFlight: hold), released at heal. */
  readonly maxHeldMessages: number;
  /** Messages waiting for one paused node (a `pause` fault), delivered when the pause ends. */
  readonly maxPausedMessagesPerNode: number;
  /** Timers set at once on one node (each distinct timer name is one). */
  readonly maxTimersPerNode: number;
  /** Client requests invoked and not yet answered, over the whole run. */
  readonly maxOpenRequests: number;
}

export const CORE_LIMITS: CoreLimits = {
  maxScheduledItems: 1_000_000,
  maxHeldMessages: 100_000,
  maxPausedMessagesPerNode: 100_000,
  maxTimersPerNode: 1_000,
  maxOpenRequests: 100_000,
};
