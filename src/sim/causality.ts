import type { TraceEvent } from "./types";

/**
 * Causality between the events of a trace, decided from the vector clocks the core
 * puts on every event.
 *
 * Lamport's happened-before (Lamport 1978, "Time, Clocks, and the Ordering of Events
 * in a Distributed System", §2) is the smallest relation with: a → b if a comes
 * before b in the same process; a → b if a is the sending of a message and b its
 * receipt; and transitivity. Two distinct events neither of which happened before
 * the other are concurrent. Vector clocks (Mattern 1988, "Virtual Time and Global
 * States of Distributed Systems"; Fidge 1988) characterise it exactly:
 * a → b iff VC(a) < VC(b), that is VC(a) ≤ VC(b) entry by entry and VC(a) ≠ VC(b).
 *
 * The core ticks a node's clock on every process event (SEND, DELIVER, TIMER,
 * CLIENT_INVOKE, CLIENT_RETURN, STATE_CHANGE, NOTE, CRASH, RECOVER), so two process
 * events never share a clock. A few events do not tick a clock but carry a copy of
 * one (src/sim/trace.ts, src/sim/messages.ts):
 *
 * - DROP and DUPLICATE carry the clock of the message's SEND;
 * - a VIOLATION reported at a node carries that node's latest clock;
 * - a CLIENT_RETURN for a node that is down carries the clock of the CLIENT_INVOKE just before it;
 * - VIOLATIONs at "network" carry the network's latest clock (PARTITION, HEAL,
 *   network-wide fault NOTEs and checker summaries tick a separate "network" entry:
 *   the network is a process of its own, whose events are ordered among themselves
 *   and concurrent with node events, since no message links the two);
 * - the run's final NOTE (data.stopReason) ticks the network and joins every node's
 *   clock (trace.ts, finalClock): the end of the run happened after every event that
 *   stands somewhere in the causal order, so it is never concurrent with them.
 *
 * The rule we apply, for two events x and y with different seq:
 *
 * 1. Identical clocks mean one event is a copy of the other's position: they stand
 *    at the same place in the causal order, so the one recorded first (lower seq)
 *    is BEFORE the other. A DROP is therefore after its SEND, and before everything
 *    the SEND is before: it is the network's view of that send.
 * 2. Otherwise the clocks decide: BEFORE if VC(x) < VC(y), AFTER if VC(y) < VC(x),
 *    CONCURRENT if neither.
 * 3. An all-zero clock (a copy taken before its node had any event: the final NOTE
 *    of a run with no network fault, or a VIOLATION about a node that has not acted
 *    yet) stands at the start of its own node (the event's `node`), not before the
 *    whole run: it is BEFORE exactly the events that have seen an event of that node
 *    (VC[node] ≥ 1), ordered by seq against other zero clocks at the same node, and
 *    CONCURRENT with everything else. Rule 2 alone would put it before every event.
 * 4. The run's final NOTE needs no rule of its own: its clock is the join of all
 *    clocks plus a network tick, so rule 2 puts every other event BEFORE it, except
 *    a zero-clock event of a node that never acted (rule 3: CONCURRENT).
 *
 * SAME is returned only when x and y are the same event (equal seq).
 */

export type Ordering = "BEFORE" | "AFTER" | "CONCURRENT" | "SAME";

export type VectorClock = Readonly<Record<string, number>>;

/**
 * Compares two vector clocks entry by entry; a missing entry counts as 0.
 * SAME: equal in every entry. BEFORE: a ≤ b everywhere and a ≠ b. AFTER: the
 * reverse. CONCURRENT: each is larger somewhere (the order on vectors of Mattern 1988).
 */
export function compareVectorClocks(a: VectorClock, b: VectorClock): Ordering {
  let aLess = false;
  let bLess = false;
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) {
    const x = a[name] ?? 0;
    const y = b[name] ?? 0;
    if (x < y) aLess = true;
    else if (x > y) bLess = true;
    if (aLess && bLess) return "CONCURRENT";
  }
  if (aLess) return "BEFORE";
  if (bLess) return "AFTER";
  return "SAME";
}

function isZero(clock: VectorClock): boolean {
  for (const count of Object.values(clock)) if (count !== 0) return false;
  return true;
}

function bySeq(x: TraceEvent, y: TraceEvent): Ordering {
  return x.seq < y.seq ? "BEFORE" : "AFTER";
}

/** The causal relation of event x to event y (x BEFORE y means x → y), by the rule in this file's header. */
export function compareEvents(x: TraceEvent, y: TraceEvent): Ordering {
  if (x.seq === y.seq) return "SAME";
  const xZero = isZero(x.vclock);
  const yZero = isZero(y.vclock);
  if (xZero && yZero) return x.node === y.node ? bySeq(x, y) : "CONCURRENT";
  if (xZero) return (y.vclock[x.node] ?? 0) >= 1 ? "BEFORE" : "CONCURRENT";
  if (yZero) return (x.vclock[y.node] ?? 0) >= 1 ? "AFTER" : "CONCURRENT";
  const order = compareVectorClocks(x.vclock, y.vclock);
  return order === "SAME" ? bySeq(x, y) : order;
}

/**
 * Finds the event with this seq. A full trace has events[i].seq === i, which is
 * tried first; otherwise (a filtered or partial list, sorted by seq) a binary search.
 */
export function findEvent(events: readonly TraceEvent[], seq: number): TraceEvent | undefined {
  const direct = events[seq];
  if (direct !== undefined && direct.seq === seq) return direct;
  let low = 0;
  let high = events.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const event = events[middle] as TraceEvent;
    if (event.seq === seq) return event;
    if (event.seq < seq) low = middle + 1;
    else high = middle - 1;
  }
  return events.find((event) => event.seq === seq);
}

function eventOrThrow(events: readonly TraceEvent[], seq: number): TraceEvent {
  const event = findEvent(events, seq);
  if (event === undefined) {
    const last = events.length === 0 ? "the run has no events" : `seq runs from 0 to ${events.length - 1}`;
    throw new RangeError(`there is no event with seq ${seq} in this run (${last})`);
  }
  return event;
}

/**
 * How event a relates to event b in the run: BEFORE if a happened before b, AFTER
 * if b happened before a, CONCURRENT if neither, SAME if a and b are one event.
 * Throws a RangeError naming the seq when either event does not exist.
 */
export function happensBefore(events: readonly TraceEvent[], a: number, b: number): Ordering {
  return compareEvents(eventOrThrow(events, a), eventOrThrow(events, b));
}

/** The seqs of every event concurrent with the event seq, ascending. Throws a RangeError if it does not exist. */
export function concurrentWith(events: readonly TraceEvent[], seq: number): number[] {
  const event = eventOrThrow(events, seq);
  const found: number[] = [];
  for (const other of events) {
    if (compareEvents(event, other) === "CONCURRENT") found.push(other.seq);
  }
  return found.sort((x, y) => x - y);
}
