import type { Core } from "./core";
import { plural } from "./english";
import { causeField, eventData, type HealData } from "./event-data";
import type { JsonObject } from "./json";
import { linkPhrase } from "./network";
import { crash, recover } from "./nodes";
import { pause } from "./pause";
import { eventMatches } from "./predicate";
import type { EventPredicate, FaultAction, TriggerSpec } from "./spec";
import type { TraceEvent } from "./types";

/** What a trigger starts: a client request of the workload, or a fault (only faults can be disarmed). */
export type TriggerGroup = "workload" | "fault";

interface PendingTrigger {
  readonly predicate: EventPredicate;
  seen: number;
  readonly fire: () => void;
  readonly after: number;
  readonly group: TriggerGroup;
}

interface Callback {
  readonly fire: () => void;
  readonly group: TriggerGroup;
}

/**
 * Triggers: when a workload item or a fault happens. `at: T` fires at tick T;
 * `when: { event: ... }` fires once `count` matching events have been recorded
 * (plus `after` ticks). Either way the action runs as a scheduled callback, except
 * `when:` with after: 0, which runs inside the step that recorded the event, so
 * "crash when the coordinator has received the third vote" is exact.
 */
export class Triggers {
  private pending: PendingTrigger[] = [];
  private readonly callbacks = new Map<number, Callback>();
  private nextCallbackId = 1;

  constructor(
    /** Schedules a callback item with this id at this tick. */
    private readonly scheduleCallback: (at: number, id: number) => void,
    private readonly now: () => number,
  ) {}

  arm(trigger: TriggerSpec, fire: () => void, group: TriggerGroup): void {
    if (trigger.type === "at") this.later(trigger.at, fire, group);
    else this.pending.push({ predicate: trigger.when, seen: 0, fire, after: trigger.after, group });
  }

  /**
   * Forgets every fault trigger that has not fired, and every fault a fired `when:` still
   * waits `after:` ticks to apply (a fork's or replacement's new schedule takes over).
   */
  disarmFaults(): void {
    this.pending = this.pending.filter((trigger) => trigger.group !== "fault");
    for (const [id, callback] of this.callbacks) if (callback.group === "fault") this.callbacks.delete(id);
  }

  /** False for a callback that was disarmed: it neither advances time nor keeps the run alive. */
  armed(id: number): boolean {
    return this.callbacks.has(id);
  }

  /** Counts a recorded event against every armed `when:` trigger and fires those it completes. */
  observe(event: TraceEvent): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    for (let i = 0; i < pending.length; i++) {
      const trigger = pending[i] as PendingTrigger;
      if (!eventMatches(trigger.predicate, event)) continue;
      trigger.seen += 1;
      if (trigger.seen < trigger.predicate.count) continue;
      pending.splice(i, 1);
      i -= 1;
      if (trigger.after === 0) trigger.fire();
      else this.later(this.now() + trigger.after, trigger.fire, trigger.group);
    }
  }

  /** Runs the callback scheduled with this id (once). */
  run(id: number): void {
    const callback = this.callbacks.get(id);
    this.callbacks.delete(id);
    callback?.fire();
  }

  private later(at: number, fire: () => void, group: TriggerGroup): void {
    const id = this.nextCallbackId++;
    this.callbacks.set(id, { fire, group });
    this.scheduleCallback(at, id);
  }
}

/** Applies one fault of the scenario's timeline; each is an event in the trace. */
export function applyFault<Config, State>(core: Core<Config, State>, action: FaultAction): void {
  const network = core.network;
  switch (action.do) {
    case "crash":
      crash(core, action.node);
      return;
    case "recover":
      recover(core, action.node);
      return;
    case "partition":
      partition(core, action.groups);
      return;
    case "isolate":
      partition(core, [[action.node], core.spec.nodes.filter((name) => name !== action.node)]);
      return;
    case "heal":
      heal(core);
      return;
    case "cut":
      network.cut(action.from, action.to);
      core.trace.network(
        "PARTITION",
        `The link from ${action.from} to ${action.to} is cut: messages that way are lost, the other direction still works.`,
        { cut: { from: action.from, to: action.to }, ...causeField(core.cause()) },
      );
      return;
    case "drop":
      network.setDrop(action.from, action.to, action.probability);
      core.trace.network(
        "NOTE",
        `Messages ${linkPhrase(action.from, action.to)} are now lost with probability ${action.probability}.`,
        { drop: action as unknown as JsonObject },
      );
      return;
    case "lose":
      network.loseNext(action.from, action.to, action.count);
      core.trace.network(
        "NOTE",
        `The next ${action.count === 1 ? "message" : plural(action.count, "message")} sent from ${action.from} to ${action.to} will be lost.`,
        { lose: { from: action.from, to: action.to, count: action.count }, ...causeField(core.cause()) },
      );
      return;
    case "duplicate":
      network.setDuplicate(action.from, action.to, action.probability);
      core.trace.network(
        "NOTE",
        `Messages ${linkPhrase(action.from, action.to)} are now duplicated with probability ${action.probability}.`,
        { duplicate: action as unknown as JsonObject },
      );
      return;
    case "delay":
      network.setDelay(action.from, action.to, action);
      core.trace.network(
        "NOTE",
        `Messages ${linkPhrase(action.from, action.to)} now take ${action.min}-${action.max} ms.`,
        {
          delay: action as unknown as JsonObject,
        },
      );
      return;
    case "ignore":
      network.ignore(action.message, action.node);
      core.trace.network(
        "NOTE",
        `${action.message} messages${action.node === undefined ? "" : ` to ${action.node}`} are now discarded on arrival.`,
        { ignore: action as unknown as JsonObject },
      );
      return;
    case "pause":
      pause(core, action.node, action.duration);
      return;
    case "clock": {
      const node = core.node(action.node);
      node.clockOffset = action.offset;
      if (action.drift !== undefined) node.clockDrift = action.drift;
      core.trace.local(
        node,
        "NOTE",
        `${node.name}'s physical clock is set ${action.offset} ms off true time${action.drift === undefined ? "" : ` with drift ${action.drift}`}.`,
        { clock: { offset: action.offset, drift: node.clockDrift } },
      );
      return;
    }
  }
}

function partition<Config, State>(core: Core<Config, State>, groups: readonly (readonly string[])[]): void {
  const all = core.network.partition(groups);
  const text = all.map((group) => `{${group.join(", ")}}`).join(" | ");
  core.trace.network("PARTITION", `The network splits into ${text}: messages between the groups are lost.`, {
    groups: all,
    ...causeField(core.cause()),
  });
}

/** Heal: every network fault ends, and the messages a partition held are sent on with fresh delays. */
function heal<Config, State>(core: Core<Config, State>): void {
  const groups = core.network.groups() ?? null;
  const cuts = core.network.cuts();
  const released = core.network.heal();
  const data: HealData = { groups, cuts, released: released.length, ...causeField(core.cause()) };
  core.trace.network(
    "HEAL",
    "The network heals: every node can reach every other, with the scenario's original delays and loss.",
    eventData(data),
  );
  for (const item of released) core.schedule(core.now + core.network.delay(item.from, item.to, core.now), item);
}
