import type { JsonObject } from "./json";
import type { EventKind } from "./types";

/**
 * Everything the core needs to run a simulation: the validated, protocol-neutral
 * part of a scenario. src/scenarios turns a YAML file into one of these.
 */
export interface SimulationSpec {
  readonly nodes: readonly string[];
  readonly seed: number;
  readonly network: NetworkSpec;
  /** Physical clock skew per node; nodes not named have a perfect clock. */
  readonly clocks: Readonly<Record<string, ClockSpec>>;
  readonly workload: readonly WorkloadSpec[];
  readonly faults: readonly FaultSpec[];
  readonly limits: LimitsSpec;
}

export interface DelaySpec {
  readonly min: number;
  readonly max: number;
}

export interface LinkSpec {
  readonly from: string;
  readonly to: string;
  readonly delay?: DelaySpec;
  readonly drop?: number;
  readonly duplicate?: number;
}

export interface NetworkSpec {
  /** One-way delay in ticks, drawn uniformly from [min, max] per message. */
  readonly delay: DelaySpec;
  /** Probability that a message is lost. */
  readonly drop: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate: number;
  /** When true a link never reorders: a message is never delivered before one sent earlier on the same link. */
  readonly fifo: boolean;
  /** What happens to messages already in flight when a partition cuts their link: dropped, or held until heal. */
  readonly partitionInFlight: "drop" | "hold";
  /** Overrides for single directed links. */
  readonly links: readonly LinkSpec[];
}

export interface ClockSpec {
  /** Ticks added to true time. */
  readonly offset: number;
  /** Fractional rate error: 0.001 means the clock gains 1 ms per simulated second. */
  readonly drift: number;
}

export interface LimitsSpec {
  readonly maxTime: number;
  readonly maxEvents: number;
}

/** A predicate over the trace: it holds when `count` events matching every given field have been recorded. */
export interface EventPredicate {
  readonly kind?: EventKind;
  readonly node?: string;
  readonly from?: string;
  readonly to?: string;
  /** Message type (SEND, DELIVER, DROP, DUPLICATE) or client op (CLIENT_INVOKE, CLIENT_RETURN). */
  readonly message?: string;
  /** A substring of the event's summary, e.g. "becomes leader". */
  readonly summaryContains?: string;
  readonly count: number;
}

export type TriggerSpec =
  | { readonly type: "at"; readonly at: number }
  | { readonly type: "when"; readonly when: EventPredicate; readonly after: number };

export interface WorkloadSpec {
  readonly trigger: TriggerSpec;
  readonly node: string;
  readonly op: string;
  readonly args: JsonObject;
  /** Follow a `redirect` in the reply (a follower naming the leader), up to this many times. */
  readonly followRedirects: number;
}

export type FaultAction =
  | { readonly do: "crash"; readonly node: string }
  | { readonly do: "recover"; readonly node: string }
  | { readonly do: "partition"; readonly groups: readonly (readonly string[])[] }
  | { readonly do: "isolate"; readonly node: string }
  | { readonly do: "heal" }
  | { readonly do: "cut"; readonly from: string; readonly to: string }
  | { readonly do: "drop"; readonly from?: string; readonly to?: string; readonly probability: number }
  | { readonly do: "duplicate"; readonly from?: string; readonly to?: string; readonly probability: number }
  | { readonly do: "delay"; readonly from?: string; readonly to?: string; readonly min: number; readonly max: number }
  /** The next `count` messages sent on one link are lost (etcd's network drop of one message). */
  | { readonly do: "lose"; readonly from: string; readonly to: string; readonly count: number }
  | { readonly do: "ignore"; readonly message: string; readonly node?: string }
  | { readonly do: "clock"; readonly node: string; readonly offset: number; readonly drift?: number }
  /** A stop-the-world pause of `duration` ms: the node handles nothing, loses nothing, and does not know (src/sim/pause.ts). */
  | { readonly do: "pause"; readonly node: string; readonly duration: number };

export interface FaultSpec {
  readonly trigger: TriggerSpec;
  readonly action: FaultAction;
}

export const DEFAULT_NETWORK: NetworkSpec = {
  delay: { min: 1, max: 10 },
  drop: 0,
  duplicate: 0,
  fifo: false,
  partitionInFlight: "drop",
  links: [],
};

export const DEFAULT_LIMITS: LimitsSpec = { maxTime: 60_000, maxEvents: 100_000 };
