/**
 * The shapes of a transactional history and of the serializability checker's
 * answer. The history shapes are Elle's two (Kingsbury & Alvaro, "Elle: Inferring
 * Isolation Anomalies from Experimental Observations", VLDB 2020):
 * list-append, whose reads return whole lists, and rw-register, whose reads
 * return one value.
 */

export const HISTORY_KINDS = ["list-append", "rw-register"] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export const TRANSACTION_TYPES = ["ok", "fail", "info"] as const;
/** ok: committed; fail: known aborted; info: unknown (it may or may not have committed). */
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** A key or a written value: an integer or a string. */
export type Scalar = number | string;

/** One micro-operation, in the transaction's order (the input's ["append"|"w"|"r", key, value]). */
export type MicroOp =
  | { readonly f: "append"; readonly key: Scalar; readonly value: Scalar }
  | { readonly f: "write"; readonly key: Scalar; readonly value: Scalar }
  /** A list-append read: the whole list, or null when unknown (an info or fail transaction). */
  | { readonly f: "readList"; readonly key: Scalar; readonly value: readonly Scalar[] | null }
  /** A rw-register read: the value, or null for the initial (never written) state. */
  | { readonly f: "readValue"; readonly key: Scalar; readonly value: Scalar | null };

export interface Transaction {
  /** Position in the submitted history, from 0: the name T<index> in explanations. */
  readonly index: number;
  readonly process: Scalar;
  readonly type: TransactionType;
  readonly ops: readonly MicroOp[];
  readonly invokeIndex?: number;
  readonly returnIndex?: number;
}

export interface History {
  readonly kind: HistoryKind;
  readonly txns: readonly Transaction[];
  /** Add real-time edges: T1 -> T2 when T1 returned before T2 was invoked (strict serializability). */
  readonly realtime: boolean;
  /** Add process-order edges: each process's transactions in order (strong session serializability). */
  readonly processOrder: boolean;
}

/**
 * The anomaly classes, named as Elle names them after Adya (Adya, "Weak
 * Consistency", MIT PhD thesis 1999; Elle). The last
 * four are not Adya phenomena but Elle's checks of the history itself: each also
 * rules out every serial order.
 */
export const ANOMALIES = [
  "G0",
  "G1A",
  "G1B",
  "G1C",
  "G_SINGLE",
  "G2_ITEM",
  "INTERNAL",
  "INCOMPATIBLE_ORDER",
  "DUPLICATE_ELEMENTS",
  "GARBAGE_READ",
] as const;
export type Anomaly = (typeof ANOMALIES)[number];

/** The kinds of dependency edge: Adya's three and the two orders a user may ask for. */
export const EDGE_KINDS = ["WW", "WR", "RW", "REALTIME", "PROCESS"] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

export interface DependencyEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
  /** The key the edge is about; null for REALTIME and PROCESS edges. */
  readonly key: Scalar | null;
  /** One sentence: why `from` must precede `to` in any serial order. */
  readonly explanation: string;
}

export interface AnomalyFound {
  readonly type: Anomaly;
  /**
   * For a cycle, the transactions in cycle order (the first is not repeated at
   * the end); for G1A and G1B the writer and the reader; for the history checks,
   * the transactions involved.
   */
  readonly cycle: readonly number[];
  /** The cycle's edges in order (empty for anomalies that are not cycles). */
  readonly edges: readonly DependencyEdge[];
  readonly explanation: string;
}

export type SerializabilityVerdict = "SERIALIZABLE" | "NOT_SERIALIZABLE" | "UNKNOWN";

export interface SerializabilityResult {
  readonly verdict: SerializabilityVerdict;
  readonly anomalies: readonly AnomalyFound[];
  readonly transactions: number;
  /** Why the verdict is UNKNOWN, or that the search stopped early; null otherwise. */
  readonly reason: string | null;
  /** How many dependency edges were inferred, by kind. */
  readonly edgeCounts: Readonly<Record<EdgeKind, number>>;
}

/** Limits on what one history may hold; each refusal names the limit. */
export const LIMITS = {
  transactions: 200_000,
  ops: 2_000_000,
  /** Elements of every list-append read together. */
  readElements: 10_000_000,
  /** Characters of one key, value or process name. */
  stringLength: 1_000,
  /** Dependency edges the graph may hold; past it the verdict is UNKNOWN. */
  edges: 20_000_000,
} as const;

/** What the checker may be given beside the history. */
export interface CheckOptions {
  /**
   * Called now and then during the search; true stops it with UNKNOWN (or with the
   * anomalies already found). Injected so that the checker reads no clock itself.
   */
  readonly pastDeadline?: () => boolean;
}
