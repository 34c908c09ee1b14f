import { NETWORK_NODE, type TraceEvent } from "../../src/sim/types";
import { happensBefore, type Ordering } from "../../src/sim/causality";

/**
 * An independent reference for happened-before, for tests: it never reads a clock.
 * It builds Lamport's graph (Lamport 1978, §2): program order at each node (and at
 * the network) plus an edge from each SEND to each DELIVER of its message, and
 * decides by graph search.
 *
 * Events that do not tick a clock in the core are placed, structurally, where
 * src/sim/causality.ts documents them: a DROP or DUPLICATE at its SEND (found by
 * messageId); a VIOLATION and a CLIENT_RETURN for a node that is down at the latest
 * process event of their node (or at the node's start if it has none). The run's
 * final NOTE (data.stopReason) comes after the latest vertex of every node and of the
 * network. Two events at one place are ordered by seq.
 */
export class ReferenceCausality {
  /** For each event (by seq): the graph vertex it stands at. */
  private readonly anchor: string[] = [];
  /** Vertices reachable from each vertex (including itself). */
  private readonly reachable = new Map<string, Set<string>>();

  constructor(events: readonly TraceEvent[]) {
    const successors = new Map<string, string[]>();
    const edge = (from: string, to: string): void => {
      const list = successors.get(from) ?? [];
      list.push(to);
      successors.set(from, list);
    };
    const lastVertex = new Map<string, string>();
    const down = new Set<string>();
    const sendOf = new Map<number, string>();
    const vertexAt = (node: string): string => lastVertex.get(node) ?? `start:${node}`;
    for (const event of events) {
      const data = event.data ?? {};
      const messageId = typeof data["messageId"] === "number" ? data["messageId"] : undefined;
      const isCopy =
        event.kind === "DROP" ||
        event.kind === "DUPLICATE" ||
        event.kind === "VIOLATION" ||
        (event.kind === "CLIENT_RETURN" && down.has(event.node));
      if (isCopy) {
        if (event.kind === "DROP" || event.kind === "DUPLICATE") {
          const send = messageId === undefined ? undefined : sendOf.get(messageId);
          if (send === undefined) throw new Error(`reference: ${event.kind} ${event.seq} has no SEND`);
          this.anchor.push(send);
        } else {
          this.anchor.push(vertexAt(event.node));
        }
        continue;
      }
      const vertex = `e:${event.seq}`;
      this.anchor.push(vertex);
      if (event.node === NETWORK_NODE && event.kind === "NOTE" && "stopReason" in data) {
        // The run's final NOTE comes after every event that stands at a vertex.
        for (const last of new Set(lastVertex.values())) edge(last, vertex);
      }
      edge(vertexAt(event.node), vertex);
      lastVertex.set(event.node, vertex);
      if (event.kind === "SEND" && messageId !== undefined) sendOf.set(messageId, vertex);
      if (event.kind === "DELIVER" && messageId !== undefined) {
        const send = sendOf.get(messageId);
        if (send === undefined) throw new Error(`reference: DELIVER ${event.seq} has no SEND`);
        edge(send, vertex);
      }
      if (event.kind === "CRASH") down.add(event.node);
      if (event.kind === "RECOVER") down.delete(event.node);
    }
    const vertices = new Set<string>([...successors.keys(), ...this.anchor]);
    for (const start of vertices) {
      const seen = new Set<string>([start]);
      const stack = [start];
      while (stack.length > 0) {
        const vertex = stack.pop() as string;
        for (const next of successors.get(vertex) ?? []) {
          if (!seen.has(next)) {
            seen.add(next);
            stack.push(next);
          }
        }
      }
      this.reachable.set(start, seen);
    }
  }

  /** The relation of event x to event y (by seq). */
  relation(x: number, y: number): Ordering {
    if (x === y) return "SAME";
    const ax = this.anchor[x];
    const ay = this.anchor[y];
    if (ax === undefined || ay === undefined) throw new Error(`reference: no event ${ax === undefined ? x : y}`);
    if (ax === ay) return x < y ? "BEFORE" : "AFTER";
    if (this.reachable.get(ax)?.has(ay)) return "BEFORE";
    if (this.reachable.get(ay)?.has(ax)) return "AFTER";
    return "CONCURRENT";
  }
}

/** Checks every ordered pair of events of a run against the reference; returns the first disagreement. */
export function firstDisagreement(events: readonly TraceEvent[]): string | undefined {
  const reference = new ReferenceCausality(events);
  for (const x of events) {
    for (const y of events) {
      const expected: Ordering = reference.relation(x.seq, y.seq);
      const actual = happensBefore(events, x.seq, y.seq);
      if (actual !== expected) {
        return `event ${x.seq} (${x.kind} at ${x.node}, vclock ${JSON.stringify(x.vclock)}) vs event ${y.seq} (${y.kind} at ${y.node}, vclock ${JSON.stringify(y.vclock)}): happensBefore says ${actual}, the graph says ${expected}`;
      }
    }
  }
  return undefined;
}
