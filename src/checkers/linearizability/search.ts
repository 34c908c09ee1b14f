import { ILLEGAL, type Call, type Model } from "./model";

/**
 * The search for a linearization of one partition: Wing and Gong's algorithm (1993)
 * with Lowe's memoization ("Testing for linearizability", 2017, section 4), in the
 * way Porcupine runs it (Athalye, porcupine/checker.go, checkSingle), written here
 * with typed arrays.
 *
 * The history is a list of call and return entries in time order. The search walks
 * it from the start: at a call entry it tries to make that operation take effect
 * now (the model's step accepts it and the pair (operations done so far, state) has
 * not been explored before), lifts the call and its return out of the list and
 * starts again from the head; at a return entry it has met an operation that must
 * already have taken effect but has not, so it undoes the last operation it placed
 * and tries the next candidate after it. The history is linearizable when every
 * operation with a reply has been placed; it is not when there is nothing left to
 * undo. An operation with no reply returns "at infinity", so it may be placed
 * anywhere after its call, or never.
 */

export type SearchOutcome =
  | { readonly kind: "linearizable"; readonly order: readonly number[] }
  | {
      readonly kind: "not-linearizable";
      /** The longest linearizable prefix found, as call ids in order. */
      readonly prefix: readonly number[];
      /** The operation whose return the search met without being able to place it there. */
      readonly blocked: number;
      /** The state after the prefix. */
      readonly state: string;
    }
  | { readonly kind: "stopped"; readonly reason: "time" | "memory"; readonly longest: number };

export interface SearchOptions {
  /** Asked every few thousand steps; true stops the search (verdict UNKNOWN). */
  readonly expired: () => boolean;
  /** The most 32-bit words the cache of explored (set, state) pairs may hold. */
  readonly maxCacheWords: number;
}

/** How many steps the search takes between two questions to expired(). */
const STEPS_PER_CLOCK_CHECK = 1024;

interface CacheEntry {
  readonly bits: Uint32Array;
  readonly state: string;
}

export function searchPartition(
  model: Model,
  initial: string,
  calls: readonly Call[],
  options: SearchOptions,
): SearchOutcome {
  const n = calls.length;
  if (n === 0) return { kind: "linearizable", order: [] };
  // Entries: node 0 is the head; call of op i is node 1 + 2i, its return 2 + 2i.
  const entryCount = 2 * n;
  const order: number[] = new Array<number>(entryCount);
  const time = new Float64Array(entryCount + 1);
  for (let i = 0; i < n; i++) {
    const operation = (calls[i] as Call).operation;
    time[1 + 2 * i] = operation.invokeIndex;
    time[2 + 2 * i] = operation.returnIndex ?? Number.POSITIVE_INFINITY;
    order[2 * i] = 1 + 2 * i;
    order[2 * i + 1] = 2 + 2 * i;
  }
  // Time order; at equal times calls before returns, so operations that touch are concurrent.
  order.sort((a, b) => (time[a] as number) - (time[b] as number) || (a & 1 ? 0 : 1) - (b & 1 ? 0 : 1) || a - b);
  const next = new Int32Array(entryCount + 1).fill(-1);
  const prev = new Int32Array(entryCount + 1).fill(-1);
  let last = 0;
  for (const node of order) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = new Uint32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = mix32(i + 1);
  let bitsHash = 0;
  const cache = new Map<number, CacheEntry[]>();
  let cachedWords = 0;

  const stackNode = new Int32Array(n);
  const stackState: string[] = new Array<string>(n);
  /**
   * 1 where the placed operation changes no state it can take effect in (a read, a
   * cas that returned false). Such an operation need not be tried anywhere later: if
   * a linearization placed it later, moving it up to here keeps every result (it is
   * legal here and changes nothing, here or there), and it breaks no real-time order
   * (every operation that returned before its invocation is already placed, or it
   * would not be a candidate). So when everything after placing it fails, trying
   * other candidates at its level would fail too, and the search undoes the level
   * below at once (an exchange argument, ours). A write of the value already held
   * does not qualify: placed later, after another write, it changes the state.
   */
  const stackKeeps = new Uint8Array(n);
  let depth = 0;
  let state = initial;
  let remainingWithReply = 0;
  for (const call of calls) if (call.operation.returnIndex !== null) remainingWithReply += 1;

  let bestDepth = -1;
  const bestPrefix: number[] = [];
  let stableDepth = 0;
  let bestBlocked = -1;
  let bestState = initial;

  let steps = 0;
  let entry = next[0] as number;
  while (remainingWithReply > 0) {
    steps += 1;
    if (steps % STEPS_PER_CLOCK_CHECK === 0 && options.expired()) {
      return { kind: "stopped", reason: "time", longest: Math.max(bestDepth, depth) };
    }
    if (entry < 0) {
      // Unreachable: a return entry of an unplaced operation with a reply always comes first.
      throw new Error("linearizability search: ran off the end of the history with operations unplaced");
    }
    if (entry & 1) {
      // A call entry: try to make the operation take effect now.
      const id = (entry - 1) >>> 1;
      const call = calls[id] as Call;
      const newState = model.step(state, call);
      if (newState !== ILLEGAL) {
        const word = id >>> 5;
        const mask = 1 << (id & 31);
        bits[word] = (bits[word] as number) | mask;
        const newHash = (bitsHash ^ (zobrist[id] as number)) >>> 0;
        const key = (newHash ^ Math.imul(model.hash(newState), 0x9e3779b1)) >>> 0;
        const bucket = cache.get(key);
        if (bucket !== undefined && contains(model, bucket, bits, newState)) {
          bits[word] = (bits[word] as number) & ~mask;
          entry = next[entry] as number;
          continue;
        }
        cachedWords += words;
        if (cachedWords > options.maxCacheWords) {
          return { kind: "stopped", reason: "memory", longest: Math.max(bestDepth, depth) };
        }
        const cached: CacheEntry = { bits: bits.slice(), state: newState };
        if (bucket === undefined) cache.set(key, [cached]);
        else bucket.push(cached);
        bitsHash = newHash;
        stackNode[depth] = entry;
        stackState[depth] = state;
        stackKeeps[depth] = model.changesNothing(call) ? 1 : 0;
        depth += 1;
        state = newState;
        if (call.operation.returnIndex !== null) remainingWithReply -= 1;
        lift(next, prev, entry);
        entry = next[0] as number;
      } else {
        entry = next[entry] as number;
      }
      continue;
    }
    // A return entry: its operation must already have taken effect, and has not.
    if (depth > bestDepth) {
      bestPrefix.length = stableDepth;
      for (let i = stableDepth; i < depth; i++) bestPrefix.push(((stackNode[i] as number) - 1) >>> 1);
      stableDepth = depth;
      bestDepth = depth;
      bestBlocked = (entry - 2) >>> 1;
      bestState = state;
    }
    // Undo placements. One that left the state as it was (a read, a failed cas) is undone
    // together with the one before it: see the comment on stackKeeps.
    let undone = -1;
    do {
      if (depth === 0) {
        return { kind: "not-linearizable", prefix: bestPrefix, blocked: bestBlocked, state: bestState };
      }
      if (undone !== -1) unlift(next, prev, undone);
      depth -= 1;
      if (depth < stableDepth) stableDepth = depth;
      undone = stackNode[depth] as number;
      const id = (undone - 1) >>> 1;
      state = stackState[depth] as string;
      bits[id >>> 5] = (bits[id >>> 5] as number) & ~(1 << (id & 31));
      bitsHash = (bitsHash ^ (zobrist[id] as number)) >>> 0;
      if ((calls[id] as Call).operation.returnIndex !== null) remainingWithReply += 1;
    } while (stackKeeps[depth] === 1);
    unlift(next, prev, undone);
    entry = next[undone] as number;
  }
  const found: number[] = [];
  for (let i = 0; i < depth; i++) found.push(((stackNode[i] as number) - 1) >>> 1);
  return { kind: "linearizable", order: found };
}

function contains(model: Model, bucket: readonly CacheEntry[], bits: Uint32Array, state: string): boolean {
  for (const cached of bucket) {
    if (!model.equal(cached.state, state)) continue;
    const other = cached.bits;
    let same = true;
    for (let w = 0; w < bits.length; w++) {
      if (other[w] !== bits[w]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

/** Takes a call entry and its return (the next node id) out of the list. */
function lift(next: Int32Array, prev: Int32Array, call: number): void {
  const ret = call + 1;
  next[prev[call] as number] = next[call] as number;
  if ((next[call] as number) !== -1) prev[next[call] as number] = prev[call] as number;
  next[prev[ret] as number] = next[ret] as number;
  if ((next[ret] as number) !== -1) prev[next[ret] as number] = prev[ret] as number;
}

/** Puts them back, in the reverse order of lift. */
function unlift(next: Int32Array, prev: Int32Array, call: number): void {
  const ret = call + 1;
  next[prev[ret] as number] = ret;
  if ((next[ret] as number) !== -1) prev[next[ret] as number] = ret;
  next[prev[call] as number] = call;
  if ((next[call] as number) !== -1) prev[next[call] as number] = call;
}

/** A 32-bit mix (murmur3's finalizer): a well-spread hash for each operation's bit. */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
