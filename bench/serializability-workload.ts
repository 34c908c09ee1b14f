import { Rng } from "../src/sim/rng";

/**
 * Histories produced by a serial execution: transactions applied one at a time to
 * a store of lists (list-append) or registers (rw-register). Every such history is
 * serializable (the execution order is a serial order) and strictly serializable
 * with the invoke and return indexes given here, so the checker must answer
 * SERIALIZABLE: the property tests use that, and the benchmark uses the same
 * histories at 10,000 and 100,000 transactions.
 */

export type Kind = "list-append" | "rw-register";

/** What a transaction will do: which keys it touches, and whether it commits. */
export interface TxnPlan {
  readonly process: number;
  readonly type: "ok" | "fail" | "info";
  /** For info transactions: whether it took effect (the checker is not told). */
  readonly applied: boolean;
  readonly ops: readonly { readonly write: boolean; readonly key: number }[];
  /** How far the invocation reaches before, and the return after, the commit point (0-9 each). */
  readonly early: number;
  readonly late: number;
}

export type HistoryOp = [string, number, unknown];
export interface HistoryTxn {
  process: number;
  type: "ok" | "fail" | "info";
  ops: HistoryOp[];
  invokeIndex?: number;
  returnIndex?: number;
}
export interface GeneratedHistory {
  kind: Kind;
  txns: HistoryTxn[];
  realtime?: boolean;
  processOrder?: boolean;
}

export interface ExecuteOptions {
  /** Give invoke and return indexes around each commit point and ask for real-time edges. */
  readonly realtime?: boolean;
  /** Ask for process-order edges (transactions are listed in execution order, so each process's are in order). */
  readonly processOrder?: boolean;
  /** List the transactions in this order instead (a permutation of indexes); the history stays serializable. */
  readonly listedOrder?: readonly number[];
}

/** Runs the plans one at a time and writes down what each read saw. */
export function executeSerially(kind: Kind, plans: readonly TxnPlan[], options: ExecuteOptions = {}): GeneratedHistory {
  const lists = new Map<number, number[]>();
  const registers = new Map<number, number>();
  let nextValue = 1;
  const txns: HistoryTxn[] = plans.map((plan, position) => {
    const commits = plan.type === "ok" || (plan.type === "info" && plan.applied);
    // A transaction that does not commit works on a scratch copy of what it touches.
    const scratchLists = new Map<number, number[]>();
    const scratchRegisters = new Map<number, number | null>();
    const list = (key: number): number[] => {
      if (commits) {
        let current = lists.get(key);
        if (current === undefined) lists.set(key, (current = []));
        return current;
      }
      let copy = scratchLists.get(key);
      if (copy === undefined) scratchLists.set(key, (copy = [...(lists.get(key) ?? [])]));
      return copy;
    };
    const ops: HistoryOp[] = plan.ops.map(({ write, key }): HistoryOp => {
      const value = nextValue++;
      if (kind === "list-append") {
        if (write) {
          list(key).push(value);
          return ["append", key, value];
        }
        return ["r", key, plan.type === "info" ? null : [...list(key)]];
      }
      if (write) {
        if (commits) registers.set(key, value);
        else scratchRegisters.set(key, value);
        return ["w", key, value];
      }
      const seen = scratchRegisters.has(key) ? scratchRegisters.get(key)! : (registers.get(key) ?? null);
      return ["r", key, plan.type === "info" ? null : seen];
    });
    const txn: HistoryTxn = { process: plan.process, type: plan.type, ops };
    if (options.realtime === true) {
      const point = position * 4 + 10;
      txn.invokeIndex = point - plan.early;
      if (plan.type === "ok") txn.returnIndex = point + 1 + plan.late;
    }
    return txn;
  });
  const listed = options.listedOrder === undefined ? txns : options.listedOrder.map((index) => txns[index]!);
  return {
    kind,
    txns: listed,
    ...(options.realtime === true ? { realtime: true } : {}),
    ...(options.processOrder === true ? { processOrder: true } : {}),
  };
}

/**
 * An Elle-like workload from a seed: 1 to 4 micro-operations per transaction,
 * half reads, over a window of 10 active keys; a key retires after 32 writes and
 * a fresh one takes its place (Elle's list-append generator does the same, so
 * lists stay short); 5% of transactions fail and 5% end unknown (info).
 */
export function elleLikePlans(count: number, seed: number, processes = 10): TxnPlan[] {
  const rng = new Rng(seed, "serializability-workload");
  const window: number[] = Array.from({ length: 10 }, (_, i) => i);
  const writes = new Map<number, number>();
  let nextKey = window.length;
  const plans: TxnPlan[] = [];
  for (let i = 0; i < count; i++) {
    const ops: { write: boolean; key: number }[] = [];
    const length = rng.int(1, 4);
    for (let j = 0; j < length; j++) {
      const slot = rng.int(0, window.length - 1);
      const key = window[slot]!;
      const write = rng.chance(0.5);
      ops.push({ write, key });
      if (write) {
        const count = (writes.get(key) ?? 0) + 1;
        writes.set(key, count);
        if (count >= 32) window[slot] = nextKey++;
      }
    }
    const roll = rng.float();
    const type = roll < 0.05 ? "fail" : roll < 0.1 ? "info" : "ok";
    plans.push({
      process: i % processes,
      type,
      applied: rng.chance(0.5),
      ops,
      early: rng.int(0, 9),
      late: rng.int(0, 9),
    });
  }
  return plans;
}
