import { canonicalJson, type Json, type JsonObject } from "../sim/json";
import type { Checker, CheckerStep, CheckerSummary, CheckerViolation } from "../sim/types";

/**
 * Strong eventual consistency, the property CRDTs promise (Shapiro et al., RR-7506
 * §2.2, Definition 2.2 and Proposition 2.1): replicas that have received the same
 * updates hold equivalent state. The checker judges it once, when the run stops: if
 * every replica is up and no partition or cut is in force, every replica must read
 * the same value and hold the same full payload. Any difference is a violation. While
 * the run goes on it only records the peak metadata size, which its summary reports.
 *
 * It reads states only through the accessors it is given, never the protocol's code.
 */
export interface ConvergenceSubject<State> {
  /** What the data type is called, for messages ("OR-Set"). */
  readonly name: string;
  value(state: State): Json;
  /** The full payload in canonical form. */
  fullState(state: State): Json;
  /** Metadata entries kept right now (tags, tombstones, vector entries, log). */
  metadataTotal(state: State): number;
  metadataDetail(state: State): JsonObject;
  /** Whether the replica has stopped gossiping. */
  quiet(state: State): boolean;
}

export const CONVERGENCE = "Convergence";

export function convergenceChecker<State>(subject: ConvergenceSubject<State>): Checker<State> {
  const known = new Set<string>();
  let cut = false;
  let peak = 0;
  let peakNode = "";
  let peakTime = 0;
  let peakDetail: JsonObject = {};

  const track = (step: CheckerStep<State>): void => {
    if (step.event.kind === "PARTITION") cut = true;
    if (step.event.kind === "HEAL") cut = false;
    for (const [node, state] of step.states) {
      known.add(node);
      const total = subject.metadataTotal(state);
      if (total > peak) {
        peak = total;
        peakNode = node;
        peakTime = step.time;
        peakDetail = subject.metadataDetail(state);
      }
    }
  };

  const notJudged = (step: CheckerStep<State>): string | undefined => {
    const down = [...known].filter((node) => !step.states.has(node)).sort();
    if (down.length > 0) return `${down.join(", ")} ${down.length === 1 ? "is" : "are"} down at the end`;
    if (cut) return "the network is still partitioned at the end";
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

  return {
    invariant: CONVERGENCE,
    description: `Once the network has healed and gossip has gone quiet, every replica of the ${subject.name} holds the same state (strong eventual consistency).`,
    observe(step): readonly CheckerViolation[] {
      track(step);
      return [];
    },
    finish(step): readonly CheckerViolation[] {
      track(step);
      if (notJudged(step) !== undefined) return [];
      const loud = [...step.states.entries()].filter(([, s]) => !subject.quiet(s)).map(([n]) => n);
      const still =
        loud.length > 0 ? ` (${loud.sort().join(", ")} still had unacknowledged state when the run stopped)` : "";
      const values = groups(step, (s) => subject.value(s));
      if (values.size > 1) {
        return [
          {
            message: `the replicas of the ${subject.name} disagree after the network healed: ${describeGroups(values)}${still}.`,
            data: {
              values: Object.fromEntries(
                [...values.entries()].flatMap(([v, ns]) => ns.map((n) => [n, JSON.parse(v) as Json])),
              ),
            },
          },
        ];
      }
      const full = groups(step, (s) => subject.fullState(s));
      if (full.size > 1) {
        return [
          {
            message: `the replicas of the ${subject.name} read the same value but hold different payloads: ${describeGroups(full)}${still}.`,
          },
        ];
      }
      return [];
    },
    summary(step): CheckerSummary {
      const skipped = notJudged(step);
      const finalMetadata: JsonObject = {};
      for (const [node, state] of step.states) finalMetadata[node] = subject.metadataTotal(state);
      const verdict =
        skipped !== undefined
          ? `Convergence was not judged: ${skipped}.`
          : groups(step, (s) => subject.value(s)).size === 1
            ? `All ${step.states.size} replicas converged to ${shorten(canonicalJson(subject.value(step.states.values().next().value as State)))}.`
            : `The replicas did not converge.`;
      const peakText =
        peak === 0
          ? "no replica kept any metadata"
          : `peak metadata was ${peak} entries, at ${peakNode} at ${peakTime} ms (${describeDetail(peakDetail)})`;
      return {
        explanation: `${verdict} Over the run, ${peakText}; at the end: ${Object.entries(finalMetadata)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([node, total]) => `${node} ${String(total)}`)
          .join(", ")}.`,
        data: {
          peakMetadata: peak,
          peakNode,
          peakTime,
          peakDetail,
          finalMetadata,
          judged: skipped === undefined,
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
