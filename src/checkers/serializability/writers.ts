import { HistoryError } from "./parse";
import type { Scalar, Transaction } from "./types";

/** Who wrote one value of one key, and whether it was that transaction's last write of the key. */
export interface Writer {
  readonly txn: number;
  readonly op: number;
  /** False for an intermediate write: the transaction wrote the key again later (Adya's G1b). */
  final: boolean;
}

export type WriterIndex = Map<Scalar, Map<Scalar, Writer>>;

/**
 * Indexes every written value (of ok, info and fail transactions) by key and value.
 * Elle's inference rests on every value being written at most once per key
 * (Kingsbury & Alvaro 2020: "recoverability"); a second write of the same
 * value is refused as bad input, naming both places.
 */
export function indexWriters(txns: readonly Transaction[], verb: string): WriterIndex {
  const index: WriterIndex = new Map();
  // The transaction's latest write of each key so far: a later write of the key makes it intermediate.
  const latest = new Map<Scalar, Writer>();
  for (const txn of txns) {
    const ops = txn.ops;
    latest.clear();
    for (let op = 0; op < ops.length; op++) {
      const micro = ops[op]!;
      if (micro.f !== "append" && micro.f !== "write") continue;
      let byValue = index.get(micro.key);
      if (byValue === undefined) {
        byValue = new Map();
        index.set(micro.key, byValue);
      }
      const earlier = byValue.get(micro.value);
      if (earlier !== undefined) {
        throw new HistoryError(
          `txns[${txn.index}].ops[${op}][2]`,
          `the value ${JSON.stringify(micro.value)} was already ${verb} to key ${JSON.stringify(micro.key)} by ` +
            `txns[${earlier.txn}].ops[${earlier.op}]; the checker needs every value written to a key to be unique`,
        );
      }
      const writer: Writer = { txn: txn.index, op, final: true };
      const previous = latest.get(micro.key);
      if (previous !== undefined) previous.final = false;
      latest.set(micro.key, writer);
      byValue.set(micro.value, writer);
    }
  }
  return index;
}

/** Ok and info transactions are vertices of the graph: they committed, or may have. Fail ones did not happen. */
export function isVertex(txn: Transaction): boolean {
  return txn.type !== "fail";
}
