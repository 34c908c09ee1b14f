/**
 * The storage behind the RGA (rga.ts): its elements kept as runs in a B-tree that
 * counts visible elements, plus an index from element id to run.
 *
 * A run is what one replica typed in one go: elements with the same replica and
 * consecutive counters, each inserted right after the one before it, that sit next to
 * each other in the list and are all visible or all deleted. This is the run-length
 * form that Yjs (an Item holds a string) and diamond-types (a span of a B-tree leaf)
 * use: typing "hello" is one run, not five elements. A run is cut in two when an
 * insert lands inside it or part of it is deleted; list-adjacent deleted runs that
 * continue one another are joined again.
 *
 * The runs sit, in list order, in the leaves of a B-tree whose nodes count the live
 * and the total elements below them. Finding the element at a visible position walks
 * down from the root (O(log n) nodes, O(B) entries in each); the position of an
 * element walks up from its leaf. The id index keeps, for each replica, its runs
 * sorted by first counter in blocks of at most BLOCK_MAX runs (a two-level sorted
 * list), so the run holding an id is two binary searches away.
 */

/** Most runs in a leaf, most children of an inner node, most runs in a block of the id index. */
export const LEAF_MAX = 64;
export const INNER_MAX = 32;
export const BLOCK_MAX = 128;

export class RgaRun {
  /** The leaf holding the run; kept up to date when leaves split. */
  leaf: RgaLeaf = DETACHED;
  constructor(
    readonly replica: string,
    /** Counter of the first element; element i has counter + i. */
    readonly counter: number,
    public length: number,
    /**
     * The elements' values: one UTF-16 unit each when text.length === length; a run of
     * one element may hold any string (an emoji, or a value given by an op).
     */
    public text: string,
    /** The first element's reference (null: the start of the text); element i > 0 refers to element i - 1. */
    readonly refReplica: string | null,
    readonly refCounter: number,
    public deleted: boolean,
  ) {}
}

export class RgaLeaf {
  parent: RgaInner | null = null;
  runs: RgaRun[] = [];
  live = 0;
  size = 0;
  next: RgaLeaf | null = null;
}

export class RgaInner {
  parent: RgaInner | null = null;
  children: (RgaLeaf | RgaInner)[] = [];
  live = 0;
  size = 0;
}

const DETACHED = new RgaLeaf();

/** One replica's runs, sorted by first counter, in blocks (never empty ones). */
export class ReplicaRuns {
  private readonly blocks: RgaRun[][] = [];

  /** Index of the last block whose first run starts at or before `counter`; -1 if none. */
  private blockOf(counter: number): number {
    const blocks = this.blocks;
    let low = 0;
    let high = blocks.length - 1;
    if (high < 0 || ((blocks[0] as RgaRun[])[0] as RgaRun).counter > counter) return -1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (((blocks[middle] as RgaRun[])[0] as RgaRun).counter <= counter) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** The run holding element `counter` of this replica. */
  find(counter: number): RgaRun | undefined {
    const b = this.blockOf(counter);
    if (b < 0) return undefined;
    const block = this.blocks[b] as RgaRun[];
    let low = 0;
    let high = block.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((block[middle] as RgaRun).counter <= counter) low = middle;
      else high = middle - 1;
    }
    const run = block[low] as RgaRun;
    return counter < run.counter + run.length ? run : undefined;
  }

  add(run: RgaRun): void {
    const blocks = this.blocks;
    const last = blocks[blocks.length - 1];
    if (last === undefined) {
      blocks.push([run]);
      return;
    }
    let b: number;
    let at: number;
    if ((last[last.length - 1] as RgaRun).counter < run.counter) {
      b = blocks.length - 1;
      at = last.length;
    } else {
      b = Math.max(0, this.blockOf(run.counter));
      at = upperBound(blocks[b] as RgaRun[], run.counter);
    }
    const block = blocks[b] as RgaRun[];
    block.splice(at, 0, run);
    if (block.length > BLOCK_MAX) blocks.splice(b + 1, 0, block.splice(BLOCK_MAX >> 1));
  }

  remove(run: RgaRun): void {
    const b = this.blockOf(run.counter);
    const block = this.blocks[b] as RgaRun[];
    const at = upperBound(block, run.counter) - 1;
    if (block[at] !== run) throw new Error(`RGA: the id index lost the run at ${run.counter}@${run.replica}`);
    block.splice(at, 1);
    if (block.length === 0) this.blocks.splice(b, 1);
  }
}

/** First index whose run starts after `counter`. */
function upperBound(block: readonly RgaRun[], counter: number): number {
  let low = 0;
  let high = block.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((block[middle] as RgaRun).counter <= counter) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * An RGA replica's state. Mutable for speed: `apply`, rgaInsertText and
 * rgaDeleteRange edit it in place; `merge` builds a new one.
 */
export class RgaPayload {
  root: RgaLeaf | RgaInner;
  first: RgaLeaf;
  last: RgaLeaf;
  readonly ids = new Map<string, ReplicaRuns>();
  /** The largest counter seen: a new element's id is counter + 1 (a Lamport clock). */
  counter = 0;

  constructor() {
    const leaf = new RgaLeaf();
    this.root = leaf;
    this.first = leaf;
    this.last = leaf;
  }

  /** Visible elements (the text's length). */
  get live(): number {
    return this.root.live;
  }

  get tombstones(): number {
    return this.root.size - this.root.live;
  }

  /** Every element, visible or deleted. */
  get size(): number {
    return this.root.size;
  }

  runsOf(replica: string): ReplicaRuns {
    let runs = this.ids.get(replica);
    if (runs === undefined) {
      runs = new ReplicaRuns();
      this.ids.set(replica, runs);
    }
    return runs;
  }

  findRun(replica: string, counter: number): RgaRun | undefined {
    return this.ids.get(replica)?.find(counter);
  }
}

/** Adds to the counts of a leaf and of every node above it. */
export function bump(leaf: RgaLeaf, live: number, size: number): void {
  let node: RgaLeaf | RgaInner | null = leaf;
  while (node !== null) {
    node.live += live;
    node.size += size;
    node = node.parent;
  }
}

/**
 * Puts a run into a leaf at `index` and into the id index, and adds its elements to the
 * counts unless they are `counted` already (the tail of a run that was cut in two).
 */
export function placeRun(payload: RgaPayload, leaf: RgaLeaf, index: number, run: RgaRun, counted: boolean): void {
  leaf.runs.splice(index, 0, run);
  run.leaf = leaf;
  payload.runsOf(run.replica).add(run);
  if (!counted) bump(leaf, run.deleted ? 0 : run.length, run.length);
  if (leaf.runs.length > LEAF_MAX) splitLeaf(payload, leaf);
}

/** Takes a run out of its leaf and the id index (its elements were joined to a neighbour). */
export function unplaceRun(payload: RgaPayload, run: RgaRun): void {
  const runs = run.leaf.runs;
  runs.splice(runs.indexOf(run), 1);
  payload.runsOf(run.replica).remove(run);
  run.leaf = DETACHED;
}

function splitLeaf(payload: RgaPayload, leaf: RgaLeaf): void {
  const right = new RgaLeaf();
  right.runs = leaf.runs.splice(LEAF_MAX >> 1);
  for (const run of right.runs) {
    run.leaf = right;
    right.size += run.length;
    if (!run.deleted) right.live += run.length;
  }
  leaf.live -= right.live;
  leaf.size -= right.size;
  right.next = leaf.next;
  leaf.next = right;
  if (payload.last === leaf) payload.last = right;
  attachAfter(payload, leaf, right);
}

function splitInner(payload: RgaPayload, node: RgaInner): void {
  const right = new RgaInner();
  right.children = node.children.splice(INNER_MAX >> 1);
  for (const child of right.children) {
    child.parent = right;
    right.live += child.live;
    right.size += child.size;
  }
  node.live -= right.live;
  node.size -= right.size;
  attachAfter(payload, node, right);
}

/** Hangs `sibling` right after `node` under node's parent (a new root if node was the root). */
function attachAfter(payload: RgaPayload, node: RgaLeaf | RgaInner, sibling: RgaLeaf | RgaInner): void {
  const parent = node.parent;
  if (parent === null) {
    const root = new RgaInner();
    root.children = [node, sibling];
    root.live = node.live + sibling.live;
    root.size = node.size + sibling.size;
    node.parent = root;
    sibling.parent = root;
    payload.root = root;
    return;
  }
  parent.children.splice(parent.children.indexOf(node) + 1, 0, sibling);
  sibling.parent = parent;
  if (parent.children.length > INNER_MAX) splitInner(payload, parent);
}

/** The run and offset of the visible element at `position` (0 <= position < live): down from the root. */
export function locateVisible(payload: RgaPayload, position: number): { run: RgaRun; offset: number } {
  if (!Number.isInteger(position) || position < 0 || position >= payload.live) {
    throw new Error(`RGA: no visible element at position ${position} (the text has length ${payload.live})`);
  }
  let node = payload.root;
  let left = position;
  while (node instanceof RgaInner) {
    const children = node.children;
    let i = 0;
    let child = children[0] as RgaLeaf | RgaInner;
    while (left >= child.live) {
      left -= child.live;
      i += 1;
      child = children[i] as RgaLeaf | RgaInner;
    }
    node = child;
  }
  for (const run of node.runs) {
    if (run.deleted) continue;
    if (left < run.length) return { run, offset: left };
    left -= run.length;
  }
  throw new Error(`RGA: the counts of the tree disagree with its runs at position ${position}`);
}

/** How many visible elements come before element `offset` of `run`: up from its leaf. */
export function visibleBefore(run: RgaRun, offset: number): number {
  return countBefore(run, offset, true);
}

/** How many elements, visible or deleted, come before element `offset` of `run`. */
export function elementsBefore(run: RgaRun, offset: number): number {
  return countBefore(run, offset, false);
}

function countBefore(run: RgaRun, offset: number, visibleOnly: boolean): number {
  let position = visibleOnly && run.deleted ? 0 : offset;
  const leaf = run.leaf;
  for (const other of leaf.runs) {
    if (other === run) break;
    if (!visibleOnly || !other.deleted) position += other.length;
  }
  let child: RgaLeaf | RgaInner = leaf;
  for (let parent = leaf.parent; parent !== null; parent = parent.parent) {
    for (const sibling of parent.children) {
      if (sibling === child) break;
      position += visibleOnly ? sibling.live : sibling.size;
    }
    child = parent;
  }
  return position;
}

/** The run after `run` in list order, or null at the end. */
export function nextRun(run: RgaRun): RgaRun | null {
  const leaf = run.leaf;
  const index = leaf.runs.indexOf(run);
  if (index + 1 < leaf.runs.length) return leaf.runs[index + 1] as RgaRun;
  for (let next = leaf.next; next !== null; next = next.next) if (next.runs.length > 0) return next.runs[0] as RgaRun;
  return null;
}

/** Every run in list order. */
export function* runsInOrder(payload: RgaPayload): Generator<RgaRun> {
  for (let leaf: RgaLeaf | null = payload.first; leaf !== null; leaf = leaf.next) yield* leaf.runs;
}

/** The value of element `offset` of a run. */
export function valueAt(run: RgaRun, offset: number): string {
  return run.length === 1 ? run.text : run.text.charAt(offset);
}
