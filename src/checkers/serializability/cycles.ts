import { RW, WR, WW, REALTIME, PROCESS, type DependencyGraph } from "./graph";
import type { Anomaly } from "./types";

/** A cycle found in the graph: its edges in order, each leading to the next's source. */
export type Cycle = readonly number[];

/** Which edge kinds a search may follow, as a bit mask over the kind numbers. */
const bit = (kind: number): number => 1 << kind;
const ORDER = bit(REALTIME) | bit(PROCESS);
const ALL = bit(WW) | bit(WR) | bit(RW) | ORDER;

/**
 * Elle's cycle classes (Kingsbury & Alvaro 2020, after the phenomena of Adya 1999
 * and Adya, Liskov & O'Neil 2000): each is searched as a cycle through one edge of its defining kind,
 * closed by a shortest path over the kinds it allows. Real-time and process edges
 * are allowed in every class (Elle names such cycles G0-realtime and so on; here
 * the edges list says so).
 *
 *   G0:       write cycle, ww edges only (Adya's G0);
 *   G1c:      circular information flow, ww and wr edges, at least one wr (Adya's G1c);
 *   G-single: exactly one anti-dependency, rw (Adya's G-single);
 *   G2-item:  two or more rw edges (Adya's G2-item).
 */
interface ClassSearch {
  readonly type: Anomaly;
  readonly through: number;
  readonly allowed: number;
  /** The closing path must hold another edge of kind RW. */
  readonly anotherRw: boolean;
}

export const CLASS_SEARCHES: readonly ClassSearch[] = [
  { type: "G0", through: WW, allowed: bit(WW) | ORDER, anotherRw: false },
  { type: "G1C", through: WR, allowed: bit(WW) | bit(WR) | ORDER, anotherRw: false },
  { type: "G_SINGLE", through: RW, allowed: bit(WW) | bit(WR) | ORDER, anotherRw: false },
  { type: "G2_ITEM", through: RW, allowed: ALL, anotherRw: true },
];

/** After the first cycle of a class is found, this many more starting edges are tried for a shorter one. */
const EXTRA_TRIES = 8;
/** Search states one class may visit in one component before giving up on that class there. */
export const VISIT_BUDGET = 2_000_000;

/** The class of a cycle by its edges: no rw and no wr is G0, no rw is G1c, one rw G-single, more G2-item. */
export function classify(graph: DependencyGraph, cycle: Cycle): Anomaly {
  let rw = 0;
  let wr = false;
  for (const edge of cycle) {
    const kind = graph.kind(edge);
    if (kind === RW) rw += 1;
    if (kind === WR) wr = true;
  }
  if (rw === 0) return wr ? "G1C" : "G0";
  return rw === 1 ? "G_SINGLE" : "G2_ITEM";
}

/**
 * Breadth-first searches over one strongly connected component, reusing their
 * arrays (stamped, so no clearing between searches). A state is a vertex and
 * whether the path so far holds an rw edge.
 */
export class CycleSearcher {
  private readonly stamp: Int32Array;
  private readonly parent: Int32Array;
  private readonly parentState: Int32Array;
  private readonly queue: Int32Array;
  private generation = 0;
  /** States visited since the last reset, for the budget. */
  visits = 0;

  constructor(
    private readonly graph: DependencyGraph,
    private readonly component: Int32Array,
    private readonly pastDeadline: () => boolean,
  ) {
    const states = graph.vertexCount * 2;
    this.stamp = new Int32Array(states);
    this.parent = new Int32Array(states);
    this.parentState = new Int32Array(states);
    this.queue = new Int32Array(states);
  }

  /** The shortest cycle of the class in the component of `members`, or undefined (none, or budget spent). */
  find(search: ClassSearch, members: readonly number[]): Cycle | undefined {
    const graph = this.graph;
    this.visits = 0;
    let best: Cycle | undefined;
    let extra = 0;
    for (const vertex of members) {
      const { offsets, order } = graph.adjacency();
      const start = offsets[vertex] as number;
      const end = offsets[vertex + 1] as number;
      for (let at = start; at < end; at++) {
        const edge = order[at] as number;
        if (graph.kind(edge) !== search.through) continue;
        if (this.component[graph.to(edge)] !== this.component[vertex]) continue;
        const cycle = this.close(edge, search);
        if (cycle === "stop") return best;
        if (cycle !== undefined && (best === undefined || cycle.length < best.length)) best = cycle;
        if (best !== undefined && (best.length === 2 || ++extra > EXTRA_TRIES)) return best;
        if (this.visits > VISIT_BUDGET) return best;
      }
    }
    return best;
  }

  /** Any cycle through the component's first internal edge: always exists in a component of two or more. */
  anyCycle(members: readonly number[]): Cycle | undefined {
    const graph = this.graph;
    for (const vertex of members) {
      const { offsets, order } = graph.adjacency();
      const start = offsets[vertex] as number;
      const end = offsets[vertex + 1] as number;
      for (let at = start; at < end; at++) {
        const edge = order[at] as number;
        if (this.component[graph.to(edge)] !== this.component[vertex]) continue;
        const cycle = this.close(edge, { type: "G0", through: graph.kind(edge), allowed: ALL, anotherRw: false });
        return cycle === "stop" ? undefined : cycle;
      }
    }
    return undefined;
  }

  /** The edge plus a shortest path from its target back to its source, within the component, over allowed kinds. */
  private close(first: number, search: ClassSearch): Cycle | undefined | "stop" {
    const graph = this.graph;
    const component = this.component;
    const source = graph.from(first);
    const home = component[source] as number;
    const generation = ++this.generation;
    const startState = graph.to(first) * 2;
    const target = source * 2 + (search.anotherRw ? 1 : 0);
    let head = 0;
    let tail = 0;
    this.queue[tail++] = startState;
    this.stamp[startState] = generation;
    this.parent[startState] = -1;
    while (head < tail) {
      const state = this.queue[head++] as number;
      this.visits += 1;
      if ((this.visits & 1023) === 0 && this.pastDeadline()) return "stop";
      const vertex = state >> 1;
      if (vertex === source) {
        if (!search.anotherRw || state === target) return this.simple(this.path(first, state), search);
        continue; // A path through the source again would not be a simple cycle.
      }
      const rwSeen = state & 1;
      const { offsets, order } = graph.adjacency();
      const start = offsets[vertex] as number;
      const end = offsets[vertex + 1] as number;
      for (let at = start; at < end; at++) {
        const edge = order[at] as number;
        const kind = graph.kind(edge);
        if ((search.allowed & (1 << kind)) === 0) continue;
        const next = graph.to(edge);
        if (component[next] !== home) continue;
        const nextState = next * 2 + (kind === RW ? 1 : rwSeen);
        if (this.stamp[nextState] === generation) continue;
        this.stamp[nextState] = generation;
        this.parent[nextState] = edge;
        this.parentState[nextState] = state;
        this.queue[tail++] = nextState;
      }
    }
    return undefined;
  }

  /**
   * A shortest path over (vertex, rw seen) states may pass a vertex twice, once
   * with each flag: a closed walk, not a cycle. It is split into simple cycles and
   * the first that still belongs to the class is kept.
   */
  private simple(walk: Cycle, search: ClassSearch): Cycle | undefined {
    const graph = this.graph;
    const seen = new Map<number, number>();
    const stack: number[] = [];
    const pieces: number[][] = [];
    for (const edge of walk) {
      const from = graph.from(edge);
      const at = seen.get(from);
      if (at !== undefined) {
        const piece = stack.splice(at);
        for (const e of piece) seen.delete(graph.from(e));
        pieces.push(piece);
      }
      seen.set(from, stack.length);
      stack.push(edge);
    }
    pieces.push(stack);
    if (pieces.length === 1) return walk;
    const wanted = (cycle: Cycle): boolean => {
      const type = classify(graph, cycle);
      return search.anotherRw ? type === "G2_ITEM" : type === search.type || search.allowed === ALL;
    };
    return pieces.find(wanted);
  }

  private path(first: number, end: number): Cycle {
    const edges: number[] = [];
    let state = end;
    while (this.parent[state] !== -1) {
      edges.push(this.parent[state] as number);
      state = this.parentState[state] as number;
    }
    edges.push(first);
    return edges.reverse();
  }
}
