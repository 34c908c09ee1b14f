/**
 * Hand-worked histories, one per anomaly class, each with the edges worked out
 * by hand in its comment. Shared by the checker's tests, the API test and the CLI
 * test.
 */

type Op = readonly [string, string, unknown];
interface Txn {
  process: number;
  type: "ok" | "fail" | "info";
  ops: readonly Op[];
  invokeIndex?: number;
  returnIndex?: number;
}

const ok = (process: number, ...ops: Op[]): Txn => ({ process, type: "ok", ops });
const failed = (process: number, ...ops: Op[]): Txn => ({ process, type: "fail", ops });

export const listAppend = (...txns: Txn[]): { kind: string; txns: Txn[] } => ({ kind: "list-append", txns });
export const rwRegister = (...txns: Txn[]): { kind: string; txns: Txn[] } => ({ kind: "rw-register", txns });

/** T1 reads T0's append and appends after it; T2 reads both: the serial order T0, T1, T2. */
export const SERIALIZABLE = listAppend(
  ok(0, ["append", "x", 1]),
  ok(1, ["r", "x", [1]], ["append", "x", 2]),
  ok(2, ["r", "x", [1, 2]], ["r", "y", []]),
);

/**
 * G0 (Adya's write cycle): T0 and T1 both append to x and y; T2 sees x in
 * the order T0, T1 (ww T0 -> T1) and y in the order T1, T0 (ww T1 -> T0).
 */
export const G0 = listAppend(
  ok(0, ["append", "x", 1], ["append", "y", 2]),
  ok(1, ["append", "x", 3], ["append", "y", 4]),
  ok(2, ["r", "x", [1, 3]], ["r", "y", [4, 2]]),
);

/** G1a (Adya's aborted read): T1 reads the 1 that failed T0 appended. */
export const G1A = listAppend(failed(0, ["append", "x", 1]), ok(1, ["r", "x", [1]]));

/** G1b (Adya's intermediate read): T0 appends 1 then 2 to x; T1 reads x = [1], a state T0 never committed. */
export const G1B = listAppend(ok(0, ["append", "x", 1], ["append", "x", 2]), ok(1, ["r", "x", [1]]));

/** G1c (Adya's circular information flow): each reads the other's append (wr T0 -> T1 on x, wr T1 -> T0 on y). */
export const G1C = listAppend(ok(0, ["append", "x", 1], ["r", "y", [2]]), ok(1, ["append", "y", 2], ["r", "x", [1]]));

/**
 * G-single (Adya's read skew): T1 reads x before T0's append (rw T1 -> T0:
 * T2's read fixes x's order as [1]) but y after it (wr T0 -> T1).
 */
export const G_SINGLE = listAppend(
  ok(0, ["append", "x", 1], ["append", "y", 1]),
  ok(1, ["r", "x", []], ["r", "y", [1]]),
  ok(2, ["r", "x", [1]]),
);

/**
 * G2-item (Adya's write skew): T0 and T1 each read both keys empty and append
 * to one; each misses the other's append (rw T0 -> T1 on y, rw T1 -> T0 on x).
 */
export const G2_ITEM = listAppend(
  ok(0, ["r", "x", []], ["r", "y", []], ["append", "x", 1]),
  ok(1, ["r", "x", []], ["r", "y", []], ["append", "y", 1]),
  ok(2, ["r", "x", [1]], ["r", "y", [1]]),
);

/**
 * Serializable but not strictly serializable (a stale read): T0 appends to x and
 * returns; then T1 begins and reads x empty. The order T1, T0 explains the data,
 * but real time puts T0 first (realtime T0 -> T1, rw T1 -> T0).
 */
export const STALE_READ = {
  kind: "list-append",
  realtime: true,
  txns: [
    { process: 0, type: "ok", invokeIndex: 0, returnIndex: 1, ops: [["append", "x", 1]] },
    { process: 1, type: "ok", invokeIndex: 2, returnIndex: 3, ops: [["r", "x", []]] },
    { process: 2, type: "ok", invokeIndex: 4, returnIndex: 5, ops: [["r", "x", [1]]] },
  ],
};

/**
 * Lost update on registers, G2-item: T1 and T2 both read x = 1 (written by T0)
 * and write it; writes follow reads puts 1 before 2 and 1 before 3, so each
 * reader of 1 precedes the other's write (rw T1 -> T2, rw T2 -> T1).
 */
export const LOST_UPDATE = rwRegister(
  ok(0, ["w", "x", 1]),
  ok(1, ["r", "x", 1], ["w", "x", 2]),
  ok(2, ["r", "x", 1], ["w", "x", 3]),
);

/** Register read skew, G-single: T1 reads x in its initial state (rw T1 -> T0) but T0's y (wr T0 -> T1). */
export const REGISTER_READ_SKEW = rwRegister(
  ok(0, ["w", "x", 1], ["w", "y", 1]),
  ok(1, ["r", "x", null], ["r", "y", 1]),
);
