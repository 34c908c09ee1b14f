import type { NodeRecord } from "./core";
import type { TraceRecorder } from "./trace";
import {
  NETWORK_NODE,
  type Checker,
  type CheckerStep,
  type CheckerViolation,
  type Durable,
  type TraceEvent,
  type Violation,
} from "./types";

/**
 * Runs the protocol's safety checkers after every step that recorded an event, and
 * once more when the run stops (finish, then summary); each violation becomes a
 * VIOLATION event and an entry of the run's violations.
 */
export class CheckerDriver<State> {
  readonly violations: Violation[] = [];
  /** Nodes whose state may have changed since the checkers last looked. */
  private changed = new Set<string>();
  /** What the checkers are shown; undefined when a node started, crashed or recovered since. */
  private maps: { states: Map<string, State>; durable: Map<string, Durable> } | undefined;

  constructor(
    private readonly checkers: readonly Checker<State>[],
    private readonly nodes: ReadonlyMap<string, NodeRecord<State>>,
    private readonly trace: TraceRecorder,
  ) {
    trace.collectStep = checkers.length > 0;
  }

  /** A node's state may have changed; `restarted` when it started, crashed or recovered (the maps are rebuilt). */
  touched(node: string, restarted: boolean): void {
    this.changed.add(node);
    if (restarted) this.maps = undefined;
  }

  run(time: number, finishing: boolean): void {
    if (this.checkers.length === 0) return;
    const last = this.trace.newest?.event;
    if (last === undefined) return;
    // Which nodes are up, and their state objects, change only on a start, crash or
    // recovery: the maps are built again only then (checkers only read them).
    if (this.maps === undefined) {
      const states = new Map<string, State>();
      const durable = new Map<string, Durable>();
      for (const node of this.nodes.values()) {
        if (node.up && node.state !== undefined) states.set(node.name, node.state);
        durable.set(node.name, node.durable);
      }
      this.maps = { states, durable };
    }
    const { states, durable } = this.maps;
    const events = this.trace.takeStepEvents();
    const step: CheckerStep<State> = { event: last, time, states, durable, changed: this.changed, events };
    this.changed = new Set();
    for (const checker of this.checkers) {
      const found: readonly CheckerViolation[] = finishing ? (checker.finish?.(step) ?? []) : checker.observe(step);
      for (const violation of found) this.report(checker.invariant, last, violation);
    }
    if (!finishing) return;
    for (const checker of this.checkers) {
      const summary = checker.summary?.(step);
      if (summary !== undefined) {
        this.trace.network("NOTE", summary.explanation, { invariant: checker.invariant, ...(summary.data ?? {}) });
      }
    }
  }

  private report(invariant: string, after: TraceEvent, violation: CheckerViolation): void {
    this.violations.push({ invariant, seq: after.seq, message: violation.message });
    const node = violation.node !== undefined ? this.nodes.get(violation.node) : undefined;
    const clock =
      node !== undefined ? { lamport: node.lamport, vclock: { ...node.vclock } } : this.trace.networkClock();
    this.trace.record(
      violation.node ?? NETWORK_NODE,
      "VIOLATION",
      `${invariant} is violated: ${violation.message}`,
      {
        invariant,
        afterSeq: after.seq,
        ...(violation.data === undefined ? {} : { details: violation.data }),
      },
      clock,
    );
  }
}
