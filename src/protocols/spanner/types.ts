import type { Json } from "../../sim/json";

export interface SpannerConfig {
  /** TrueTime's uncertainty: TT.now() = [clock - epsilonMs, clock + epsilonMs] (Corbett et al. 2012, 3). */
  readonly epsilonMs: number;
  /** false is a teaching flag: acknowledge at once, skipping commit wait (4.1.2), and lose external consistency. */
  readonly commitWait: boolean;
}

export interface Version {
  readonly value: Json;
  readonly timestamp: number;
  readonly request: string;
}

/** A write whose commit timestamp is assigned and whose commit wait has not ended. */
export interface Waiting {
  readonly request: string;
  readonly key: string;
  readonly value: Json;
  readonly timestamp: number;
  readonly startedAt: number;
}

/** Every node leads its own Paxos group for the keys its clients write there (replication is not modelled). */
export interface SpannerState {
  readonly node: string;
  readonly config: SpannerConfig;
  /** Committed versions per key, newest last; visible only after commit wait. */
  readonly store: Map<string, Version[]>;
  readonly waiting: Map<string, Waiting>;
  /** The largest commit timestamp this leader has assigned: timestamps are monotonic within a group (4.1.1). */
  lastTimestamp: number;
}
