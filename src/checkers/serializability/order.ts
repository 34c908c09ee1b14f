import { PROCESS, REALTIME, type DependencyGraph } from "./graph";
import type { History, Scalar, Transaction } from "./types";
import { isVertex } from "./writers";

/**
 * Process order (strong session serializability): each process's transactions in
 * the order it ran them, by invokeIndex when the history has one, else as listed.
 * (Elle's process graph; Daudjee & Salem 2004 for strong session serializability.)
 * An info transaction gets an edge from its predecessor but none to its successor.
 */
export function addProcessOrder(history: History, graph: DependencyGraph): void {
  const vertices = history.txns.filter(isVertex);
  const ordered = vertices.every((txn) => txn.invokeIndex !== undefined)
    ? vertices.slice().sort((a, b) => (a.invokeIndex as number) - (b.invokeIndex as number) || a.index - b.index)
    : vertices;
  const last = new Map<Scalar, number>();
  for (const txn of ordered) {
    const previous = last.get(txn.process);
    if (previous !== undefined) graph.add(previous, txn.index, PROCESS, -1, -1);
    // An info transaction never returned, so it is not known to precede anything its process did next
    // (in Jepsen such a process is retired and its successor gets a new id): it ends the chain.
    if (txn.type === "info") last.delete(txn.process);
    else last.set(txn.process, txn.index);
  }
}

/**
 * Real-time order (strict serializability, Papadimitriou 1979; Herlihy & Wing 1990
 * for the real-time condition): T1 precedes T2 when T1 returned before T2 was
 * invoked. Only the edges that are not implied by others are added, as Elle's
 * realtime graph does: walking the invocations and returns in index order, a
 * "frontier" holds the transactions that returned and are not yet followed by a
 * later returned one; an invocation links from every frontier member, and a
 * return replaces, in the frontier, the transactions that preceded it. Every
 * real-time precedence is then a path, so cycles are the same.
 */
export function addRealtimeOrder(history: History, graph: DependencyGraph): void {
  const events: { readonly at: number; readonly returns: boolean; readonly txn: Transaction }[] = [];
  for (const txn of history.txns) {
    if (!isVertex(txn) || txn.invokeIndex === undefined) continue;
    events.push({ at: txn.invokeIndex, returns: false, txn });
    // An info transaction never returned: it may have taken effect at any time after its invocation.
    if (txn.type === "ok" && txn.returnIndex !== undefined) events.push({ at: txn.returnIndex, returns: true, txn });
  }
  // At the same index an invocation sorts first: a return at the very moment of an invocation is not "before" it.
  events.sort((a, b) => a.at - b.at || Number(a.returns) - Number(b.returns) || a.txn.index - b.txn.index);
  const frontier = new Set<number>();
  const predecessors = new Map<number, readonly number[]>();
  for (const event of events) {
    const txn = event.txn.index;
    if (!event.returns) {
      const before = [...frontier];
      for (const previous of before) graph.add(previous, txn, REALTIME, -1, -1);
      predecessors.set(txn, before);
      continue;
    }
    const implied = predecessors.get(txn) ?? [];
    for (const previous of implied) frontier.delete(previous);
    frontier.add(txn);
    predecessors.delete(txn);
  }
}
