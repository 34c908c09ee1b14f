import type { Findings } from "./findings";
import { name, show } from "./findings";
import { DependencyGraph, RW, WR, WW } from "./graph";
import type { History, Scalar } from "./types";
import { indexWriters, isVertex, type Writer, type WriterIndex } from "./writers";

/** One read of a list by an ok transaction. */
interface ListRead {
  readonly txn: number;
  readonly op: number;
  readonly list: readonly Scalar[];
  /** The transaction's first access to the key, before any append of its own (Elle's "external read"). */
  readonly external: boolean;
}

/**
 * Infers the dependency graph of a list-append history as Elle does (Kingsbury &
 * Alvaro 2020: "traceability" and "recoverability"): since every
 * read returns the whole list and appended values are unique, the longest read
 * of a key gives its version order, and every other read must be a prefix of it.
 *
 *   ww: the writer of element i precedes the writer of element i+1 in that order;
 *   wr: the writer of a read's last element precedes the reader;
 *   rw: a reader precedes the writer of the first element it did not see.
 *
 * Appends that no read ever saw cannot be placed, so they give no edge (Elle does
 * the same). Besides the graph it reports, without cycles: G1a (a read saw an
 * element of a failed transaction), G1b (a read ended at an element its writer
 * appended to again later), INTERNAL (a transaction's reads disagree with its own
 * earlier reads and appends), INCOMPATIBLE_ORDER (two reads of a key that are not
 * prefixes of one another), DUPLICATE_ELEMENTS and GARBAGE_READ (an element no
 * transaction appended).
 */
export function inferListAppend(history: History, findings: Findings): DependencyGraph {
  const txns = history.txns;
  const writers = indexWriters(txns, "appended");
  const graph = new DependencyGraph(txns.length);
  const readsByKey = collectReads(history, findings);
  for (const [key, reads] of readsByKey) {
    const longest = longestRead(reads);
    const compatible = checkPrefixes(key, reads, longest, findings);
    checkElements(key, reads, compatible, longest, writers, history, findings);
    const byValue = writers.get(key);
    const order = longest.list;
    // ww: consecutive elements of the version order.
    for (let i = 0; i + 1 < order.length; i++) {
      const a = byValue?.get(order[i]!);
      const b = byValue?.get(order[i + 1]!);
      if (a === undefined || b === undefined || !isVertex(txns[a.txn]!) || !isVertex(txns[b.txn]!)) continue;
      graph.add(a.txn, b.txn, WW, a.op, b.op);
    }
    for (let r = 0; r < reads.length; r++) {
      const read = reads[r]!;
      if (!read.external) continue;
      const list = read.list;
      if (list.length > 0) {
        const writer = byValue?.get(list[list.length - 1]!);
        if (writer !== undefined && isVertex(txns[writer.txn]!))
          graph.add(writer.txn, read.txn, WR, writer.op, read.op);
      }
      if (compatible[r] === true && list.length < order.length) {
        const next = byValue?.get(order[list.length]!);
        if (next !== undefined && isVertex(txns[next.txn]!)) graph.add(read.txn, next.txn, RW, read.op, next.op);
      }
    }
  }
  return graph;
}

/**
 * Every read of an ok transaction, grouped by key, and the transaction's internal
 * consistency: a read must show the transaction's previous read of the key with its
 * own appends since, or (with no previous read) end with its own appends.
 */
function collectReads(history: History, findings: Findings): Map<Scalar, ListRead[]> {
  const readsByKey = new Map<Scalar, ListRead[]>();
  for (const txn of history.txns) {
    if (txn.type !== "ok") continue;
    // Per key: what the transaction expects the list to be (null: not read yet) and its own appends so far.
    // `copied` says whether `expected` is the transaction's own array (else it is a read's, shared, copied on append).
    const state = new Map<Scalar, { expected: Scalar[] | null; copied: boolean; own: Scalar[] }>();
    for (let op = 0; op < txn.ops.length; op++) {
      const micro = txn.ops[op]!;
      let seen = state.get(micro.key);
      if (seen === undefined) {
        seen = { expected: null, copied: false, own: [] };
        state.set(micro.key, seen);
      }
      if (micro.f === "append") {
        seen.own.push(micro.value);
        if (seen.expected !== null) {
          if (!seen.copied) {
            seen.expected = seen.expected.slice();
            seen.copied = true;
          }
          seen.expected.push(micro.value);
        }
        continue;
      }
      if (micro.f !== "readList" || micro.value === null) continue;
      const list = micro.value;
      const external = seen.expected === null && seen.own.length === 0;
      const expectation = seen.expected ?? (seen.own.length > 0 ? seen.own : null);
      const consistent =
        expectation === null || (seen.expected !== null ? sameList(list, expectation) : endsWith(list, expectation));
      if (!consistent) {
        const key = micro.key;
        findings.add("INTERNAL", [txn.index], () =>
          seen.expected !== null
            ? `${name(txn.index)} read ${show(key)} = ${show(list)}, but its own earlier reads and appends make it ` +
              `${show(seen.expected)}: a transaction must see its own writes and a stable snapshot.`
            : `${name(txn.index)} appended ${show(seen.own)} to ${show(key)}, then read ${show(key)} = ${show(list)}, ` +
              `which does not end with its own appends: a transaction must see its own writes.`,
        );
      }
      let reads = readsByKey.get(micro.key);
      if (reads === undefined) {
        reads = [];
        readsByKey.set(micro.key, reads);
      }
      reads.push({ txn: txn.index, op, list, external });
      seen.expected = list as Scalar[];
      seen.copied = false;
    }
  }
  return readsByKey;
}

function longestRead(reads: readonly ListRead[]): ListRead {
  let longest = reads[0]!;
  for (const read of reads) if (read.list.length > longest.list.length) longest = read;
  return longest;
}

/**
 * Every read of a key must be a prefix of the longest (Elle's traceability: a list
 * only grows, so any two states of it are prefixes of one another). Returns, per
 * read, whether it is; reports the first incompatible pair of each key.
 */
function checkPrefixes(key: Scalar, reads: readonly ListRead[], longest: ListRead, findings: Findings): boolean[] {
  const order = longest.list;
  const compatible: boolean[] = [];
  let reported = false;
  for (const read of reads) {
    const ok = isPrefix(read.list, order);
    compatible.push(ok);
    if (!ok && !reported) {
      reported = true;
      findings.add(
        "INCOMPATIBLE_ORDER",
        [longest.txn, read.txn],
        () =>
          `${name(longest.txn)} read ${show(key)} = ${show(order)} and ${name(read.txn)} read ${show(key)} = ` +
          `${show(read.list)}: neither list is a prefix of the other, so no single order of appends explains both.`,
      );
    }
  }
  return compatible;
}

/**
 * G1a, G1b, duplicates, garbage and reading one's own future append, for every
 * read of the key. The elements of the longest read are judged once; a read that
 * is a prefix of it needs only to know how far the first bad element is, so the
 * work is the key's appends plus its reads, not the sum of the reads' lengths.
 */
function checkElements(
  key: Scalar,
  reads: readonly ListRead[],
  compatible: readonly boolean[],
  longest: ListRead,
  writers: WriterIndex,
  history: History,
  findings: Findings,
): void {
  const byValue = writers.get(key);
  const order = longest.list;
  const firstBad = firstBadElement(order, byValue, history);
  for (let r = 0; r < reads.length; r++) {
    const read = reads[r]!;
    const list = read.list;
    if (compatible[r] !== true || list.length > firstBad) judgeElements(key, read, byValue, history, findings);
    else if (read.external) ownFutureAppends(key, read, byValue, history, findings);
    const last = list[list.length - 1];
    const writer = last === undefined ? undefined : byValue?.get(last);
    if (writer !== undefined && !writer.final && writer.txn !== read.txn && history.txns[writer.txn]!.type !== "fail") {
      findings.add(
        "G1B",
        [writer.txn, read.txn],
        () =>
          `${name(read.txn)} read ${show(key)} = ${show(list)}, ending at ${show(last)}, which ${name(writer.txn)} ` +
          `appended before appending to ${show(key)} again (intermediate read: ${name(read.txn)} saw a state ` +
          `${name(writer.txn)} never committed).`,
      );
    }
  }
}

/** The position of the first element that is a duplicate, unwritten or written by a failed transaction. */
function firstBadElement(order: readonly Scalar[], byValue: Map<Scalar, Writer> | undefined, history: History): number {
  const seen = new Set<Scalar>();
  for (let i = 0; i < order.length; i++) {
    const value = order[i]!;
    const writer = byValue?.get(value);
    if (seen.has(value) || writer === undefined || history.txns[writer.txn]!.type === "fail") return i;
    seen.add(value);
  }
  return order.length;
}

/** An external read holding an element the reader itself appends later: only its own appends need looking up. */
function ownFutureAppends(
  key: Scalar,
  read: ListRead,
  byValue: Map<Scalar, Writer> | undefined,
  history: History,
  findings: Findings,
): void {
  const ops = history.txns[read.txn]!.ops;
  for (let op = read.op + 1; op < ops.length; op++) {
    const micro = ops[op]!;
    if (micro.f !== "append" || micro.key !== key || !read.list.includes(micro.value)) continue;
    if (byValue?.get(micro.value)?.txn !== read.txn) continue;
    const list = read.list;
    findings.add(
      "INTERNAL",
      [read.txn],
      () =>
        `${name(read.txn)} read ${show(key)} = ${show(list)}, which holds ${show(micro.value)}, an element it only ` +
        `appended later in the same transaction.`,
    );
    return;
  }
}

/** Every element of one read, judged one by one. */
function judgeElements(
  key: Scalar,
  read: ListRead,
  byValue: Map<Scalar, Writer> | undefined,
  history: History,
  findings: Findings,
): void {
  const list = read.list;
  const seen = new Set<Scalar>();
  for (let i = 0; i < list.length; i++) {
    const value = list[i]!;
    if (seen.has(value)) {
      findings.add(
        "DUPLICATE_ELEMENTS",
        [read.txn],
        () =>
          `${name(read.txn)} read ${show(key)} = ${show(list)}, which holds ${show(value)} twice, ` +
          `though it was appended once.`,
      );
      break;
    }
    seen.add(value);
    const writer = byValue?.get(value);
    if (writer === undefined) {
      findings.add(
        "GARBAGE_READ",
        [read.txn],
        () =>
          `${name(read.txn)} read ${show(key)} = ${show(list)}, but no transaction appended ${show(value)} to ${show(key)}.`,
      );
      continue;
    }
    if (history.txns[writer.txn]!.type === "fail") {
      findings.add(
        "G1A",
        [writer.txn, read.txn],
        () =>
          `${name(read.txn)} read ${show(key)} = ${show(list)}, which holds ${show(value)}, appended by ` +
          `${name(writer.txn)}, which failed (aborted read: a committed transaction saw an aborted write).`,
      );
    } else if (writer.txn === read.txn && read.external) {
      findings.add(
        "INTERNAL",
        [read.txn],
        () =>
          `${name(read.txn)} read ${show(key)} = ${show(list)}, which holds ${show(value)}, an element it only ` +
          `appended later in the same transaction.`,
      );
    }
  }
}

function isPrefix(list: readonly Scalar[], of: readonly Scalar[]): boolean {
  if (list.length > of.length) return false;
  for (let i = 0; i < list.length; i++) if (list[i] !== of[i]) return false;
  return true;
}

function sameList(a: readonly Scalar[], b: readonly Scalar[]): boolean {
  return a.length === b.length && isPrefix(a, b);
}

function endsWith(list: readonly Scalar[], suffix: readonly Scalar[]): boolean {
  if (suffix.length > list.length) return false;
  const offset = list.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (list[offset + i] !== suffix[i]) return false;
  return true;
}
