import type { Core, DeliverItem, NodeRecord } from "./core";
import { wait } from "./pause";
import { plural } from "./english";
import { causeField, eventData, type DeliverData, type DropData, type MessageData } from "./event-data";
import { cloneJson, type JsonObject } from "./json";
import type { DropReason } from "./network";
import type { Message } from "./types";

/**
 * Messages between nodes: a SEND goes through the network (src/sim/network.ts),
 * which may lose, delay or duplicate it; on arrival it is delivered to the
 * protocol (DELIVER) or lost (DROP, with its reason). Their data: event-data.ts.
 */
export function transmit<Config, State>(
  core: Core<Config, State>,
  sender: NodeRecord<State>,
  to: string,
  message: Message,
  explanation: string,
): void {
  if (!core.nodes.has(to)) {
    throw new Error(`protocol ${core.protocol.name}: ${sender.name} sent ${message.type} to unknown node "${to}"`);
  }
  sender.lamport += 1;
  sender.vclock[sender.name] = (sender.vclock[sender.name] ?? 0) + 1;
  const messageId = core.nextMessageId();
  const frozen = cloneJson(message as JsonObject) as Message;
  const label = describe(core, frozen);
  const lamport = sender.lamport;
  const vclock = { ...sender.vclock };
  const cause = core.cause();
  const data: MessageData = {
    messageId,
    type: frozen.type,
    from: sender.name,
    to,
    message: frozen,
    ...causeField(cause),
  };
  const send = core.trace.record(sender.name, "SEND", explanation, eventData(data), { lamport, vclock });
  // A trigger on this SEND may have crashed the sender just now: this message is on
  // the wire all the same; the context drops every later effect of the step.
  const item: DeliverItem = {
    type: "deliver",
    messageId,
    from: sender.name,
    to,
    message: frozen,
    lamport,
    vclock,
    duplicate: false,
    sentAt: send.seq,
  };
  const network = core.network;
  const blocked = network.blocked(sender.name, to);
  if (blocked !== undefined) {
    const why =
      blocked === "cut"
        ? `the link from ${sender.name} to ${to} is cut.`
        : "the two are on different sides of a partition.";
    drop(core, item, blocked, `${label} from ${sender.name} to ${to} is lost: ${why}`, cause);
    return;
  }
  if (network.lostOnSend(sender.name, to)) {
    drop(core, item, "link-drop", `${label} from ${sender.name} to ${to} is lost by the network.`, cause);
    return;
  }
  core.schedule(core.now + network.delay(sender.name, to, core.now), item);
  if (network.duplicatedOnSend(sender.name, to)) {
    core.trace.record(
      to,
      "DUPLICATE",
      `The network duplicates ${label} from ${sender.name} to ${to}: it will arrive twice.`,
      eventData(data),
      { lamport, vclock },
    );
    core.schedule(core.now + network.delay(sender.name, to, core.now), { ...item, duplicate: true });
  }
}

/** A message arrives: it is delivered to the protocol, held by a partition, or lost. */
export function deliver<Config, State>(core: Core<Config, State>, item: DeliverItem): void {
  const to = core.node(item.to);
  const label = describe(core, item.message);
  const network = core.network;
  const blocked = item.arrived === true ? undefined : network.blocked(item.from, item.to);
  if (blocked !== undefined) {
    if (blocked === "partition" && network.holdsInFlight()) {
      if (network.hold(item)) return;
      const limit = core.limits.maxHeldMessages;
      drop(
        core,
        item,
        "held-limit",
        `${label} from ${item.from} to ${item.to} is lost: the partition already holds ${plural(limit, "message")}, its limit (maxHeldMessages).`,
      );
      return;
    }
    drop(
      core,
      item,
      blocked === "cut" ? "cut" : "partition-in-flight",
      `${label} from ${item.from} to ${item.to} is lost: a partition cut the link while it was in flight.`,
    );
    return;
  }
  if (!to.up) {
    drop(core, item, "node-down", `${label} from ${item.from} is lost: ${item.to} is down.`);
    return;
  }
  if (item.arrived !== true && network.ignores(item.message.type, item.to)) {
    drop(
      core,
      item,
      "ignored",
      `${label} from ${item.from} to ${item.to} is discarded by an ignore fault for ${item.message.type}.`,
    );
    return;
  }
  if (to.pause !== undefined) {
    if (wait(core, to, { ...item, arrived: true })) return;
    const limit = core.limits.maxPausedMessagesPerNode;
    drop(
      core,
      item,
      "paused-limit",
      `${label} from ${item.from} is lost: ${item.to} is paused with ${plural(limit, "message")} already waiting, its limit (maxPausedMessagesPerNode).`,
    );
    return;
  }
  to.lamport = Math.max(to.lamport, item.lamport) + 1;
  for (const name in item.vclock) {
    to.vclock[name] = Math.max(to.vclock[name] ?? 0, item.vclock[name] as number);
  }
  to.vclock[to.name] = (to.vclock[to.name] ?? 0) + 1;
  const data: DeliverData = { ...messageData(item), duplicate: item.duplicate, sendSeq: item.sentAt };
  const event = core.trace.record(
    to.name,
    "DELIVER",
    `${item.to} receives ${label} from ${item.from}.`,
    eventData(data),
    {
      lamport: to.lamport,
      vclock: { ...to.vclock },
    },
  );
  core.handle(to, event, (ctx, state) => core.protocol.onMessage(ctx, state, item.from, item.message));
}

function messageData(item: DeliverItem): MessageData {
  return { messageId: item.messageId, type: item.message.type, from: item.from, to: item.to, message: item.message };
}

/** A DROP at the receiver: it carries the message's clock and ticks no process. */
function drop<Config, State>(
  core: Core<Config, State>,
  item: DeliverItem,
  reason: DropReason,
  summary: string,
  cause?: number,
): void {
  const data: DropData = { ...messageData(item), reason, sendSeq: item.sentAt, ...causeField(cause) };
  core.trace.record(item.to, "DROP", summary, eventData(data), { lamport: item.lamport, vclock: item.vclock });
}

function describe<Config, State>(core: Core<Config, State>, message: Message): string {
  return core.protocol.describeMessage?.(message) ?? message.type;
}
