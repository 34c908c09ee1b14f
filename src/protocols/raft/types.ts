/**
 * Types of Raft (Ongaro & Ousterhout 2014, "In Search of an Understandable Consensus
 * Algorithm", Figure 2 for the state and RPCs, section 8 for client interaction).
 *
 * The checkers in ./checkers read only the fields named in their own
 * RaftLikeState shape (role, currentTerm, log, commitIndex, lastApplied); they never
 * call the handlers.
 */
import type { Json } from "../../sim/json";

export type Role = "follower" | "candidate" | "leader";

/**
 * How a `get` is served (section 8 and Ongaro's thesis, section 6.4).
 * log: the read is a log entry, answered when it is applied (linearizable, slow).
 * readIndex: the leader notes its commitIndex, confirms it is still leader with a
 * heartbeat round to a majority, waits until it has applied that far, then answers.
 * local: any node answers from its own state machine at once (may be stale).
 */
export const READ_MODES = ["log", "readIndex", "local"] as const;
export type ReadMode = (typeof READ_MODES)[number];

/** A state machine command: what a log entry asks the key-value store to do. */
export type Command =
  | { readonly op: "put"; readonly key: string; readonly value: Json }
  | { readonly op: "cas"; readonly key: string; readonly expected: Json; readonly value: Json }
  | { readonly op: "get"; readonly key: string }
  /** Section 8: a leader's blank entry at the start of its term, so it learns what is committed. */
  | { readonly op: "noop" };

/** A log entry (Figure 2: "each entry contains command for state machine, and term when entry was received by leader"). */
export type Entry = { readonly term: number; readonly command: Command };

export interface RaftUnsafeFlags {
  /**
   * Grant votes without the Election Restriction (section 5.4.1): a candidate whose
   * log is less up to date can win. For teaching only; breaks Leader Completeness.
   */
  readonly grantVotesRegardlessOfLog: boolean;
  /**
   * Let a leader commit an entry of an earlier term by counting replicas (what
   * section 5.4.2 and Figure 8 forbid). For teaching only; breaks State Machine Safety.
   */
  readonly commitEntriesFromPreviousTerms: boolean;
}

export interface ElectionTimeoutSpec {
  /** Section 5.2: each timeout is drawn at random from [min, max] ms (the paper suggests 150-300). */
  readonly min: number;
  readonly max: number;
  /**
   * Fixed timeouts for some nodes, for scenarios that must happen exactly (split votes,
   * Figure 8). A number applies to every timer start; a list is used one value per
   * timer start, then the random range takes over.
   */
  readonly overrides: Readonly<Record<string, TimeoutOverride>>;
}

export interface TimeoutOverride {
  readonly sequence: readonly number[];
  /** After the sequence: true draws from the random range, false repeats the last value. */
  readonly thenRandom: boolean;
}

export interface RaftConfig {
  readonly electionTimeoutMs: ElectionTimeoutSpec;
  /** How often a leader sends AppendEntries to every follower (section 5.2: heartbeats). */
  readonly heartbeatIntervalMs: number;
  /** Most entries one AppendEntries carries. */
  readonly maxEntriesPerAppend: number;
  /** How a `get` is served unless the request names its own `read` mode. */
  readonly reads: ReadMode;
  /** How long a ReadIndex read waits to confirm leadership before the leader refuses it. */
  readonly readIndexTimeoutMs: number;
  /** Section 8: a new leader appends a no-op entry so that it can commit entries of earlier terms. */
  readonly leaderNoop: boolean;
  readonly unsafe: RaftUnsafeFlags;
}

/** A write (or log read) the leader appended and will answer once it is applied (section 8). */
export interface PendingWrite {
  readonly requestId: string;
  readonly term: number;
}

/** A ReadIndex read in progress at the leader (Ongaro's thesis, section 6.4). */
export interface PendingRead {
  readonly requestId: string;
  readonly key: string;
  /** The commitIndex the read must see; null until the leader has committed an entry of its term. */
  readIndex: number | null;
  /** The heartbeat round whose acknowledgements confirm the leadership; null until it is sent. */
  round: number | null;
  confirmed: boolean;
}

export interface RaftState {
  readonly node: string;
  /** Every other node of the cluster. */
  readonly peers: readonly string[];
  readonly config: RaftConfig;

  // Persistent state on all servers (Figure 2), written through ctx.persist before it is acted on.
  currentTerm: number;
  votedFor: string | null;
  /** log[i - 1] is the entry at index i: Raft's log is 1-indexed. */
  log: Entry[];

  // Volatile state on all servers (Figure 2).
  role: Role;
  commitIndex: number;
  lastApplied: number;
  /** The key-value state machine that committed entries are applied to. */
  stateMachine: Map<string, Json>;
  /** The leader of the current term, as far as this node knows (for redirects). */
  leader: string | null;
  /** How many election timers this incarnation has started (indexes the timeout overrides). */
  electionTimersStarted: number;
  /** The length of the election timeout last drawn, for explanations and the view. */
  electionTimeoutMs: number;

  // Candidate state.
  votesGranted: Set<string>;

  // Volatile state on leaders (Figure 2), reinitialized after election.
  nextIndex: Map<string, number>;
  matchIndex: Map<string, number>;
  /** Followers with an AppendEntries not yet answered: the leader waits for the answer before sending more. */
  inflight: Set<string>;
  /** The last index carried by the latest AppendEntries sent to each follower: its answer ends the wait. */
  sentUpTo: Map<string, number>;
  /** Requests waiting for their entry to be applied, by log index. */
  pendingWrites: Map<number, PendingWrite>;
  pendingReads: PendingRead[];
  /** Numbers each broadcast of AppendEntries, so ReadIndex can tell fresh acknowledgements from old ones. */
  heartbeatRound: number;
  /** The latest round each follower has answered in the current term. */
  ackedRound: Map<string, number>;
}

/** Durable storage keys (Figure 2's persistent state). The log is stored one entry per key. */
export const DURABLE = {
  currentTerm: "currentTerm",
  votedFor: "votedFor",
  logLength: "logLength",
  entry: (index: number): string => `log/${index}`,
} as const;
