/**
 * A one-node multi-key transactional store with selectable isolation, for watching
 * the anomalies each level allows (Berenson et al. 1995, "A Critique of ANSI SQL
 * Isolation Levels"; Adya 1999, "Weak Consistency"):
 *   read-committed: a read sees the latest committed value; writes are buffered and
 *     installed at commit, last committer wins (lost update, read skew, write skew);
 *   snapshot: reads see the snapshot taken at the transaction's first operation;
 *     first committer wins on a write-write conflict (Berenson et al. 4.2; write skew);
 *   serializable-snapshot: snapshot isolation that aborts a transaction completing a
 *     "dangerous structure" of two consecutive rw-antidependencies (Cahill, Röhm &
 *     Fekete 2008; ./ssi.ts);
 *   serializable: strict two-phase locking (Eswaran et al. 1976; Bernstein, Hadzilacos
 *     & Goodman 1987, 3.2): shared locks for reads and exclusive for writes, held to the
 *     end; a wait that would close a waits-for cycle aborts the requester.
 */
export type Isolation = "read-committed" | "snapshot" | "serializable-snapshot" | "serializable";
export const ISOLATIONS: readonly Isolation[] = ["read-committed", "snapshot", "serializable-snapshot", "serializable"];

export type Value = number | string;

export interface IsolationConfig {
  readonly isolation: Isolation;
  /** The store's contents before any transaction (written by a setup transaction T0 of the history). */
  readonly initial: Readonly<Record<string, Value>>;
}

/** One micro-operation as the checker's rw-register history spells it. */
export type Op = ["r", string, Value | null] | ["w", string, Value];

export type TxStatus = "ACTIVE" | "COMMITTED" | "ABORTED";

export interface Waiting {
  readonly request: string;
  readonly kind: "read" | "write";
  readonly key: string;
  readonly value: Value | null;
}

export interface Txn {
  status: TxStatus;
  /** Snapshot isolation: the commit timestamp its snapshot was taken at. */
  start: number;
  ops: Op[];
  writes: Record<string, Value>;
  /**
   * A read-only transaction served at an older commit timestamp (args.asOf on its first
   * operation), as a follower read or a cache would: it takes no locks and cannot write.
   * null: an ordinary transaction.
   */
  asOf: number | null;
  /** The commit timestamp (null until it commits). */
  committedAt: number | null;
  /** serializable-snapshot: some concurrent transaction has an rw-antidependency into / out of this one. */
  inConflict: boolean;
  outConflict: boolean;
  /** Keys locked shared / exclusive (serializable only). */
  shared: string[];
  exclusive: string[];
  waiting: Waiting | null;
}

export interface Version {
  readonly value: Value;
  readonly ts: number;
  readonly tx: string;
}

export interface StoreState {
  role: "store";
  node: string;
  config: IsolationConfig;
  /** The last commit timestamp given out. */
  clock: number;
  versions: Record<string, Version[]>;
  txns: Record<string, Txn>;
  /** Transactions waiting for a lock, in arrival order. */
  queue: string[];
}

export interface IdleState {
  role: "idle";
  node: string;
}

export type IsolationState = StoreState | IdleState;
