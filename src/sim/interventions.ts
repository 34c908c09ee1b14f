import { assert } from "./assert";
import type { FaultAction, FaultSpec } from "./spec";

/**
 * A change to a run's faults made after it started: a fault a learner injected into a
 * paused run, or the schedule a fork switches to. Each takes effect at a step boundary
 * (never inside a step, where a node may be half-way through handling a message): the
 * first one after the event with seq `afterSeq` has been recorded. Together with the
 * scenario and the seed, a run's interventions make its trace (DESIGN: same scenario +
 * seed + schedule = byte-identical trace).
 */
export type Intervention =
  /** Apply this fault now (as if a trigger had just fired). */
  | { readonly type: "apply"; readonly afterSeq: number; readonly action: FaultAction }
  /**
   * Disarm every fault trigger that has not fired yet (the scenario's and earlier
   * replacements'), then arm these. `at:` times are absolute and must not be in the past;
   * `when:` counts events from here on.
   */
  | { readonly type: "replace"; readonly afterSeq: number; readonly faults: readonly FaultSpec[] };

/** The most interventions one run may have (each is a step of its schedule). */
export const MAX_INTERVENTIONS = 1_000;

/**
 * A run's interventions in the order they take effect. A replay is handed the whole list;
 * a live run's worker adds injected faults while the simulation runs (`inject`), and the
 * simulation takes each when its boundary comes (`take`). Once the run's event loop has
 * ended the queue is closed: nothing more can happen in that run.
 */
export class InterventionQueue {
  private readonly items: Intervention[];
  private next = 0;
  private lastSeq: () => number = () => -1;
  private ended = false;

  constructor(items: readonly Intervention[] = []) {
    assert(items.length <= MAX_INTERVENTIONS, () => `at most ${MAX_INTERVENTIONS} interventions (${items.length})`);
    for (let i = 1; i < items.length; i++) {
      assert(
        (items[i] as Intervention).afterSeq >= (items[i - 1] as Intervention).afterSeq,
        "interventions are listed in the order they take effect",
      );
    }
    this.items = [...items];
  }

  /** The simulation attaches itself: `lastSeq` is the seq of its newest recorded event (-1 before any). */
  attach(lastSeq: () => number): void {
    this.lastSeq = lastSeq;
  }

  get closed(): boolean {
    return this.ended;
  }

  get size(): number {
    return this.items.length;
  }

  /** Every intervention so far, in order (what a run stores as its schedule). */
  list(): readonly Intervention[] {
    return this.items;
  }

  /**
   * A live run's fault, to be applied at the end of the step in progress. It is called
   * from the trace's onEvent, which runs while the step records its next event, so that
   * event's seq (the count of events so far) is where the step's boundary is found again
   * in a replay. Returns the stored intervention.
   */
  inject(action: FaultAction): Intervention {
    assert(!this.ended, "no fault can be injected once the run's event loop has ended");
    assert(this.items.length < MAX_INTERVENTIONS, () => `at most ${MAX_INTERVENTIONS} interventions per run`);
    const intervention: Intervention = { type: "apply", afterSeq: this.lastSeq() + 1, action };
    const previous = this.items[this.items.length - 1];
    assert(previous === undefined || previous.afterSeq <= intervention.afterSeq, "injected faults come in seq order");
    this.items.push(intervention);
    return intervention;
  }

  /** The interventions due at a boundary whose newest event has this seq, each once. */
  take(lastSeq: number): Intervention[] {
    const due: Intervention[] = [];
    while (this.next < this.items.length && (this.items[this.next] as Intervention).afterSeq <= lastSeq) {
      due.push(this.items[this.next] as Intervention);
      this.next += 1;
    }
    return due;
  }

  close(): void {
    this.ended = true;
  }
}
