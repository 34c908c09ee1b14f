import { isJsonObject } from "./json";
import type { EventPredicate } from "./spec";
import type { TraceEvent } from "./types";

/** The fields of an event predicate that select events (count aside). */
export type EventMatch = Omit<EventPredicate, "count">;

/**
 * Whether an event matches every field given: the one rule shared by `when:`
 * triggers and `expect:` outcomes. `message` is the message type of a SEND,
 * DELIVER, DROP or DUPLICATE, or the op of a client event.
 */
export function eventMatches(match: EventMatch, event: TraceEvent): boolean {
  if (match.kind !== undefined && match.kind !== event.kind) return false;
  if (match.node !== undefined && match.node !== event.node) return false;
  const data = event.data ?? {};
  if (match.from !== undefined && data["from"] !== match.from) return false;
  if (match.to !== undefined && data["to"] !== match.to) return false;
  if (match.message !== undefined) {
    const message = data["message"];
    const type = isJsonObject(message) ? message["type"] : data["op"];
    if (type !== match.message) return false;
  }
  if (match.summaryContains !== undefined && !event.summary.includes(match.summaryContains)) return false;
  return true;
}
