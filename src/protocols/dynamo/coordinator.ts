import { canonicalJson, isJsonObject, type Json, type JsonObject } from "../../sim/json";
import { count, list, plural } from "../../sim/english";
import type { ClientRequest, Context, Message } from "../../sim/types";
import { MAX_KEY_LENGTH, MAX_VALUE_CHARS } from "./config";
import { DURABLE, describeValues, readLocal, storeVersions, versionsOf, armHandoff } from "./replica";
import { preferenceList } from "./ring";
import type { DynamoState, Pending, Version } from "./types";
import { covers, describeClock, mergeClocks, reconcile, sortedClock } from "./versions";

export const OPERATIONS = ["get", "put"] as const;

type Parsed =
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "put"; readonly key: string; readonly value: Json; readonly context: Record<string, number> }
  | { readonly error: string };

/** Client input, checked with a clear refusal that names what is wrong and each limit. */
export function parseRequest(request: ClientRequest): Parsed {
  if (request.op !== "get" && request.op !== "put") {
    return { error: `unknown operation ${request.op}; the Dynamo store accepts ${list([...OPERATIONS], "or")}` };
  }
  const key = request.args["key"];
  if (typeof key !== "string" || key.length === 0) return { error: `${request.op} needs args.key, a non-empty string` };
  if (key.length > MAX_KEY_LENGTH)
    return { error: `args.key is ${key.length} characters; the limit is ${MAX_KEY_LENGTH}` };
  if (request.op === "get") return { op: "get", key };
  if (!("value" in request.args)) return { error: "put needs args.value" };
  const value = request.args["value"] as Json;
  const size = canonicalJson(value).length;
  if (size > MAX_VALUE_CHARS)
    return { error: `args.value is ${size} characters of JSON; the limit is ${MAX_VALUE_CHARS}` };
  const rawContext = request.args["context"];
  const context: Record<string, number> = {};
  if (rawContext !== undefined && rawContext !== null) {
    if (!isJsonObject(rawContext))
      return { error: "args.context must be a vector clock: a mapping from node names to counters" };
    for (const [node, counter] of Object.entries(rawContext)) {
      if (typeof counter !== "number" || !Number.isInteger(counter) || counter < 0) {
        return { error: `args.context.${node} must be a non-negative integer, got ${canonicalJson(counter)}` };
      }
      context[node] = counter;
    }
  }
  return { op: "put", key, value, context };
}

/**
 * A client request reaches this node, which coordinates it (DeCandia et al. 2007,
 * §4.5: any node may coordinate; the paper prefers one of the key's top N, which a
 * simulation with a fixed workload does not need). The coordinator sends the read
 * or the write to the key's N home replicas and waits for R or W answers.
 */
export function coordinatorOnClient(ctx: Context, state: DynamoState, request: ClientRequest): void {
  const parsed = parseRequest(request);
  if ("error" in parsed) {
    ctx.explain(`${state.node} refuses the request: ${parsed.error}.`);
    ctx.reply(request.id, { ok: false, error: parsed.error }, `${state.node} rejects a malformed request.`);
    return;
  }
  const { n, r, w } = state.config;
  const home = preferenceList(parsed.key, ctx.nodes).slice(0, n);
  let version: Version | null = null;
  if (parsed.op === "put") {
    // §4.4: the coordinator increments its own counter in the client's context.
    state.counter = Math.max(state.counter, parsed.context[state.node] ?? 0) + 1;
    ctx.persist(DURABLE.counter, state.counter);
    const clock = sortedClock({ ...parsed.context, [state.node]: state.counter });
    version = { value: parsed.value, clock, ts: ctx.physicalClock(), by: state.node };
  }
  const pending: Pending = {
    id: request.id,
    op: parsed.op,
    key: parsed.key,
    asked: {},
    answers: {},
    version,
    replied: false,
    phase: 1,
    startedAt: ctx.now,
  };
  state.pending[request.id] = pending;
  const needed =
    parsed.op === "get" ? `${plural(r, "answer")} (R = ${r})` : `${plural(w, "acknowledgement")} (W = ${w})`;
  ctx.explain(
    parsed.op === "get"
      ? `${state.node} coordinates get ${parsed.key}: it asks the key's home replicas ${list(home)} and waits for ${needed}, §4.5.`
      : `${state.node} coordinates put ${parsed.key} = ${canonicalJson(parsed.value)} with clock ${describeClock(version?.clock ?? {})} ` +
          `and timestamp ${version?.ts ?? 0}: it sends it to the key's home replicas ${list(home)} and waits for ${needed}, §4.5.`,
  );
  for (const node of home) ask(ctx, state, pending, node, null);
  ctx.setTimer(`request:${request.id}`, state.config.timeoutMs, request.id);
  settle(ctx, state, pending);
}

/** Sends the request to one node (for a fallback, with the hint naming the home node it stands in for). */
function ask(ctx: Context, state: DynamoState, pending: Pending, node: string, hint: string | null): void {
  pending.asked[node] = hint;
  if (node === state.node) {
    if (pending.op === "put" && pending.version !== null) {
      storeVersions(
        ctx,
        state,
        pending.key,
        [pending.version],
        hint,
        hint === null ? "as coordinator" : `as coordinator, for ${hint}`,
      );
      if (hint !== null) armHandoff(ctx, state);
      pending.answers[node] = [];
    } else {
      pending.answers[node] = readLocal(state, pending.key);
    }
    return;
  }
  const standIn = hint === null ? "" : ` in place of ${hint}, with a hint (§4.6)`;
  if (pending.op === "put") {
    ctx.send(
      node,
      { type: "WRITE", id: pending.id, key: pending.key, versions: [pending.version as Version], hint },
      `${state.node} sends the write of ${pending.key} to ${node}${standIn}.`,
    );
  } else {
    ctx.send(
      node,
      { type: "READ", id: pending.id, key: pending.key },
      `${state.node} asks ${node} for ${pending.key}${standIn}.`,
    );
  }
}

/** WRITE_ACK and READ_REPLY: one more answer for a request this node coordinates. */
export function coordinatorOnMessage(ctx: Context, state: DynamoState, from: string, message: Message): boolean {
  if (message.type !== "WRITE_ACK" && message.type !== "READ_REPLY") return false;
  const id = String(message["id"]);
  const pending = state.pending[id];
  if (pending === undefined || !(from in pending.asked)) {
    ctx.explain(
      `${state.node} hears a late answer from ${from} about ${String(message["key"])}; that request is finished.`,
    );
    return true;
  }
  pending.answers[from] = message.type === "READ_REPLY" ? versionsOf(message["versions"]) : [];
  const answered = Object.keys(pending.answers).length;
  ctx.explain(
    message.type === "WRITE_ACK"
      ? `${state.node} has ${plural(answered, "acknowledgement")} of W = ${state.config.w} for put ${pending.key}.`
      : `${state.node} has ${plural(answered, "answer")} of R = ${state.config.r} for get ${pending.key}; ${from} holds ${describeValues(versionsOf(message["versions"]))}.`,
  );
  settle(ctx, state, pending);
  return true;
}

/** Replies once R or W answers are in; a get that has every answer then repairs stale replicas. */
function settle(ctx: Context, state: DynamoState, pending: Pending): void {
  const answerers = Object.keys(pending.answers).sort();
  const needed = pending.op === "get" ? state.config.r : state.config.w;
  if (!pending.replied && answerers.length >= needed) {
    pending.replied = true;
    if (pending.op === "put") {
      const version = pending.version as Version;
      ctx.reply(
        pending.id,
        { ok: true, key: pending.key, clock: { ...version.clock }, ts: version.ts, acks: answerers, w: state.config.w },
        `${state.node} acknowledges put ${pending.key} = ${canonicalJson(version.value)}: ${list(answerers)} accepted it (W = ${state.config.w}).`,
      );
    } else {
      const merged = reconcile(Object.values(pending.answers).flat(), state.config.resolution).kept;
      const values = merged.map((version) => version.value);
      const value: Json = values.length === 0 ? null : values.length === 1 ? (values[0] as Json) : values;
      const context = mergeClocks(merged.map((version) => version.clock));
      ctx.reply(
        pending.id,
        { ok: true, key: pending.key, value, siblings: values, context, answeredBy: answerers, r: state.config.r },
        merged.length > 1
          ? `${state.node} returns get ${pending.key}: ${plural(merged.length, "sibling")} (${describeValues(merged)}) from ${list(answerers)}; the client must merge them and write back with context ${describeClock(context)} (§4.4).`
          : `${state.node} returns get ${pending.key} = ${describeValues(merged)}, from ${list(answerers)} (R = ${state.config.r}).`,
      );
    }
  }
  const everyone = Object.keys(pending.asked).every((node) => node in pending.answers);
  if (pending.replied && (pending.op === "put" || everyone)) finish(ctx, state, pending);
}

/** §5 read repair: the newest versions go to every home replica that answered with less. */
function finish(ctx: Context, state: DynamoState, pending: Pending): void {
  delete state.pending[pending.id];
  ctx.cancelTimer(`request:${pending.id}`);
  if (pending.op !== "get" || !state.config.readRepair) return;
  const merged = reconcile(Object.values(pending.answers).flat(), state.config.resolution).kept;
  if (merged.length === 0) return;
  const stale = Object.keys(pending.answers)
    .sort()
    .filter((node) => pending.asked[node] === null && !covers(pending.answers[node] ?? [], merged));
  if (stale.length === 0) return;
  ctx.note(
    `${state.node} repairs ${pending.key} on ${list(stale)}, which answered with older versions (read repair, §5).`,
    {
      event: "read-repair",
      key: pending.key,
      nodes: stale,
      values: merged.map((version) => version.value),
    },
  );
  for (const node of stale) {
    if (node === state.node) storeVersions(ctx, state, pending.key, merged, null, "read repair, §5");
    else
      ctx.send(
        node,
        { type: "REPAIR", key: pending.key, versions: merged },
        `${state.node} sends ${node} the newest ${pending.key}: ${describeValues(merged)}.`,
      );
  }
}

/**
 * The request timer. Before the client has its answer: with sloppy quorum (§4.6)
 * every home replica that has not answered is replaced by the next node of the
 * preference list that has not been asked, once; otherwise, or after that, the
 * request fails. A put that fails may still have been stored somewhere, so its
 * outcome is unknown, not failed.
 */
export function coordinatorOnTimer(ctx: Context, state: DynamoState, id: string): void {
  const pending = state.pending[id];
  if (pending === undefined) return;
  const missing = Object.keys(pending.asked).filter((node) => !(node in pending.answers));
  if (pending.replied) {
    ctx.explain(`${state.node} stops waiting for ${list(missing)} about ${pending.key}.`);
    finish(ctx, state, pending);
    return;
  }
  if (pending.phase === 1 && state.config.sloppyQuorum) {
    pending.phase = 2;
    const candidates = preferenceList(pending.key, ctx.nodes).filter((node) => !(node in pending.asked));
    const pairs = missing
      .slice(0, candidates.length)
      .map((home, index) => [home, candidates[index] as string] as const);
    if (pairs.length > 0) {
      ctx.explain(
        `${state.node} hears nothing from ${list(missing)} about ${pending.key} within ${state.config.timeoutMs} ms, so it asks ` +
          `${list(pairs.map(([, node]) => node))}, the next ${plural(pairs.length, "node", "nodes", false)} of the ring (sloppy quorum, §4.6).`,
      );
      ctx.note(`${state.node} falls back to ${list(pairs.map(([, node]) => node))} for ${pending.key}.`, {
        event: "sloppy-quorum",
        key: pending.key,
        request: pending.id,
        unreachable: missing,
        fallbacks: pairs.map(([home, node]) => ({ node, hintFor: home })),
      });
      for (const [home, node] of pairs) ask(ctx, state, pending, node, home);
      ctx.setTimer(`request:${id}`, state.config.timeoutMs, id);
      settle(ctx, state, pending);
      return;
    }
  }
  delete state.pending[id];
  const answered = Object.keys(pending.answers).length;
  const needed = pending.op === "get" ? state.config.r : state.config.w;
  const result: JsonObject =
    pending.op === "get"
      ? {
          ok: false,
          error: `timeout: ${answered} of R = ${needed} answers`,
          key: pending.key,
          answers: answered,
          r: needed,
        }
      : {
          ok: false,
          outcome: "unknown",
          error: `timeout: ${answered} of W = ${needed} acknowledgements; the outcome is unknown`,
          key: pending.key,
          acks: answered,
          w: needed,
        };
  ctx.explain(
    `${state.node} gives up on ${pending.op} ${pending.key}: ${count(answered, "answer")} of ${needed} needed.`,
  );
  ctx.reply(
    id,
    result,
    pending.op === "get"
      ? `${state.node} fails get ${pending.key}: only ${count(answered, "replica")} answered, ${needed} needed.`
      : `${state.node} fails put ${pending.key}: only ${count(answered, "replica")} acknowledged, ${needed} needed; the write may still be stored on some.`,
  );
}
