import { EDGE_KINDS, LIMITS, type EdgeKind } from "./types";

/** Edge kinds as small integers, indexes into EDGE_KINDS. */
export const WW = 0;
export const WR = 1;
export const RW = 2;
export const REALTIME = 3;
export const PROCESS = 4;

export function edgeKindName(kind: number): EdgeKind {
  return EDGE_KINDS[kind] as EdgeKind;
}

/** Thrown when the graph would pass LIMITS.edges; the checker answers UNKNOWN. */
export class EdgeLimitError extends Error {
  constructor() {
    super(`the dependency graph would hold more than ${LIMITS.edges} edges (LIMITS.edges)`);
    this.name = "EdgeLimitError";
  }
}

/**
 * Adya's direct serialization graph (Adya 1999; Adya, Liskov & O'Neil 2000):
 * one vertex per committed (or possibly committed) transaction, an edge for each
 * dependency. Each edge keeps the micro-operations that justify it (-1 for an
 * order edge), so a cycle can be explained from the history.
 */
export class DependencyGraph {
  private count = 0;
  private fromArray = new Int32Array(1024);
  private toArray = new Int32Array(1024);
  private kindArray = new Uint8Array(1024);
  private fromOpArray = new Int32Array(1024);
  private toOpArray = new Int32Array(1024);
  /** Edges in from-vertex order (compressed sparse rows), built by seal(). */
  private offsets: Int32Array | undefined;
  private order: Int32Array | undefined;

  constructor(readonly vertexCount: number) {}

  get edgeCount(): number {
    return this.count;
  }

  add(from: number, to: number, kind: number, fromOp: number, toOp: number): void {
    if (from === to) return; // Adya's graph has no self-edges: a transaction does not depend on itself.
    if (this.count === this.fromArray.length) this.grow();
    const i = this.count++;
    this.fromArray[i] = from;
    this.toArray[i] = to;
    this.kindArray[i] = kind;
    this.fromOpArray[i] = fromOp;
    this.toOpArray[i] = toOp;
    this.offsets = undefined;
  }

  from(edge: number): number {
    return this.fromArray[edge] as number;
  }
  to(edge: number): number {
    return this.toArray[edge] as number;
  }
  kind(edge: number): number {
    return this.kindArray[edge] as number;
  }
  fromOp(edge: number): number {
    return this.fromOpArray[edge] as number;
  }
  toOp(edge: number): number {
    return this.toOpArray[edge] as number;
  }

  countsByKind(): Record<EdgeKind, number> {
    const byNumber = new Array<number>(EDGE_KINDS.length).fill(0);
    for (let i = 0; i < this.count; i++) byNumber[this.kindArray[i] as number] += 1;
    return Object.fromEntries(EDGE_KINDS.map((kind, number) => [kind, byNumber[number]])) as Record<EdgeKind, number>;
  }

  /**
   * The edges leaving each vertex: those of vertex v are order[offsets[v]] to
   * order[offsets[v + 1] - 1], in the order they were added. Plain arrays, so the
   * hot loops allocate nothing.
   */
  adjacency(): { readonly offsets: Int32Array; readonly order: Int32Array } {
    this.seal();
    return { offsets: this.offsets as Int32Array, order: this.order as Int32Array };
  }

  /** Builds the from-sorted index (a counting sort, stable). */
  seal(): void {
    if (this.offsets !== undefined) return;
    const offsets = new Int32Array(this.vertexCount + 1);
    for (let i = 0; i < this.count; i++) offsets[(this.fromArray[i] as number) + 1] += 1;
    for (let v = 0; v < this.vertexCount; v++) offsets[v + 1] += offsets[v] as number;
    const cursor = offsets.slice(0, this.vertexCount);
    const order = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const from = this.fromArray[i] as number;
      order[cursor[from] as number] = i;
      cursor[from] += 1;
    }
    this.offsets = offsets;
    this.order = order;
  }

  private grow(): void {
    const size = this.fromArray.length * 2;
    if (this.count >= LIMITS.edges) throw new EdgeLimitError();
    const copy = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.fromArray = copy(this.fromArray, (n) => new Int32Array(n));
    this.toArray = copy(this.toArray, (n) => new Int32Array(n));
    this.kindArray = copy(this.kindArray, (n) => new Uint8Array(n));
    this.fromOpArray = copy(this.fromOpArray, (n) => new Int32Array(n));
    this.toOpArray = copy(this.toOpArray, (n) => new Int32Array(n));
  }
}

/**
 * Tarjan's strongly connected components (Tarjan 1972), iterative so that a long
 * chain of transactions cannot overflow the stack. Returns each vertex's component
 * number and the components with more than one vertex (each a set of transactions
 * that lie on a cycle; with no self-edges, a one-vertex component has none).
 */
export function stronglyConnectedComponents(graph: DependencyGraph): {
  readonly component: Int32Array;
  readonly cyclic: readonly (readonly number[])[];
} {
  const n = graph.vertexCount;
  const { offsets, order } = graph.adjacency();
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const callVertex = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const cyclic: number[][] = [];
  let nextIndex = 0;
  let componentCount = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callVertex[0] = root;
    callEdge[0] = offsets[root] as number;
    index[root] = low[root] = nextIndex++;
    stack.push(root);
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callVertex[depth] as number;
      const end = offsets[v + 1] as number;
      const at = callEdge[depth] as number;
      if (at < end) {
        callEdge[depth] = at + 1;
        const w = graph.to(order[at] as number);
        if (index[w] === -1) {
          index[w] = low[w] = nextIndex++;
          stack.push(w);
          onStack[w] = 1;
          depth += 1;
          callVertex[depth] = w;
          callEdge[depth] = offsets[w] as number;
        } else if (onStack[w] === 1 && (index[w] as number) < (low[v] as number)) {
          low[v] = index[w] as number;
        }
        continue;
      }
      if (low[v] === index[v]) {
        if (stack[stack.length - 1] === v) {
          // A component of one vertex, the common case: no array for it.
          stack.pop();
          onStack[v] = 0;
          component[v] = componentCount;
        } else {
          const members: number[] = [];
          let w: number;
          do {
            w = stack.pop() as number;
            onStack[w] = 0;
            component[w] = componentCount;
            members.push(w);
          } while (w !== v);
          cyclic.push(members.sort((a, b) => a - b));
        }
        componentCount += 1;
      }
      depth -= 1;
      if (depth >= 0) {
        const parent = callVertex[depth] as number;
        if ((low[v] as number) < (low[parent] as number)) low[parent] = low[v] as number;
      }
    }
  }
  cyclic.sort((a, b) => (a[0] as number) - (b[0] as number));
  return { component, cyclic };
}
