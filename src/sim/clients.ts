import { plural, verb } from "./english";
import { canonicalJson, type JsonObject } from "./json";
import type { ClientItem, Core, NodeRecord } from "./core";
import type { WorkloadSpec } from "./spec";
import type { ClientRequest } from "./types";

/** A client request invoked and not yet answered. */
export interface OpenRequest {
  readonly node: string;
  readonly op: string;
  readonly workload: WorkloadSpec;
  readonly attempt: number;
}

/**
 * Client requests: the workload's requests reach their nodes (CLIENT_INVOKE), the
 * protocol answers them (CLIENT_RETURN), and a reply naming a `redirect` is
 * followed up to the workload's followRedirects.
 */
export class Clients {
  /** Requests invoked and not yet answered, by request id, in invocation order. */
  readonly open = new Map<string, OpenRequest>();
  private nextRequestId = 1;

  /** A fresh request for a workload item whose trigger fired: "r1", "r2", ... in firing order. */
  newRequest(workload: WorkloadSpec): ClientRequest {
    return { id: `r${this.nextRequestId++}`, op: workload.op, args: workload.args };
  }
}

/** A workload item whose trigger fired: the client's request reaches its node now. */
export function startRequest<Config, State>(core: Core<Config, State>, workload: WorkloadSpec): void {
  const request = core.clients.newRequest(workload);
  invoke(core, { type: "client", request, node: workload.node, workload, attempt: 0 });
}

/** A request reaches its node: CLIENT_INVOKE, then the protocol's handler (or a failure if the node is down). */
export function invoke<Config, State>(core: Core<Config, State>, item: ClientItem): void {
  const node = core.node(item.node);
  const { request } = item;
  const event = core.trace.local(
    node,
    "CLIENT_INVOKE",
    `A client asks ${node.name} to ${request.op} ${canonicalJson(request.args)}.`,
    {
      request: request.id,
      op: request.op,
      args: request.args,
      attempt: item.attempt,
    },
  );
  if (!node.up) {
    core.trace.record(
      node.name,
      "CLIENT_RETURN",
      `${node.name} is down, so the client's ${request.op} fails.`,
      { request: request.id, op: request.op, result: { ok: false, error: "unavailable: node is down" } },
      { lamport: node.lamport, vclock: { ...node.vclock } },
    );
    return;
  }
  const limit = core.limits.maxOpenRequests;
  if (core.clients.open.size >= limit) {
    const error = `refused: ${plural(limit, "client request")} ${verb(limit, "is")} already waiting for an answer, the limit (maxOpenRequests)`;
    core.trace.record(
      node.name,
      "CLIENT_RETURN",
      `The client's ${request.op} is refused: ${plural(limit, "request")} ${verb(limit, "is")} already waiting for an answer (maxOpenRequests).`,
      { request: request.id, op: request.op, result: { ok: false, error } },
      { lamport: node.lamport, vclock: { ...node.vclock } },
    );
    return;
  }
  core.clients.open.set(request.id, {
    node: node.name,
    op: request.op,
    workload: item.workload,
    attempt: item.attempt,
  });
  core.handle(node, event, (ctx, state) => core.protocol.onClientRequest(ctx, state, request));
}

/** The protocol answers a request (ctx.reply): CLIENT_RETURN, and a redirect followed if the workload allows. */
export function reply<Config, State>(
  core: Core<Config, State>,
  node: NodeRecord<State>,
  requestId: string,
  result: JsonObject,
  explanation: string,
): void {
  const open = core.clients.open.get(requestId);
  core.clients.open.delete(requestId);
  core.trace.local(node, "CLIENT_RETURN", explanation, { request: requestId, op: open?.op ?? null, result });
  const redirect = result["redirect"];
  if (
    open !== undefined &&
    typeof redirect === "string" &&
    core.nodes.has(redirect) &&
    open.attempt < open.workload.followRedirects
  ) {
    const target: WorkloadSpec = { ...open.workload, node: redirect };
    const base = requestId.split(".")[0] as string;
    const next: ClientRequest = { id: `${base}.${open.attempt + 1}`, op: open.workload.op, args: open.workload.args };
    core.schedule(core.now + 1, {
      type: "client",
      request: next,
      node: redirect,
      workload: target,
      attempt: open.attempt + 1,
    });
  }
}
