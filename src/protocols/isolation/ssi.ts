import type { StoreState, Txn } from "./types";

/**
 * Serializable snapshot isolation (Cahill, Röhm & Fekete 2008, "Serializable Isolation
 * for Snapshot Databases", SIGMOD): snapshot isolation plus a watch for rw-antidependencies
 * between concurrent transactions. R -rw-> W when R read a key that W, running at the
 * same time, writes: R did not see W's write. Every non-serializable execution under
 * snapshot isolation has a "dangerous structure", two consecutive such edges
 * T1 -rw-> T2 -rw-> T3 with T2 the pivot (Fekete et al. 2005, theorem 2.1). Each
 * transaction carries two flags, inConflict and outConflict (Cahill section 3.2); a
 * transaction that would have both is aborted, and when the pivot has already
 * committed the transaction completing the structure is aborted instead.
 *
 * These functions only record the edges; they return the reason to abort, or null.
 */

/** Did `other` commit after `txn` took its snapshot, or is it still running: are they concurrent? */
function concurrentWith(txn: Txn, other: Txn): boolean {
  if (other.status === "ABORTED") return false;
  return other.status === "ACTIVE" || (other.committedAt ?? 0) > txn.start;
}

function readKey(txn: Txn, key: string): boolean {
  return txn.ops.some((op) => op[0] === "r" && op[1] === key);
}

/** tx reads key: an edge tx -rw-> W for every concurrent W that wrote (or is writing) key. */
export function ssiOnRead(state: StoreState, tx: string, txn: Txn, key: string): string | null {
  for (const [other, writer] of Object.entries(state.txns)) {
    if (other === tx || !concurrentWith(txn, writer)) continue;
    const wrote =
      writer.status === "ACTIVE"
        ? writer.writes[key] !== undefined
        : (state.versions[key] ?? []).some((version) => version.tx === other);
    if (!wrote) continue;
    txn.outConflict = true;
    writer.inConflict = true;
    if (writer.status === "COMMITTED" && writer.outConflict) {
      return `${other} has committed with rw-antidependencies in and out (${tx} -rw-> ${other} -rw-> ...), a dangerous structure`;
    }
  }
  if (txn.inConflict && txn.outConflict) return `${tx} would be the pivot of a dangerous structure`;
  return null;
}

/** tx commits its writes: an edge R -rw-> tx for every concurrent R that read a key tx writes. */
export function ssiOnCommit(state: StoreState, tx: string, txn: Txn): string | null {
  for (const key of Object.keys(txn.writes)) {
    for (const [other, reader] of Object.entries(state.txns)) {
      if (other === tx || !concurrentWith(txn, reader) || !readKey(reader, key)) continue;
      reader.outConflict = true;
      txn.inConflict = true;
      if (reader.status === "COMMITTED" && reader.inConflict) {
        return `${other} has committed with rw-antidependencies in and out (... -rw-> ${other} -rw-> ${tx}), a dangerous structure`;
      }
    }
  }
  if (txn.inConflict && txn.outConflict) {
    return `${tx} has rw-antidependencies in and out, the pivot of a dangerous structure`;
  }
  return null;
}
