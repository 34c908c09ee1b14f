import { assert } from "./assert";
import type { Core, NodeRecord, QueueItem, ResumeItem } from "./core";
import { plural, verb } from "./english";
import { causeField, eventData, type PauseData, type ResumeData } from "./event-data";

/**
 * A pause (a stop-the-world GC pause, or a VM migration; Kleppmann, DDIA ch. 8,
 * "Process Pauses"): for its duration the node handles nothing. Messages that
 * arrive wait for it, in order, and are delivered when it resumes; its timers fire
 * late, after the pause; client requests to it wait too. Unlike a crash it loses
 * nothing, and it does not know it was paused: its physical clock kept running.
 * A crash during a pause ends the pause; what waited is then handled as for a
 * crashed node (messages lost, timers gone, requests failed).
 */
export function pause<Config, State>(core: Core<Config, State>, name: string, duration: number): void {
  const node = core.node(name);
  if (!node.up) return;
  assert(Number.isInteger(duration) && duration >= 1, () => `a pause lasts at least 1 ms (${name}: ${duration})`);
  const until = core.now + duration;
  if (node.pause === undefined) node.pause = { since: core.now, until, waiting: [], messages: 0 };
  else node.pause.until = Math.max(node.pause.until, until);
  const data: PauseData = { pause: { node: name, duration, until: node.pause.until }, ...causeField(core.cause()) };
  // The node does not take part: the event carries its clock and ticks nothing.
  core.trace.record(
    name,
    "NOTE",
    `${name} is paused for ${duration} ms (a stop-the-world pause): it handles nothing until ${node.pause.until}, and will not know it was paused.`,
    eventData(data),
    { lamport: node.lamport, vclock: { ...node.vclock } },
  );
  const resume: ResumeItem = { type: "resume", node: name, until: node.pause.until };
  core.schedule(node.pause.until, resume);
}

/**
 * Puts an item that reached a paused node in its waiting line. False when it is a
 * message and maxPausedMessagesPerNode already wait: the caller drops it, naming the limit.
 */
export function wait<Config, State>(core: Core<Config, State>, node: NodeRecord<State>, item: QueueItem): boolean {
  const paused = node.pause;
  assert(paused !== undefined, `only a paused node has a waiting line (${node.name})`);
  if (item.type === "deliver") {
    if (paused.messages >= core.limits.maxPausedMessagesPerNode) return false;
    paused.messages += 1;
  }
  paused.waiting.push(item);
  return true;
}

/** The pause ends: what waited is handled now, each as its own step, in the order it arrived. */
export function resume<Config, State>(core: Core<Config, State>, item: ResumeItem): void {
  const node = core.node(item.node);
  const paused = node.pause;
  if (paused === undefined || paused.until !== item.until) return; // extended, or ended by a crash
  node.pause = undefined;
  const data: ResumeData = {
    resume: { node: node.name, pausedFor: core.now - paused.since, released: paused.waiting.length },
  };
  core.trace.record(
    node.name,
    "NOTE",
    `${node.name} resumes after ${core.now - paused.since} ms; ${plural(paused.waiting.length, "item")} that waited for it (messages, timers, requests) ${verb(paused.waiting.length, "is")} handled now.`,
    eventData(data),
    { lamport: node.lamport, vclock: { ...node.vclock } },
  );
  for (const waiting of paused.waiting) core.schedule(core.now, waiting);
}

/** A crash ends a pause: what waited goes back to the scheduler, to be lost or failed as for any down node. */
export function endPauseByCrash<Config, State>(core: Core<Config, State>, node: NodeRecord<State>): void {
  const paused = node.pause;
  if (paused === undefined) return;
  node.pause = undefined;
  for (const waiting of paused.waiting) core.schedule(core.now, waiting);
}
