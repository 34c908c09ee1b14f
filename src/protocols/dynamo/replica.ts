import { canonicalJson, type Json } from "../../sim/json";
import { count, list, plural } from "../../sim/english";
import type { Context, Message } from "../../sim/types";
import type { DynamoState, Store, Version } from "./types";
import { covers, describeClock, reconcile } from "./versions";

export const DURABLE = { store: "store", hints: "hints", counter: "counter" } as const;

/** The versions a message carries (only this protocol's own messages reach here). */
export function versionsOf(field: Json | undefined): Version[] {
  return Array.isArray(field) ? (field as Version[]) : [];
}

export function describeValues(versions: readonly Version[]): string {
  if (versions.length === 0) return "nothing";
  return list(versions.map((version) => canonicalJson(version.value)));
}

export function persistAll(ctx: Context, state: DynamoState): void {
  ctx.persist(DURABLE.store, state.store);
  ctx.persist(DURABLE.hints, state.hints);
}

/**
 * Merges incoming versions into one of this node's stores (its own, or the hinted
 * store it keeps for `home`), reconciling as §4.4 says: obsolete versions go,
 * concurrent ones stay as siblings (or, under last-writer-wins, all but the newest
 * timestamp go). Persists before answering, as a replica must. Returns whether
 * anything changed.
 */
export function storeVersions(
  ctx: Context,
  state: DynamoState,
  key: string,
  incoming: readonly Version[],
  home: string | null,
  why: string,
): boolean {
  const target: Store = home === null ? state.store : (state.hints[home] ??= {});
  const before = target[key] ?? [];
  const { kept, lost } = reconcile([...before, ...incoming], state.config.resolution);
  const changed = canonicalJson(kept) !== canonicalJson(before);
  if (changed) {
    target[key] = kept;
    persistAll(ctx, state);
    announce(ctx, state, key, kept, home, why);
  } else if (home !== null && Object.keys(target).length === 0) {
    delete state.hints[home];
  }
  for (const version of lost) {
    if (!incoming.includes(version) && !changed) continue;
    const winner = kept[0] as Version;
    state.discarded.push({
      key,
      value: version.value,
      ts: version.ts,
      clock: { ...version.clock },
      keptValue: winner.value,
      keptTs: winner.ts,
    });
    ctx.note(
      `${state.node} discards ${key} = ${canonicalJson(version.value)} (timestamp ${version.ts}, clock ${describeClock(version.clock)}) ` +
        `for ${canonicalJson(winner.value)} (timestamp ${winner.ts}): last writer wins by timestamp, though neither version saw the other.`,
      { event: "discard", key, value: version.value, ts: version.ts, keptValue: winner.value, keptTs: winner.ts },
    );
  }
  return changed;
}

function announce(
  ctx: Context,
  state: DynamoState,
  key: string,
  kept: readonly Version[],
  home: string | null,
  why: string,
): void {
  const where = home === null ? "" : ` as a hinted replica for ${home}`;
  ctx.stateChange(
    `${state.node} stores ${key} = ${describeValues(kept)}${where} (${why})` +
      (kept.length > 1 ? `: ${plural(kept.length, "sibling")}, concurrent versions kept side by side (§4.4).` : "."),
    {
      event: "store",
      key,
      values: kept.map((version) => version.value),
      clocks: kept.map((version) => ({ ...version.clock })),
      siblings: kept.length,
      hintFor: home,
    },
  );
}

/** A replica's answers to coordinators and hint holders (§4.5, §4.6, §5). */
export function replicaOnMessage(ctx: Context, state: DynamoState, from: string, message: Message): boolean {
  const key = String(message["key"]);
  switch (message.type) {
    case "WRITE": {
      const hint = typeof message["hint"] === "string" ? message["hint"] : null;
      const versions = versionsOf(message["versions"]);
      const home = hint === state.node ? null : hint;
      ctx.explain(
        home === null
          ? `${state.node} receives ${from}'s write of ${key}.`
          : `${state.node} receives ${from}'s write of ${key} meant for ${home}, which did not answer: it keeps it with a hint to hand it back (§4.6).`,
      );
      storeVersions(ctx, state, key, versions, home, `written by ${from}`);
      if (home !== null) armHandoff(ctx, state);
      ctx.send(
        from,
        { type: "WRITE_ACK", id: message["id"] ?? null, key },
        `${state.node} acknowledges the write of ${key} to ${from}.`,
      );
      return true;
    }
    case "READ": {
      const versions = readLocal(state, key);
      ctx.explain(`${state.node} receives ${from}'s read of ${key} and answers with ${describeValues(versions)}.`);
      ctx.send(
        from,
        { type: "READ_REPLY", id: message["id"] ?? null, key, versions },
        `${state.node} answers ${from}'s read of ${key}: ${describeValues(versions)}.`,
      );
      return true;
    }
    case "REPAIR": {
      const versions = versionsOf(message["versions"]);
      ctx.explain(
        covers(state.store[key] ?? [], versions)
          ? `${state.node} receives read repair for ${key} from ${from}; it already has those versions.`
          : `${state.node} receives read repair for ${key} from ${from}.`,
      );
      storeVersions(ctx, state, key, versions, null, `read repair from ${from}, §5`);
      return true;
    }
    case "HANDOFF": {
      const versions = versionsOf(message["versions"]);
      ctx.explain(`${state.node} receives the hinted replica of ${key} that ${from} kept for it, and merges it.`);
      storeVersions(ctx, state, key, versions, null, `handed off by ${from}, §4.6`);
      ctx.send(
        from,
        { type: "HANDOFF_ACK", key, versions },
        `${state.node} tells ${from} it now holds ${key}, so ${from} may delete its hinted copy.`,
      );
      return true;
    }
    case "HANDOFF_ACK": {
      const held = state.hints[from]?.[key];
      if (held === undefined) {
        ctx.explain(`${state.node} hears from ${from} about ${key}, whose hinted copy it has already deleted.`);
        return true;
      }
      const delivered = versionsOf(message["versions"]);
      const remaining = held.filter((version) => !covers(delivered, [version]));
      const hints = state.hints[from] as Store;
      if (remaining.length === 0) delete hints[key];
      else hints[key] = remaining;
      if (Object.keys(hints).length === 0) delete state.hints[from];
      if (hintCount(state) === 0) ctx.cancelTimer("handoff");
      persistAll(ctx, state);
      ctx.explain(`${state.node} hears that ${from} now holds ${key}.`);
      ctx.stateChange(`${state.node} deletes its hinted copy of ${key} for ${from}: the handoff is done (§4.6).`, {
        event: "hint-delivered",
        key,
        home: from,
        values: delivered.map((version) => version.value),
        remaining: remaining.length,
      });
      return true;
    }
    default:
      return false;
  }
}

/** What this node holds for a key: its own replica and any hinted copy it keeps for another node. */
export function readLocal(state: DynamoState, key: string): Version[] {
  const versions = [...(state.store[key] ?? [])];
  for (const home of Object.keys(state.hints).sort()) versions.push(...(state.hints[home]?.[key] ?? []));
  return reconcile(versions, state.config.resolution).kept;
}

export function hintCount(state: DynamoState): number {
  return Object.values(state.hints).reduce((sum, store) => sum + Object.keys(store).length, 0);
}

/** Starts the handoff timer if this node holds hints (§4.6: "periodically scanned"). */
export function armHandoff(ctx: Context, state: DynamoState): void {
  if (hintCount(state) > 0) ctx.setTimer("handoff", state.config.handoffIntervalMs);
}

/** The handoff timer: offer every hinted replica to its home node; the timer repeats while hints remain. */
export function onHandoffTimer(ctx: Context, state: DynamoState): void {
  const homes = Object.keys(state.hints).sort();
  const total = hintCount(state);
  if (total === 0) {
    ctx.explain(`${state.node} has no hinted replicas left to hand off.`);
    return;
  }
  ctx.explain(`${state.node} tries to hand ${count(total, "hinted replica")} back to ${list(homes)} (§4.6).`);
  for (const home of homes) {
    for (const key of Object.keys(state.hints[home] ?? {}).sort()) {
      const versions = state.hints[home]?.[key] ?? [];
      ctx.send(
        home,
        { type: "HANDOFF", key, versions, home },
        `${state.node} offers ${home} its hinted copy of ${key}: ${describeValues(versions)}.`,
      );
    }
  }
  ctx.setTimer("handoff", state.config.handoffIntervalMs);
}
