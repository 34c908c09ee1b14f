import { checkSerializability } from "../checkers/serializability";
import { rwRegisterHistory, type IsolationConfig } from "../protocols/isolation";
import { compareEvents } from "../sim/causality";
import { canonicalJson, isJsonObject, type Json } from "../sim/json";
import { eventMatches } from "../sim/predicate";
import type { TraceEvent } from "../sim/types";
import type { NodeView } from "../sim/world";
import { valueAt } from "../scenarios/expect";
import { HistoryQueryError, linearizabilityAnswer } from "./history-query";
import type { EventRef, Match, Query, When } from "./questions";
import type { RunSubject } from "./subject";

/** What a query gives: the value, and the seqs of the events a student can look at to see why. */
export interface Answer {
  readonly value: Json;
  readonly justification: readonly number[];
}

/** A query that cannot be answered on this run: says what was asked and what the run lacks. */
export class QueryError extends Error {}

/** Evaluates an answer query over a run (questions.ts documents each form). */
export function evaluate(query: Query, run: RunSubject): Answer {
  const events = run.result.events;
  if ("state" in query) {
    const { node, path, at } = query.state;
    const { seq, views } = moment(run, at);
    const view = viewOf(views, node);
    const value = path === "up" ? view.up : stateValue(view, path);
    return { value, justification: lastOn(events, node, seq) };
  }
  if ("node" in query || "nodes" in query) {
    const spec = "node" in query ? query.node : query.nodes;
    const { seq, views } = moment(run, spec.at);
    const found = views.filter((view) => whereHolds(view, spec.where)).map((view) => view.node);
    const justification = found.flatMap((node) => lastOn(events, node, seq));
    if ("nodes" in query) return { value: [...found].sort(), justification };
    if (found.length !== 1) {
      throw new QueryError(
        `expected exactly one node where ${canonicalJson(spec.where as Json)}, found ${found.length} (${found.join(", ") || "none"})`,
      );
    }
    return { value: found[0] as string, justification };
  }
  if ("event" in query) {
    const event = resolve(events, query.event);
    return { value: fieldOf(event, query.event.field), justification: [event.seq] };
  }
  if ("events" in query) {
    const matching = events.filter((event) => matches(query.events.match, event));
    return {
      value: matching.map((event) => fieldOf(event, query.events.field)),
      justification: matching.map((e) => e.seq),
    };
  }
  if ("count" in query) {
    const matching = events.filter((event) => matches(query.count.match, event));
    return { value: matching.length, justification: matching.map((e) => e.seq) };
  }
  if ("vclock" in query) {
    const event = resolve(events, query.vclock);
    return { value: { ...event.vclock }, justification: [event.seq] };
  }
  if ("lamport" in query) {
    const event = resolve(events, query.lamport);
    return { value: event.lamport, justification: [event.seq] };
  }
  if ("happenedBefore" in query || "concurrent" in query) {
    const pair = "happenedBefore" in query ? query.happenedBefore : query.concurrent;
    const a = resolve(events, pair[0]);
    const b = resolve(events, pair[1]);
    const order = compareEvents(a, b);
    const value = "happenedBefore" in query ? order === "BEFORE" : order === "CONCURRENT";
    return { value, justification: [a.seq, b.seq] };
  }
  if ("violated" in query || "violation" in query) {
    const invariant = "violated" in query ? query.violated.invariant : query.violation.invariant;
    const first = run.result.violations.find((violation) => violation.invariant === invariant);
    if ("violated" in query) return { value: first !== undefined, justification: first ? [first.seq] : [] };
    if (first === undefined) throw new QueryError(`expected a violation of ${invariant} in the run, found none`);
    return { value: first.seq, justification: [first.seq] };
  }
  if ("linearizability" in query) {
    try {
      return linearizabilityAnswer(events, query.linearizability.field);
    } catch (error) {
      if (error instanceof HistoryQueryError) throw new QueryError(error.message);
      throw error;
    }
  }
  if ("serializability" in query) return serializability(run, query.serializability.field);
  if ("precedes" in query) {
    // Real time, not causality: a stale read is one that starts after a write was
    // acknowledged (Herlihy & Wing 1990, §2: e0 precedes e1 when e0's response comes
    // before e1's invocation), however the two are related by messages.
    const first = resolve(events, query.precedes[0]);
    const second = resolve(events, query.precedes[1]);
    return { value: first.time < second.time, justification: [first.seq, second.seq] };
  }
  const from = resolve(events, query.duration.from);
  const to = resolve(events, query.duration.to);
  return { value: to.time - from.time, justification: [from.seq, to.seq] };
}

/** The node views at a moment, and the seq the moment stands after (-1: before the first event). */
function moment(run: RunSubject, at: When | undefined): { seq: number; views: readonly NodeView[] } {
  const events = run.result.events;
  if (at === undefined || at === "end") return { seq: events.length - 1, views: run.result.nodes };
  let seq: number;
  if ("seq" in at) {
    if (at.seq >= events.length) throw new QueryError(`expected a seq below ${events.length}, found ${at.seq}`);
    seq = at.seq;
  } else if ("time" in at) {
    let last = -1;
    for (const event of events) if (event.time <= at.time) last = event.seq;
    if (last < 0) throw new QueryError(`expected an event at or before time ${at.time}, found none`);
    seq = last;
  } else {
    seq = resolve(events, at.after).seq;
  }
  return { seq, views: run.nodesAfter(seq) };
}

function resolve(events: readonly TraceEvent[], ref: EventRef): TraceEvent {
  if ("seq" in ref) {
    const event = events[ref.seq];
    if (event === undefined)
      throw new QueryError(`expected an event with seq ${ref.seq}, found ${events.length} events`);
    return event;
  }
  const matching = events.filter((event) => matches(ref.match, event));
  const nth = ref.nth ?? 1;
  const event = nth > 0 ? matching[nth - 1] : matching[matching.length + nth];
  if (event === undefined || nth === 0) {
    throw new QueryError(
      `expected event number ${nth} matching ${canonicalJson(ref.match as Json)}, found ${matching.length} matching events`,
    );
  }
  return event;
}

/** An event matches when every field given holds; `data` paths compare as canonical JSON. Never the summary. */
export function matches(match: Match, event: TraceEvent): boolean {
  if (!eventMatches(match, event)) return false;
  for (const [path, wanted] of Object.entries(match.data ?? {})) {
    const found = valueAt(event.data ?? {}, path);
    if (found.value === undefined || canonicalJson(found.value) !== canonicalJson(wanted)) return false;
  }
  return true;
}

function fieldOf(event: TraceEvent, field: string | undefined): Json {
  if (field === undefined || field === "seq") return event.seq;
  if (field === "node" || field === "kind") return event[field];
  if (field === "time" || field === "lamport") return event[field];
  if (field.startsWith("data.")) {
    const found = valueAt(event.data ?? {}, field.slice("data.".length));
    if (found.value === undefined) throw new QueryError(`event ${event.seq}: ${found.missing}`);
    return found.value;
  }
  throw new QueryError(`expected field seq, node, kind, time, lamport or data.<path>, found "${field}"`);
}

function viewOf(views: readonly NodeView[], node: string): NodeView {
  const view = views.find((candidate) => candidate.node === node);
  if (view === undefined)
    throw new QueryError(`expected a node named ${node}, found ${views.map((v) => v.node).join(", ")}`);
  return view;
}

function stateValue(view: NodeView, path: string): Json {
  if (!view.up || view.state === null) throw new QueryError(`expected ${view.node} up to read ${path}, found it down`);
  const found = valueAt(view.state, path);
  if (found.value === undefined) throw new QueryError(`${view.node}: ${found.missing}`);
  return found.value;
}

function whereHolds(view: NodeView, where: { path: string; equals: Json } | { up: boolean }): boolean {
  if ("up" in where) return view.up === where.up;
  if (!view.up || !isJsonObject(view.state)) return false;
  const found = valueAt(view.state, where.path);
  return found.value !== undefined && canonicalJson(found.value) === canonicalJson(where.equals);
}

/** The last event on a node at or before seq: what put the node in the state a student is asked about. */
function lastOn(events: readonly TraceEvent[], node: string, seq: number): number[] {
  for (let i = Math.min(seq, events.length - 1); i >= 0; i--) {
    if ((events[i] as TraceEvent).node === node) return [i];
  }
  return [];
}

/**
 * The run's transactions (rwRegisterHistory) through the serializability checker: its
 * verdict, or the anomaly types it found, sorted. Justified by the commit and abort events.
 */
function serializability(run: RunSubject, field: "verdict" | "anomalies"): Answer {
  if (run.scenario.protocol !== "isolation") {
    throw new QueryError(`expected a run of the isolation protocol, found ${run.scenario.protocol}`);
  }
  const events = run.result.events;
  const history = rwRegisterHistory(run.scenario.config as IsolationConfig, events);
  if (history === null) throw new QueryError("expected a run with at least one committed or aborted transaction");
  const result = checkSerializability(history);
  const justification = events
    .filter(
      (event) =>
        event.kind === "STATE_CHANGE" && (event.data?.["fact"] === "commit" || event.data?.["fact"] === "abort"),
    )
    .map((event) => event.seq);
  if (field === "verdict") return { value: result.verdict, justification };
  return { value: [...new Set(result.anomalies.map((anomaly) => anomaly.type))].sort(), justification };
}
