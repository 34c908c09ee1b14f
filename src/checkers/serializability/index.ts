import { CLASS_SEARCHES, classify, CycleSearcher, type Cycle } from "./cycles";
import { cycleTransactions, describeEdge, explainCycle } from "./explain";
import { Findings } from "./findings";
import { DependencyGraph, EdgeLimitError, stronglyConnectedComponents } from "./graph";
import { inferListAppend } from "./list-append";
import { addProcessOrder, addRealtimeOrder } from "./order";
import { parseHistory } from "./parse";
import { inferRwRegister } from "./rw-register";
import {
  EDGE_KINDS,
  type Anomaly,
  type CheckOptions,
  type EdgeKind,
  type History,
  type SerializabilityResult,
} from "./types";

export { HistoryError, parseHistory } from "./parse";
export { LISTED_PER_TYPE } from "./findings";
export * from "./types";

/**
 * Checks a history (already parsed JSON) for serializability. Throws HistoryError
 * when the input is malformed; otherwise answers SERIALIZABLE, NOT_SERIALIZABLE
 * with the anomalies and the transactions that form them, or UNKNOWN when the
 * deadline passed (or the graph outgrew LIMITS.edges) before the answer was
 * certain.
 */
export function checkSerializability(input: unknown, options: CheckOptions = {}): SerializabilityResult {
  return checkHistory(parseHistory(input), options);
}

/** The checker on a history already checked by parseHistory. */
export function checkHistory(history: History, options: CheckOptions = {}): SerializabilityResult {
  const pastDeadline = options.pastDeadline ?? (() => false);
  const findings = new Findings();
  const transactions = history.txns.length;
  let graph: DependencyGraph;
  try {
    graph = history.kind === "list-append" ? inferListAppend(history, findings) : inferRwRegister(history, findings);
    if (history.processOrder) addProcessOrder(history, graph);
    if (history.realtime) addRealtimeOrder(history, graph);
  } catch (error) {
    if (!(error instanceof EdgeLimitError)) throw error;
    return finish(findings, transactions, emptyCounts(), error.message);
  }
  const edgeCounts = graph.countsByKind();
  if (pastDeadline()) return finish(findings, transactions, edgeCounts, "the deadline passed before the cycle search");
  const { component, cyclic } = stronglyConnectedComponents(graph);
  const searcher = new CycleSearcher(graph, component, pastDeadline);
  for (const members of cyclic) {
    const found = new Set<Anomaly>();
    for (const search of CLASS_SEARCHES) {
      if (pastDeadline())
        return finish(findings, transactions, edgeCounts, "the deadline passed during the cycle search");
      const cycle = searcher.find(search, members);
      if (cycle !== undefined) {
        report(history, graph, findings, classify(graph, cycle), cycle);
        found.add(classify(graph, cycle));
      }
    }
    if (found.size === 0) {
      // Every class search ran out of budget: any cycle still proves the verdict.
      const cycle = searcher.anyCycle(members);
      if (cycle === undefined)
        return finish(findings, transactions, edgeCounts, "the deadline passed during the cycle search");
      report(history, graph, findings, classify(graph, cycle), cycle);
    }
  }
  return finish(findings, transactions, edgeCounts, null);
}

function report(history: History, graph: DependencyGraph, findings: Findings, type: Anomaly, cycle: Cycle): void {
  findings.add(
    type,
    cycleTransactions(graph, cycle),
    () =>
      explainCycle(
        type,
        cycle.map((edge) => describeEdge(history, graph, edge)),
      ),
    cycle.map((edge) => describeEdge(history, graph, edge)),
  );
}

function finish(
  findings: Findings,
  transactions: number,
  edgeCounts: Record<EdgeKind, number>,
  stoppedBecause: string | null,
): SerializabilityResult {
  const notes = findings.unlisted();
  if (stoppedBecause !== null) notes.unshift(`the search stopped early: ${stoppedBecause}`);
  const verdict = findings.total > 0 ? "NOT_SERIALIZABLE" : stoppedBecause === null ? "SERIALIZABLE" : "UNKNOWN";
  return {
    verdict,
    anomalies: findings.listed,
    transactions,
    reason: notes.length === 0 ? null : notes.join("; "),
    edgeCounts,
  };
}

function emptyCounts(): Record<EdgeKind, number> {
  return Object.fromEntries(EDGE_KINDS.map((kind) => [kind, 0])) as Record<EdgeKind, number>;
}
