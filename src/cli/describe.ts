import type { EventPredicate, FaultAction, FaultSpec, TriggerSpec, WorkloadSpec } from "../sim/spec";
import { canonicalJson } from "../sim/json";

/** Plain-English lines for `show`: when a fault or client request happens, and what it does. */

export function describeTrigger(trigger: TriggerSpec): string {
  if (trigger.type === "at") return `at ${trigger.at} ms`;
  const after = trigger.after > 0 ? `${trigger.after} ms after` : "when";
  return `${after} ${describePredicate(trigger.when)}`;
}

export function describePredicate(predicate: Omit<EventPredicate, "count"> & { count?: number }): string {
  const count = predicate.count ?? 1;
  const parts: string[] = [];
  parts.push(count === 1 ? "the first" : `the ${ordinal(count)}`);
  parts.push(predicate.kind ?? "event");
  if (predicate.message !== undefined) parts.push(`of ${predicate.message}`);
  if (predicate.from !== undefined) parts.push(`from ${predicate.from}`);
  if (predicate.to !== undefined) parts.push(`to ${predicate.to}`);
  if (predicate.node !== undefined) parts.push(`at ${predicate.node}`);
  if (predicate.summaryContains !== undefined) parts.push(`saying "${predicate.summaryContains}"`);
  return parts.join(" ");
}

export function describeAction(action: FaultAction, nodes: readonly string[]): string {
  switch (action.do) {
    case "crash":
      return `crash ${action.node}`;
    case "recover":
      return `recover ${action.node}`;
    case "partition": {
      const listed = new Set(action.groups.flat());
      const rest = nodes.filter((node) => !listed.has(node));
      const groups = rest.length > 0 ? [...action.groups, rest] : action.groups;
      return `partition into ${groups.map((group) => `{${group.join(", ")}}`).join(" | ")}`;
    }
    case "isolate":
      return `isolate ${action.node} from every other node`;
    case "heal":
      return "heal the network (ends partitions, cuts and other network faults)";
    case "cut":
      return `cut the link from ${action.from} to ${action.to} (one direction)`;
    case "lose":
      return `lose the next ${action.count === 1 ? "message" : `${action.count} messages`} from ${action.from} to ${action.to}`;
    case "drop":
      return `drop messages ${link(action.from, action.to)} with probability ${action.probability}`;
    case "duplicate":
      return `duplicate messages ${link(action.from, action.to)} with probability ${action.probability}`;
    case "delay":
      return `delay messages ${link(action.from, action.to)} by ${action.min}-${action.max} ms`;
    case "ignore":
      return `discard ${action.message} messages on arrival${action.node === undefined ? "" : ` at ${action.node}`}`;
    case "pause":
      return `pause ${action.node} for ${action.duration} ms (it handles nothing, loses nothing)`;
    case "clock":
      return `set ${action.node}'s clock ${action.offset} ms off${action.drift === undefined ? "" : `, drift ${action.drift}`}`;
  }
}

export function describeFault(fault: FaultSpec, nodes: readonly string[]): string {
  return `${describeTrigger(fault.trigger)}: ${describeAction(fault.action, nodes)}`;
}

export function describeWorkload(item: WorkloadSpec): string {
  return `${describeTrigger(item.trigger)}: a client asks ${item.node} to ${item.op} ${canonicalJson(item.args)}`;
}

function link(from: string | undefined, to: string | undefined): string {
  if (from === undefined && to === undefined) return "on every link";
  if (from === undefined) return `to ${to}`;
  if (to === undefined) return `from ${from}`;
  return `from ${from} to ${to}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ["th", "st", "nd", "rd"][n % 10] ?? "th";
  return `${n}${suffix}`;
}
