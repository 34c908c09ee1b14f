import { list } from "../../sim/english";
import { name, show } from "./findings";
import { edgeKindName, PROCESS, REALTIME, WR, WW, type DependencyGraph } from "./graph";
import type { Cycle } from "./cycles";
import type { Anomaly, DependencyEdge, History, MicroOp } from "./types";

/** One edge as data and as a sentence saying why its source must come first. */
export function describeEdge(history: History, graph: DependencyGraph, edge: number): DependencyEdge {
  const from = graph.from(edge);
  const to = graph.to(edge);
  const kind = graph.kind(edge);
  const a = name(from);
  const b = name(to);
  if (kind === REALTIME) {
    return { from, to, kind: "REALTIME", key: null, explanation: `${a} finished before ${b} began (real time)` };
  }
  if (kind === PROCESS) {
    const process = show(history.txns[from]!.process);
    return {
      from,
      to,
      kind: "PROCESS",
      key: null,
      explanation: `${a} ran before ${b} in process ${process} (process order)`,
    };
  }
  const fromOp = history.txns[from]!.ops[graph.fromOp(edge)] as MicroOp;
  const toOp = history.txns[to]!.ops[graph.toOp(edge)] as MicroOp;
  const key = fromOp.key;
  const k = show(key);
  let explanation: string;
  if (kind === WW) {
    explanation =
      fromOp.f === "append"
        ? `${a} appended ${show(fromOp.value)} to ${k} and ${b} appended ${show(toOp.value)} right after it (ww)`
        : `${a} wrote ${k} = ${show(fromOp.value)} and ${b} overwrote it with ${show(toOp.value)} (ww)`;
  } else if (kind === WR) {
    explanation =
      fromOp.f === "append"
        ? `${a} appended ${show(fromOp.value)} to ${k}, which ${b} read in ${k} = ${show(toOp.value)} (wr)`
        : `${a} wrote ${k} = ${show(fromOp.value)}, which ${b} read (wr)`;
  } else {
    const state =
      fromOp.f === "readValue" && fromOp.value === null
        ? `${k} in its initial state (nil)`
        : `${k} = ${show(fromOp.value)}`;
    explanation =
      toOp.f === "append"
        ? `${a} read ${state}, without the ${show(toOp.value)} that ${b} appended next (rw)`
        : `${a} read ${state}, and ${b} wrote the later version ${k} = ${show(toOp.value)} (rw)`;
  }
  return { from, to, kind: edgeKindName(kind), key, explanation };
}

const CLASS_NAMES: Readonly<Partial<Record<Anomaly, string>>> = {
  G0: "G0 (write cycle)",
  G1C: "G1c (circular information flow)",
  G_SINGLE: "G-single (read skew: one anti-dependency)",
  G2_ITEM: "G2-item (write skew: anti-dependency cycle)",
};

/**
 * A cycle in sentences a learner can follow: each edge's reason, then why no
 * serial order exists ("T0 must come before T1, ..., and T1 before T0").
 */
export function explainCycle(type: Anomaly, edges: readonly DependencyEdge[]): string {
  const steps = edges.map((edge) => edge.explanation);
  const pairs = edges.map((edge) => `${name(edge.from)} before ${name(edge.to)}`);
  return (
    `${CLASS_NAMES[type] ?? type}: ${steps.join("; ")}. A serial order would need ${list(pairs)}: ` +
    `a cycle, so no serial order of these transactions exists.`
  );
}

/** The transactions of a cycle, in order, from its edges. */
export function cycleTransactions(graph: DependencyGraph, cycle: Cycle): number[] {
  return cycle.map((edge) => graph.from(edge));
}
