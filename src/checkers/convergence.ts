import { canonicalJson, type Json, type JsonObject } from "../sim/json";
import { plural, verb } from "../sim/english";
import type { Checker, CheckerStep, CheckerSummary, CheckerViolation } from "../sim/types";

/**
 * Two properties of replicated data that must not be confused (Shapiro, Preguiça,
 * Baquero & Zawirski, RR-7506, 2011, §2.2):
 *
 * - Strong eventual consistency, Definition 2.2's "strong convergence", is SAFETY:
 *   replicas that have delivered the same set of updates have equivalent state
 *   (every query answers the same). It is judged after every step of every run,
 *   whatever the network is doing: `strongEventualConsistencyChecker`.
 * - Eventual delivery and termination make it converge, which is LIVENESS: once
 *   nothing is left to happen (the run stopped "quiescent") with every replica up and
 *   the network whole, all replicas must hold the same state. A run stopped by its
 *   time or event limit has not failed it; it was cut short. A replica that is
 *   behind while the run goes on has not failed anything either:
 *   `quiescentConvergenceChecker`.
 *
 * Both read states only through the accessors they are given, never a protocol's code.
 */
export interface ConvergenceSubject<State> {
  /** What the data type is called, for messages ("OR-Set"). */
  readonly name: string;
  /** What a client reads: two replicas are equivalent when it is equal. */
  value(state: State): Json;
  /**
   * The set of updates this replica has delivered, in a canonical form (a version
   * vector: per origin, how many of its updates are included).
   */
  delivered(state: State): Json;
  /** Metadata entries kept right now (tags, tombstones, vector entries, log). */
  metadataTotal(state: State): number;
  metadataDetail(state: State): JsonObject;
  /** Whether the replica has stopped gossiping. */
  quiet(state: State): boolean;
}

export const STRONG_EVENTUAL_CONSISTENCY = "StrongEventualConsistency";
export const QUIESCENT_CONVERGENCE = "QuiescentConvergence";

/** Safety, on every step: equal delivered sets imply equal values (RR-7506 Definition 2.2). */
export function strongEventualConsistencyChecker<State>(subject: ConvergenceSubject<State>): Checker<State> {
  const seen = new Map<string, { delivered: string; value: string }>();
  const reported = new Set<string>();
  return {
    invariant: STRONG_EVENTUAL_CONSISTENCY,
    description: `Replicas of the ${subject.name} that have delivered the same set of updates read the same value, at every moment (strong eventual consistency, Shapiro et al. 2011, Definition 2.2).`,
    observe(step): readonly CheckerViolation[] {
      for (const node of [...seen.keys()]) if (!step.states.has(node)) seen.delete(node);
      const changed = step.changed ?? new Set(step.states.keys());
      const found: CheckerViolation[] = [];
      for (const node of changed) {
        const state = step.states.get(node);
        if (state === undefined) continue;
        const entry = {
          delivered: canonicalJson(subject.delivered(state)),
          value: canonicalJson(subject.value(state)),
        };
        seen.set(node, entry);
        for (const [other, theirs] of seen) {
          if (other === node || theirs.delivered !== entry.delivered || theirs.value === entry.value) continue;
          const key = `${entry.delivered}|${[node, other].sort().join(",")}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const [first, second] = [node, other].sort() as [string, string];
          const firstValue = first === node ? entry.value : theirs.value;
          const secondValue = first === node ? theirs.value : entry.value;
          found.push({
            message: `${first} and ${second} have delivered the same updates (${shorten(entry.delivered)}) but read different values: ${first} ${shorten(firstValue)}, ${second} ${shorten(secondValue)}.`,
            data: {
              nodes: [first, second],
              delivered: JSON.parse(entry.delivered) as Json,
              values: { [first]: JSON.parse(firstValue) as Json, [second]: JSON.parse(secondValue) as Json },
            },
          });
        }
      }
      return found;
    },
  };
}

/**
 * Liveness, judged once: a run that stopped quiescent, with every replica up and no
 * partition in force, must end with every replica holding the same value and the
 * same delivered updates. Its summary (the run's last NOTE before the stop note)
 * also reports the peak metadata size.
 */
export function quiescentConvergenceChecker<State>(subject: ConvergenceSubject<State>): Checker<State> {
  const known = new Set<string>();
  let cut = false;
  let peak = 0;
  let peakNode = "";
  let peakTime = 0;
  let peakDetail: JsonObject = {};

  const track = (step: CheckerStep<State>): void => {
    if (step.event.kind === "PARTITION") cut = true;
    if (step.event.kind === "HEAL") cut = false;
    const changed = step.changed ?? new Set(step.states.keys());
    for (const node of step.states.keys()) known.add(node);
    for (const node of changed) {
      const state = step.states.get(node);
      if (state === undefined) continue;
      const total = subject.metadataTotal(state);
      if (total > peak) {
        peak = total;
        peakNode = node;
        peakTime = step.time;
        peakDetail = subject.metadataDetail(state);
      }
    }
  };

  /** Why convergence is not judged on this run, or undefined when it is. */
  const notJudged = (step: CheckerStep<State>): { reason: string; why: string } | undefined => {
    if (step.stopReason !== undefined && step.stopReason !== "quiescent") {
      return {
        reason: "not-quiescent",
        why: `the run stopped at its ${step.stopReason} limit, before gossip had finished (not converged yet is not diverged)`,
      };
    }
    const down = [...known].filter((node) => !step.states.has(node)).sort();
    if (down.length > 0)
      return { reason: "replica-down", why: `${down.join(", ")} ${verb(down.length, "is")} down at the end` };
    if (cut) return { reason: "partitioned", why: "the network is still partitioned at the end" };
    return undefined;
  };

  const groups = (step: CheckerStep<State>, read: (state: State) => Json): Map<string, string[]> => {
    const byValue = new Map<string, string[]>();
    for (const node of [...step.states.keys()].sort()) {
      const key = canonicalJson(read(step.states.get(node) as State));
      byValue.set(key, [...(byValue.get(key) ?? []), node]);
    }
    return byValue;
  };

  const describeGroups = (byValue: Map<string, string[]>): string =>
    [...byValue.entries()]
      .map(([value, nodes]) => `${nodes.join(", ")} ${nodes.length === 1 ? "holds" : "hold"} ${shorten(value)}`)
      .join("; ");

  const perNode = (byValue: Map<string, string[]>): JsonObject =>
    Object.fromEntries([...byValue.entries()].flatMap(([v, ns]) => ns.map((n) => [n, JSON.parse(v) as Json])));

  return {
    invariant: QUIESCENT_CONVERGENCE,
    description: `Once nothing is left to happen (the run is quiescent), with every replica up and the network whole, every replica of the ${subject.name} has delivered the same updates and reads the same value (convergence is liveness).`,
    observe(step): readonly CheckerViolation[] {
      track(step);
      return [];
    },
    finish(step): readonly CheckerViolation[] {
      track(step);
      if (notJudged(step) !== undefined) return [];
      const values = groups(step, (s) => subject.value(s));
      const delivered = groups(step, (s) => subject.delivered(s));
      if (values.size === 1 && delivered.size === 1) return [];
      const loud = [...step.states.entries()].filter(([, s]) => !subject.quiet(s)).map(([n]) => n);
      const still = loud.length > 0 ? ` (${loud.sort().join(", ")} still had unacknowledged state)` : "";
      const what =
        values.size > 1
          ? `read different values: ${describeGroups(values)}`
          : `read the same value but have not delivered the same updates: ${describeGroups(delivered)}`;
      return [
        {
          message: `nothing was left to happen, yet the replicas of the ${subject.name} did not converge; they ${what}${still}.`,
          data: { values: perNode(values), delivered: perNode(delivered), gossiping: loud.sort() },
        },
      ];
    },
    summary(step): CheckerSummary {
      const skipped = notJudged(step);
      const finalMetadata: JsonObject = {};
      for (const [node, state] of step.states) finalMetadata[node] = subject.metadataTotal(state);
      const values = groups(step, (s) => subject.value(s));
      const converged = skipped === undefined && values.size === 1 && groups(step, subject.delivered).size === 1;
      const verdict =
        skipped !== undefined
          ? `Convergence was not judged: ${skipped.why}.`
          : converged
            ? `All ${step.states.size} replicas converged to ${shorten([...values.keys()][0] as string)}.`
            : `The replicas did not converge.`;
      const peakText =
        peak === 0
          ? "no replica kept any metadata"
          : `peak metadata was ${plural(peak, "entry")}, at ${peakNode} at ${peakTime} ms (${describeDetail(peakDetail)})`;
      return {
        explanation: `${verdict} Over the run, ${peakText}; at the end: ${Object.entries(finalMetadata)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([node, total]) => `${node} ${String(total)}`)
          .join(", ")}.`,
        data: {
          judged: skipped === undefined,
          ...(skipped === undefined ? {} : { notJudged: skipped.reason }),
          converged,
          values: perNode(values),
          peakMetadata: peak,
          peakNode,
          peakTime,
          peakDetail,
          finalMetadata,
        },
      };
    },
  };
}

function describeDetail(detail: JsonObject): string {
  return Object.entries(detail)
    .filter(([key, value]) => key !== "total" && key !== "peak" && typeof value === "number" && value > 0)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(", ");
}

function shorten(text: string): string {
  return text.length <= 80 ? text : text.slice(0, 77) + "...";
}
