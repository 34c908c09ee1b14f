import type { Json, JsonObject } from "../../sim/json";

/** How replicas resolve two versions neither of which descends from the other. */
export const RESOLUTIONS = ["vector-clock", "last-writer-wins"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface DynamoConfig {
  /** Replicas per key: the first N nodes of the key's preference list (DeCandia et al. 2007, §4.3). */
  readonly n: number;
  /** Answers a get waits for (§4.5). */
  readonly r: number;
  /** Acknowledgements a put waits for (§4.5). */
  readonly w: number;
  /** How long a coordinator waits for answers before it falls back (sloppy quorum) or gives up. */
  readonly timeoutMs: number;
  /** §4.6: when a home replica does not answer, send its copy to the next node of the ring, with a hint. */
  readonly sloppyQuorum: boolean;
  /** §5: after a get, send the newest versions to the replicas that answered with older ones. */
  readonly readRepair: boolean;
  /** §4.4 vector clocks keep siblings; last-writer-wins keeps the version with the largest timestamp. */
  readonly resolution: Resolution;
  /** How often a node that holds hinted replicas tries to hand them to their home node (§4.6). */
  readonly handoffIntervalMs: number;
}

/** A vector clock: coordinator name to counter (§4.4). */
export type VectorClock = Readonly<Record<string, number>>;

/** One version of a key's value: what it is, its vector clock, and the coordinator's physical timestamp. */
export type Version = {
  readonly value: Json;
  readonly clock: Readonly<Record<string, number>>;
  /** ctx.physicalClock() of the coordinator when it wrote the version; last-writer-wins compares these. */
  readonly ts: number;
  /** The coordinator that wrote it (breaks timestamp ties). */
  readonly by: string;
};

export type Store = Record<string, Version[]>;

/** A get or put this node coordinates, waiting for answers. */
export interface Pending {
  readonly id: string;
  readonly op: "get" | "put";
  readonly key: string;
  /** The nodes asked so far, and for a fallback the home node it stands in for. */
  readonly asked: Record<string, string | null>;
  /** Nodes that answered, with the versions they returned (a put's answers carry none). */
  readonly answers: Record<string, Version[]>;
  /** The version a put writes. */
  readonly version: Version | null;
  /** Whether the client has had its reply. */
  replied: boolean;
  /** 1 before the sloppy fallback, 2 after. */
  phase: number;
  readonly startedAt: number;
}

export interface DynamoState {
  readonly node: string;
  readonly config: DynamoConfig;
  /** This node's replicas: key to its sibling versions (one when there is no conflict). */
  store: Store;
  /** Hinted replicas held for another node (§4.6): home node to key to versions. */
  hints: Record<string, Store>;
  /** This node's vector-clock counter as a coordinator (persisted, so it never repeats). */
  counter: number;
  /** Requests this node coordinates. */
  pending: Record<string, Pending>;
  /** Versions this replica discarded although they did not causally precede the one it kept (LWW). */
  discarded: JsonObject[];
}
