import type { JsonObject } from "../../sim/json";
import { plural } from "../../sim/english";
import type { Checker, CheckerStep, CheckerSummary } from "../../sim/types";
import type { CrdtConfig } from "./config";
import type { CrdtReplicaState, WireCount } from "./replica-state";

export const GOSSIP_TRAFFIC = "GossipTraffic";

/**
 * Not a property but an account: how many messages and bytes the replicas sent over
 * the run, per message type, so a learner can run one workload in state, op and delta
 * mode and compare (Almeida et al. 2018's point: deltas cost far less than whole
 * states). Bytes are the length of each message's canonical JSON. A replica's counter
 * restarts when it crashes; what it had sent before is banked here. It never reports
 * a violation; its summary is a NOTE at the end of the run.
 */
export function gossipTrafficChecker(config: CrdtConfig): Checker<CrdtReplicaState> {
  const banked: WireCount = { messages: 0, bytes: 0, byType: {} };
  const last = new Map<string, WireCount>();
  const add = (into: WireCount, from: WireCount): void => {
    into.messages += from.messages;
    into.bytes += from.bytes;
    for (const [type, entry] of Object.entries(from.byType)) {
      const target = into.byType[type] ?? { messages: 0, bytes: 0 };
      target.messages += entry.messages;
      target.bytes += entry.bytes;
      into.byType[type] = target;
    }
  };
  const copy = (wire: WireCount): WireCount => ({
    messages: wire.messages,
    bytes: wire.bytes,
    byType: Object.fromEntries(Object.entries(wire.byType).map(([type, entry]) => [type, { ...entry }])),
  });
  const track = (step: CheckerStep<CrdtReplicaState>): void => {
    for (const [node, wire] of last) {
      const state = step.states.get(node);
      if (state === undefined || state.wire.messages < wire.messages) {
        // Crashed (or restarted): bank what the old incarnation sent.
        add(banked, wire);
        last.delete(node);
      }
    }
    const changed = step.changed ?? new Set(step.states.keys());
    for (const node of changed) {
      const state = step.states.get(node);
      if (state !== undefined) last.set(node, copy(state.wire));
    }
  };
  return {
    invariant: GOSSIP_TRAFFIC,
    description:
      "Counts the messages and bytes the replicas send (no property: an account for comparing gossip modes).",
    observe(step) {
      track(step);
      return [];
    },
    summary(step): CheckerSummary {
      track(step);
      const total: WireCount = copy(banked);
      for (const wire of last.values()) add(total, wire);
      const byType: JsonObject = {};
      for (const type of Object.keys(total.byType).sort()) {
        const entry = total.byType[type] as { messages: number; bytes: number };
        byType[type] = { messages: entry.messages, bytes: entry.bytes };
      }
      const parts = Object.keys(total.byType)
        .sort()
        .map((type) => {
          const entry = total.byType[type] as { messages: number; bytes: number };
          return `${type} ${plural(entry.messages, "message")}, ${plural(entry.bytes, "byte")}`;
        });
      return {
        explanation: `In ${config.mode} mode the replicas sent ${plural(total.messages, "message")} carrying ${plural(total.bytes, "byte")} of JSON${parts.length > 0 ? ` (${parts.join("; ")})` : ""}.`,
        data: { mode: config.mode, messages: total.messages, bytes: total.bytes, byType },
      };
    },
  };
}
