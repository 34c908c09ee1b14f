import { isJsonObject } from "../../sim/json";
import type { Checker, CheckerViolation } from "../../sim/types";
import { isFact } from "./node";
import type { SpannerState } from "./types";

export const SPANNER_INVARIANTS = ["ExternalConsistency"] as const;

interface Acknowledged {
  readonly request: string;
  readonly node: string;
  readonly timestamp: number;
  readonly seq: number;
}

/**
 * External consistency (Corbett et al. 2012, section 4.1.2, and 4.2's invariant):
 * if the commit of T1 happens before the start of T2, then s1 < s2. Judged from the
 * trace alone: a commit happened when its CLIENT_RETURN was recorded, a transaction
 * started at its CLIENT_INVOKE, and its timestamp is the data of its
 * "timestamp-assigned" STATE_CHANGE.
 */
export function externalConsistencyChecker(): Checker<SpannerState> {
  const invokedAt = new Map<string, number>();
  /** Acknowledged commits in seq order, and for each the one with the largest timestamp up to it (a prefix maximum). */
  const acknowledged: Acknowledged[] = [];
  const largestSoFar: Acknowledged[] = [];
  /** The acknowledged commit with the largest timestamp among those recorded before `seq`. */
  const largestBefore = (seq: number): Acknowledged | undefined => {
    let low = 0;
    let high = acknowledged.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((acknowledged[mid] as Acknowledged).seq < seq) low = mid + 1;
      else high = mid;
    }
    return low === 0 ? undefined : largestSoFar[low - 1];
  };
  return {
    invariant: "ExternalConsistency",
    description:
      "If a transaction commits before another starts, the first has the smaller commit timestamp (Spanner, 4.1.2).",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const event of step.events ?? [step.event]) {
        const data = event.data;
        if (data === null) continue;
        const request = data["request"];
        if (typeof request !== "string") continue;
        if (event.kind === "CLIENT_INVOKE") invokedAt.set(request, event.seq);
        else if (event.kind === "CLIENT_RETURN") {
          const result = data["result"];
          if (
            isJsonObject(result) &&
            result["ok"] === true &&
            data["op"] === "put" &&
            typeof result["timestamp"] === "number"
          ) {
            const ack = { request, node: event.node, timestamp: result["timestamp"], seq: event.seq };
            const previous = largestSoFar[largestSoFar.length - 1];
            acknowledged.push(ack);
            largestSoFar.push(previous !== undefined && previous.timestamp >= ack.timestamp ? previous : ack);
          }
        } else if (event.kind === "STATE_CHANGE" && isFact(data, "timestamp-assigned")) {
          const timestamp = data["timestamp"];
          const start = invokedAt.get(request);
          if (typeof timestamp !== "number" || start === undefined) continue;
          const earlier = largestBefore(start);
          if (earlier === undefined || earlier.timestamp < timestamp) continue;
          found.push({
            node: event.node,
            message: `${request} started (event ${start}) after ${earlier.request} committed at ${earlier.node} (event ${earlier.seq}, timestamp ${earlier.timestamp}), yet got the timestamp ${timestamp}, which is not larger: timestamp order contradicts real-time order.`,
            data: {
              earlier: earlier.request,
              earlierTimestamp: earlier.timestamp,
              earlierCommitSeq: earlier.seq,
              later: request,
              laterTimestamp: timestamp,
              laterStartSeq: start,
            },
          });
        }
      }
      return found;
    },
  };
}

export function spannerCheckers(): Checker<SpannerState>[] {
  return [externalConsistencyChecker()];
}
