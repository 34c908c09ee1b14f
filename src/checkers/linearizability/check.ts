import { list, plural, verb } from "../../sim/english";
import { parseHistory, type History, type HistoryOperation } from "./history";
import { MODELS, prepareCall, type Call, type Model, type Partition } from "./model";
import { searchPartition, type SearchOutcome } from "./search";

/**
 * The linearizability checker (Herlihy and Wing 1990): is there one order of the
 * operations that took effect, each placed between its invocation and its return,
 * in which every result is what the model gives? It partitions the history (kv:
 * one register per key, by locality), searches each part (search.ts), and explains
 * its verdict in sentences a learner can follow.
 */

export type LinearizabilityVerdict = "LINEARIZABLE" | "NOT_LINEARIZABLE" | "UNKNOWN";

export interface LinearizabilityReport {
  readonly verdict: LinearizabilityVerdict;
  readonly explanation: string;
  /** How many operations the history has (all of them, failed ones too). */
  readonly operations: number;
  /**
   * Indexes of operations. LINEARIZABLE: one linearization of the operations that
   * took effect. NOT_LINEARIZABLE: the longest linearizable prefix found (for kv, of
   * the key that fails). UNKNOWN: null.
   */
  readonly prefix: readonly number[] | null;
  /** NOT_LINEARIZABLE: the operation that cannot be placed after the prefix. */
  readonly failedOp: number | null;
}

export interface CheckOptions {
  /**
   * Asked now and then during the search; true stops it with the verdict UNKNOWN.
   * The caller owns the clock (a deadline), so the checker stays deterministic.
   */
  readonly expired?: () => boolean;
  /** A bound on the search's memory: 32-bit words of cached (operations, state) pairs (default 2^26, 256 MB). */
  readonly maxCacheWords?: number;
  /** What positions are called in sentences ("index" by default; "seq" for a run's events). */
  readonly positionName?: string;
  /** How a client is named in sentences (default "client 3"). */
  readonly clientName?: (client: number) => string;
}

export const DEFAULT_MAX_CACHE_WORDS = 2 ** 26;

/** Parses a history in the JSON shape of history.ts (a HistoryError when it is malformed) and checks it. */
export function checkLinearizability(input: unknown, options: CheckOptions = {}): LinearizabilityReport {
  return checkHistory(parseHistory(input), options);
}

interface PartitionResult {
  readonly partition: Partition;
  readonly calls: readonly Call[];
  readonly outcome: SearchOutcome;
}

export function checkHistory(history: History, options: CheckOptions = {}): LinearizabilityReport {
  const model = MODELS[history.model];
  const expired = options.expired ?? (() => false);
  const maxCacheWords = options.maxCacheWords ?? DEFAULT_MAX_CACHE_WORDS;
  const words = new Words(model, options);
  const results: PartitionResult[] = [];
  for (const partition of model.partition(history)) {
    const calls = partition.operations.filter((operation) => takesPart(model, operation)).map(prepareCall);
    const outcome = searchPartition(model, partition.initial, calls, { expired, maxCacheWords });
    const result = { partition, calls, outcome };
    if (outcome.kind === "not-linearizable") return notLinearizable(history, result, words);
    results.push(result);
  }
  const stopped = results.filter((result) => result.outcome.kind === "stopped");
  if (stopped.length > 0) return unknown(history, stopped);
  return linearizable(history, results, words);
}

/**
 * Which operations the search must place. A failed one never took effect; a read
 * whose result is unknown (no reply, or a reply without a result) constrains nothing
 * and changes nothing. Everything else takes part; an operation with no reply may be
 * placed anywhere after its invocation, or left out.
 */
function takesPart(model: Model, operation: HistoryOperation): boolean {
  if (operation.failed) return false;
  if (model.readOnly(operation.op) && (operation.returnIndex === null || !operation.hasResult)) return false;
  return true;
}

// ------------------------------------------------------------------ verdicts

function linearizable(history: History, results: readonly PartitionResult[], words: Words): LinearizabilityReport {
  const order = mergeOrders(
    results.map((result) =>
      result.outcome.kind === "linearizable"
        ? result.outcome.order.map((id) => (result.calls[id] as Call).operation)
        : [],
    ),
  );
  const total = history.operations.length;
  const failed = history.operations.filter((operation) => operation.failed).length;
  const taking = results.reduce((sum, result) => sum + result.calls.length, 0);
  const unplaced = taking - order.length;
  const ignoredReads = total - failed - taking;
  const notes: string[] = [];
  if (failed > 0) notes.push(`${plural(failed, "operation")} failed and never took effect`);
  if (unplaced > 0) {
    notes.push(
      `${plural(unplaced, "operation")} with no reply ${verb(unplaced, "is")} left out of the order, as if ${unplaced === 1 ? "it" : "they"} never took effect`,
    );
  }
  if (ignoredReads > 0) {
    notes.push(
      `${plural(ignoredReads, "read")} with no known result constrain${ignoredReads === 1 ? "s" : ""} nothing`,
    );
  }
  const explanation =
    total === 0
      ? "Linearizable: the history has no operations."
      : `Linearizable: ${order.length === 1 ? "the 1 operation that took effect fits" : `the ${order.length} operations that took effect can be put in one order`}` +
        `, each taking effect at one moment between its invocation and its return, in which every result is what ${words.subject(history)} gives (prefix lists that order).` +
        (notes.length > 0 ? ` ${capitalize(list(notes))}.` : "");
  return {
    verdict: "LINEARIZABLE",
    explanation,
    operations: total,
    prefix: order.map((op) => op.index),
    failedOp: null,
  };
}

function notLinearizable(history: History, result: PartitionResult, words: Words): LinearizabilityReport {
  const outcome = result.outcome as Extract<SearchOutcome, { kind: "not-linearizable" }>;
  const blockedCall = result.calls[outcome.blocked] as Call;
  const blocked = blockedCall.operation;
  const prefix = outcome.prefix.map((id) => (result.calls[id] as Call).operation);
  const key = result.partition.key;
  const shown = prefix.slice(-3).map((op) => `${op.index} (${words.operation(op)})`);
  const prefixSentence =
    prefix.length === 0
      ? `It cannot even come first: ${words.model.whyIllegal(result.partition.initial, blockedCall)}.`
      : `The longest linearizable prefix the search found has ${plural(prefix.length, "operation")}` +
        `${prefix.length > shown.length ? `, ending with ${list(shown)}` : `: ${list(shown, "then")}`}; ` +
        `after ${prefix.length === 1 ? "it" : "them"} ${words.model.whyIllegal(outcome.state, blockedCall)}.`;
  const explanation =
    `Not linearizable${key === null ? "" : ` (key ${key})`}: operation ${blocked.index}, ${words.operation(blocked)} ` +
    `(invoked at ${words.position} ${blocked.invokeIndex}, returned at ${blocked.returnIndex ?? "never"}), cannot be placed. ` +
    `${prefixSentence} It must take effect before it returns at ${blocked.returnIndex ?? "never"}, and no other order ` +
    `that respects real time (an operation that returned before another was invoked comes first) explains every result either.`;
  return {
    verdict: "NOT_LINEARIZABLE",
    explanation,
    operations: history.operations.length,
    prefix: prefix.map((op) => op.index),
    failedOp: blocked.index,
  };
}

function unknown(history: History, stopped: readonly PartitionResult[]): LinearizabilityReport {
  const first = stopped[0]?.outcome as Extract<SearchOutcome, { kind: "stopped" }>;
  const why =
    first.reason === "time" ? "its time budget ran out" : "its memory budget (the cache of explored orders) was spent";
  const keys = stopped.map((result) => result.partition.key).filter((key): key is string => key !== null);
  const explanation =
    `Unknown: the search stopped because ${why} before it could decide` +
    `${keys.length > 0 ? ` for ${plural(keys.length, "key", undefined, false)} ${list(keys.slice(0, 5))}${keys.length > 5 ? " and others" : ""}` : ""}` +
    ` (${plural(history.operations.length, "operation")} in all; the longest linearizable prefix it had found has ${plural(first.longest, "operation")}). ` +
    `No operation was found that cannot be placed; a longer time budget may decide it.`;
  return { verdict: "UNKNOWN", explanation, operations: history.operations.length, prefix: null, failedOp: null };
}

// ------------------------------------------------------------------ helpers

/**
 * One global order from each partition's linearization (locality: Herlihy and Wing,
 * Theorem 1). Each operation gets the earliest moment it can take effect in its
 * partition's order (no earlier than its invocation nor its predecessor's moment),
 * which is never after its return; sorting by that moment keeps every partition's
 * order and real time.
 */
function mergeOrders(orders: readonly (readonly HistoryOperation[])[]): HistoryOperation[] {
  const placed: { op: HistoryOperation; at: number; partition: number; position: number }[] = [];
  orders.forEach((order, partition) => {
    let at = Number.NEGATIVE_INFINITY;
    order.forEach((op, position) => {
      at = Math.max(at, op.invokeIndex);
      placed.push({ op, at, partition, position });
    });
  });
  placed.sort((a, b) => a.at - b.at || a.partition - b.partition || a.position - b.position);
  return placed.map((item) => item.op);
}

/** The words of the explanations: how operations, clients and positions are named. */
class Words {
  readonly position: string;
  private readonly clientName: (client: number) => string;

  constructor(
    readonly model: Model,
    options: CheckOptions,
  ) {
    this.position = options.positionName ?? "index";
    this.clientName = options.clientName ?? ((client) => `client ${client}`);
  }

  operation(op: HistoryOperation): string {
    return `${this.clientName(op.client)}'s ${this.model.describeOperation(op)}`;
  }

  subject(history: History): string {
    return history.model === "kv" ? "the key-value map" : "the register";
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
