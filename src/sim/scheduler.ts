/**
 * The event queue: a binary min-heap ordered by (time, seq). seq is a global
 * counter assigned at scheduling, so two items due at the same tick always run in
 * the order they were scheduled, and the run is deterministic.
 */
export interface Scheduled<T> {
  readonly time: number;
  readonly seq: number;
  readonly item: T;
}

export class Scheduler<T> {
  private heap: Scheduled<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(time: number, item: T): Scheduled<T> {
    if (!Number.isInteger(time) || time < 0) {
      throw new Error(`Scheduler.schedule: time must be a non-negative integer tick, got ${time}`);
    }
    const entry: Scheduled<T> = { time, seq: this.nextSeq++, item };
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    return entry;
  }

  /** Every entry, in no particular order. */
  entries(): Iterable<Scheduled<T>> {
    return this.heap;
  }

  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  pop(): Scheduled<T> | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0] as Scheduled<T>;
    const last = heap.pop() as Scheduled<T>;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private less(a: Scheduled<T>, b: Scheduled<T>): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i] as Scheduled<T>, heap[parent] as Scheduled<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Scheduled<T>, heap[i] as Scheduled<T>];
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.less(heap[left] as Scheduled<T>, heap[smallest] as Scheduled<T>)) smallest = left;
      if (right < n && this.less(heap[right] as Scheduled<T>, heap[smallest] as Scheduled<T>)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as Scheduled<T>, heap[i] as Scheduled<T>];
      i = smallest;
    }
  }
}
