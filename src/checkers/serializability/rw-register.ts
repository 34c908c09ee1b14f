import type { Findings } from "./findings";
import { name, show } from "./findings";
import { DependencyGraph, RW, WR, WW } from "./graph";
import type { History, Scalar } from "./types";
import { indexWriters, isVertex, type Writer } from "./writers";

interface ValueRead {
  readonly txn: number;
  readonly op: number;
}

/** A version-order fact about one key: `before` (null: the initial state) precedes the write `after`. */
interface VersionEdge {
  readonly before: Scalar | null;
  readonly after: Writer;
}

/**
 * Infers the dependency graph of a rw-register history. A register read returns
 * one value, so the version order cannot be read off the history as a list's can;
 * like Elle (elle.rw-register; Kingsbury & Alvaro 2020) it infers
 * only what is certain:
 *
 *   wr: the (unique) writer of a value precedes every transaction that read it;
 *   version order, initial state: nil, the state before any write, precedes every
 *     written value of the key;
 *   version order, writes follow reads: a committed transaction that read x = v1
 *     and then wrote x = v2 puts v1 before v2 (its read came first in any serial
 *     order). Elle has this behind an option (wfr-keys); it holds in every
 *     serializable execution, so here it is always on.
 *
 * From each version fact v1 < v2: ww from the writer of v1 to the writer of v2,
 * and rw from every transaction that read v1 to the writer of v2. Writes of
 * different transactions that no read or read-then-write relates stay unordered,
 * so a lost update is found only when its transactions read what they overwrote.
 */
export function inferRwRegister(history: History, findings: Findings): DependencyGraph {
  const txns = history.txns;
  const writers = indexWriters(txns, "written");
  const graph = new DependencyGraph(txns.length);
  const readers = new Map<Scalar, Map<Scalar | null, ValueRead[]>>();
  const versionEdges = new Map<Scalar, VersionEdge[]>();
  const addVersionEdge = (key: Scalar, edge: VersionEdge): void => {
    const edges = versionEdges.get(key);
    if (edges === undefined) versionEdges.set(key, [edge]);
    else edges.push(edge);
  };
  // Initial state: nil precedes every value written by a transaction that may have committed.
  for (const [key, byValue] of writers) {
    for (const writer of byValue.values()) {
      if (writer.final && isVertex(txns[writer.txn]!)) addVersionEdge(key, { before: null, after: writer });
    }
  }
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    // Per key: the value the transaction should see next, whether it wrote it, and its external read.
    const known = new Map<Scalar, { value: Scalar | null; wrote: boolean; externalRead: Scalar | null | undefined }>();
    for (let op = 0; op < txn.ops.length; op++) {
      const micro = txn.ops[op]!;
      const state = known.get(micro.key);
      if (micro.f === "write") {
        if (state === undefined) known.set(micro.key, { value: micro.value, wrote: true, externalRead: undefined });
        else {
          state.value = micro.value;
          state.wrote = true;
        }
        continue;
      }
      if (micro.f !== "readValue") continue;
      const value = micro.value;
      if (state !== undefined) {
        if (state.value !== value) {
          const key = micro.key;
          const expected = state.value;
          const own = state.wrote;
          findings.add(
            "INTERNAL",
            [txn.index],
            () =>
              `${name(txn.index)} read ${show(key)} = ${show(value)}, but its own earlier ${own ? "write" : "read"} ` +
              `makes it ${show(expected)}: a transaction must see its own writes and a stable snapshot.`,
          );
        }
        continue;
      }
      known.set(micro.key, { value, wrote: false, externalRead: value });
      checkExternalRead(
        history,
        writers.get(micro.key)?.get(value as Scalar),
        micro.key,
        value,
        txn.index,
        op,
        findings,
        graph,
      );
      let byValue = readers.get(micro.key);
      if (byValue === undefined) {
        byValue = new Map();
        readers.set(micro.key, byValue);
      }
      const list = byValue.get(value);
      if (list === undefined) byValue.set(value, [{ txn: txn.index, op }]);
      else list.push({ txn: txn.index, op });
    }
    // Writes follow reads: the external read of a key came before the transaction's final write of it.
    for (const [key, state] of known) {
      if (state.externalRead === undefined || state.externalRead === null || !state.wrote) continue;
      const writer = writers.get(key)?.get(state.value as Scalar);
      if (writer !== undefined && writer.final) addVersionEdge(key, { before: state.externalRead, after: writer });
    }
  }
  for (const [key, edges] of versionEdges) {
    const byValue = writers.get(key);
    const readsOf = readers.get(key);
    for (const { before, after } of edges) {
      if (before !== null) {
        const previous = byValue?.get(before);
        if (previous !== undefined && isVertex(txns[previous.txn]!))
          graph.add(previous.txn, after.txn, WW, previous.op, after.op);
      }
      for (const read of readsOf?.get(before) ?? []) graph.add(read.txn, after.txn, RW, read.op, after.op);
    }
  }
  return graph;
}

/** An external read of a written value: wr from its writer, or G1a, G1b, a garbage read, a read of one's own later write. */
function checkExternalRead(
  history: History,
  writer: Writer | undefined,
  key: Scalar,
  value: Scalar | null,
  reader: number,
  op: number,
  findings: Findings,
  graph: DependencyGraph,
): void {
  if (value === null) return;
  if (writer === undefined) {
    findings.add(
      "GARBAGE_READ",
      [reader],
      () =>
        `${name(reader)} read ${show(key)} = ${show(value)}, but no transaction wrote ${show(value)} to ${show(key)}.`,
    );
    return;
  }
  if (writer.txn === reader) {
    findings.add(
      "INTERNAL",
      [reader],
      () => `${name(reader)} read ${show(key)} = ${show(value)}, a value it only wrote later in the same transaction.`,
    );
    return;
  }
  const type = history.txns[writer.txn]!.type;
  if (type === "fail") {
    findings.add(
      "G1A",
      [writer.txn, reader],
      () =>
        `${name(reader)} read ${show(key)} = ${show(value)}, written by ${name(writer.txn)}, which failed ` +
        `(aborted read: a committed transaction saw an aborted write).`,
    );
    return;
  }
  if (!writer.final) {
    findings.add(
      "G1B",
      [writer.txn, reader],
      () =>
        `${name(reader)} read ${show(key)} = ${show(value)}, which ${name(writer.txn)} wrote and then overwrote in ` +
        `the same transaction (intermediate read: ${name(reader)} saw a state ${name(writer.txn)} never committed).`,
    );
  }
  graph.add(writer.txn, reader, WR, writer.op, op);
}
