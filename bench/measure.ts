import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Timing helpers for the benchmarks. Every figure is reported beside a ceiling
 * measured in the same process, because machines drift by 1.5x between runs:
 * targets are ratios, never absolute numbers.
 */

export interface Timed<T> {
  /** The best (shortest) of the repeats, in milliseconds. */
  readonly bestMs: number;
  /** The median of the repeats, in milliseconds. */
  readonly medianMs: number;
  readonly repeats: number;
  /** What the last repeat returned. */
  readonly result: T;
}

export interface TimeOptions {
  /** Timed runs wanted (the best and the median are taken over them). */
  readonly repeats: number;
  /** Stop repeating once this much wall time has been spent; at least one run is always timed. */
  readonly budgetMs?: number;
}

/**
 * Runs fn once untimed to warm up the JIT, then `repeats` timed runs, each after a
 * full garbage collection, keeping the best and the median. When one run is so
 * slow that the repeats would not fit in the budget, the warm-up run is the one
 * measurement (reported as 1 run).
 */
export function timeIt<T>(fn: () => T, options: TimeOptions): Timed<T> {
  const budgetMs = options.budgetMs ?? Number.POSITIVE_INFINITY;
  const times: number[] = [];
  const once = (): number => {
    collectGarbage();
    const start = performance.now();
    result = fn();
    return performance.now() - start;
  };
  let result: T = undefined as T;
  const began = performance.now();
  const warmup = once();
  if (warmup * (options.repeats + 1) > budgetMs) times.push(warmup);
  while (times.length < options.repeats) {
    const spent = performance.now() - began;
    if (times.length > 0 && spent + (times[times.length - 1] as number) > budgetMs) break;
    times.push(once());
  }
  return summarize(times, result);
}

/**
 * Times fn warm: one full collection, `warmups` untimed runs, then `repeats` runs
 * back to back (no collection between them), keeping the best and the median; it
 * stops early once the budget is spent (at least one run is timed).
 *
 * For code that a full collection would make cold again: V8 drops optimised code
 * that embeds objects a collection frees ("weak objects" deoptimisations), so after
 * timeIt's collection every run starts by compiling again. For a loop of a few
 * milliseconds (a ceiling) that can make the best of five 10x slower than the loop
 * itself, and it taxes a run of a few hundred milliseconds too; a ceiling and the
 * figure compared with it are measured alike, both warm.
 */
export function timeWarm<T>(fn: () => T, options: TimeOptions & { readonly warmups: number }): Timed<T> {
  const budgetMs = options.budgetMs ?? Number.POSITIVE_INFINITY;
  collectGarbage();
  let result: T = undefined as T;
  for (let i = 0; i < options.warmups; i++) result = fn();
  const began = performance.now();
  const times: number[] = [];
  while (times.length < options.repeats) {
    if (times.length > 0 && performance.now() - began > budgetMs) break;
    const start = performance.now();
    result = fn();
    times.push(performance.now() - start);
  }
  return summarize(times, result);
}

/** The async twin of timeIt. */
export async function timeItAsync<T>(fn: () => Promise<T>, options: TimeOptions): Promise<Timed<T>> {
  const budgetMs = options.budgetMs ?? Number.POSITIVE_INFINITY;
  const times: number[] = [];
  let result: T = undefined as T;
  const once = async (): Promise<number> => {
    collectGarbage();
    const start = performance.now();
    result = await fn();
    return performance.now() - start;
  };
  const began = performance.now();
  const warmup = await once();
  if (warmup * (options.repeats + 1) > budgetMs) times.push(warmup);
  while (times.length < options.repeats) {
    const spent = performance.now() - began;
    if (times.length > 0 && spent + (times[times.length - 1] as number) > budgetMs) break;
    times.push(await once());
  }
  return summarize(times, result);
}

/**
 * For measurements that need untimed setup on each repeat (a fresh database file)
 * and a ceiling to compare with: `ours` and `ceiling` each do their own setup, time
 * only the part that counts and return those milliseconds. They run alternately
 * (ceiling, ours, ceiling, ours, ...) so that a machine that slows down or speeds
 * up during the benchmark affects both alike. One untimed warm-up of each first.
 */
export async function timePair(
  ours: () => number | Promise<number>,
  ceiling: () => number | Promise<number>,
  options: TimeOptions,
): Promise<{ ours: Timed<void>; ceiling: Timed<void> }> {
  const budgetMs = options.budgetMs ?? Number.POSITIVE_INFINITY;
  const began = performance.now();
  const oursTimes: number[] = [];
  const ceilingTimes: number[] = [];
  const measure = async (fn: () => number | Promise<number>): Promise<number> => {
    collectGarbage();
    return fn();
  };
  const warmCeiling = await measure(ceiling);
  const warmOurs = await measure(ours);
  if ((warmCeiling + warmOurs) * (options.repeats + 1) > budgetMs) {
    oursTimes.push(warmOurs);
    ceilingTimes.push(warmCeiling);
  }
  while (oursTimes.length < options.repeats) {
    if (oursTimes.length > 0 && performance.now() - began > budgetMs) break;
    ceilingTimes.push(await measure(ceiling));
    oursTimes.push(await measure(ours));
  }
  return { ours: summarize(oursTimes, undefined), ceiling: summarize(ceilingTimes, undefined) };
}

function summarize<T>(times: number[], result: T): Timed<T> {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    bestMs: sorted[0] as number,
    medianMs: sorted[Math.floor((sorted.length - 1) / 2)] as number,
    repeats: sorted.length,
    result,
  };
}

/** "best of 5" or "1 run". */
export function runsPhrase(timed: Timed<unknown>): string {
  return timed.repeats === 1 ? "1 run" : `best of ${timed.repeats}`;
}

let gc: (() => void) | undefined;

/** Runs a full garbage collection (node is started without --expose-gc, so it is switched on here). */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

/** Tracks the largest heap in use above a baseline taken after a full collection. */
export class PeakHeap {
  private readonly baseline: number;
  private peak = 0;

  constructor() {
    collectGarbage();
    this.baseline = process.memoryUsage().heapUsed;
  }

  sample(): void {
    const used = process.memoryUsage().heapUsed - this.baseline;
    if (used > this.peak) this.peak = used;
  }

  /** Peak heap above the baseline, in bytes. */
  get bytes(): number {
    this.sample();
    return this.peak;
  }
}

/** One line of the benchmark table. */
export interface BenchRow {
  readonly name: string;
  /** Our figure, with its unit ("412k events/s"). */
  readonly ours: string;
  /** The ceiling's figure, same unit. */
  readonly ceiling: string;
  /** The ratio the target is about; the target says which way round it is. */
  readonly ratio: number;
  /** The target as text, e.g. "ours/ceiling >= 0.5". */
  readonly target: string;
  readonly ok: boolean | null;
  /** How it was measured: size, repeats, best or median, and anything the reader must know. */
  readonly note: string;
}

export function perSecond(count: number, ms: number): number {
  return ms <= 0 ? Number.POSITIVE_INFINITY : (count * 1000) / ms;
}

/** 1234567 -> "1.23M", 45678 -> "45.7k". */
export function compact(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toPrecision(3)}k`;
  return value.toPrecision(3);
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A small deterministic PRNG for generating workloads (xorshift32): benchmarks must be repeatable too. */
export class Xorshift {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}
