import { plural, verb } from "./english";
import { causeField, eventData, type ClientInvokeData, type ClientReturnData } from "./event-data";
import { canonicalJson, type JsonObject } from "./json";
import type { ClientItem, Core, NodeRecord } from "./core";
import { wait } from "./pause";
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
  if (node.pause !== undefined) {
    wait(core, node, item); // the request reaches a stopped process: it is invoked when the pause ends
    return;
  }
  const { request } = item;
  const invokeData: ClientInvokeData = {
    request: request.id,
    client: clientOf(request.id),
    op: request.op,
    args: request.args,
    attempt: item.attempt,
    ...causeField(core.cause()),
  };
  const event = core.trace.local(
    node,
    "CLIENT_INVOKE",
    `A client asks ${node.name} to ${request.op} ${canonicalJson(request.args)}.`,
    eventData(invokeData),
  );
  const failed = (summary: string, error: string): void => {
    const data: ClientReturnData = {
      request: request.id,
      client: clientOf(request.id),
      op: request.op,
      result: { ok: false, error },
      cause: event.seq,
    };
    core.trace.record(node.name, "CLIENT_RETURN", summary, eventData(data), {
      lamport: node.lamport,
      vclock: { ...node.vclock },
    });
  };
  if (!node.up) {
    failed(`${node.name} is down, so the client's ${request.op} fails.`, "unavailable: node is down");
    return;
  }
  const limit = core.limits.maxOpenRequests;
  if (core.clients.open.size >= limit) {
    const error = `refused: ${plural(limit, "client request")} ${verb(limit, "is")} already waiting for an answer, the limit (maxOpenRequests)`;
    failed(
      `The client's ${request.op} is refused: ${plural(limit, "request")} ${verb(limit, "is")} already waiting for an answer (maxOpenRequests).`,
      error,
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
  const data: ClientReturnData = {
    request: requestId,
    client: clientOf(requestId),
    op: open?.op ?? null,
    result,
    ...causeField(core.cause()),
  };
  core.trace.local(node, "CLIENT_RETURN", explanation, eventData(data));
  const redirect = result["redirect"];
  if (
    open !== undefined &&
    typeof redirect === "string" &&
    core.nodes.has(redirect) &&
    open.attempt < open.workload.followRedirects
  ) {
    const target: WorkloadSpec = { ...open.workload, node: redirect };
    const next: ClientRequest = {
      id: `${clientOf(requestId)}.${open.attempt + 1}`,
      op: open.workload.op,
      args: open.workload.args,
    };
    core.schedule(core.now + 1, {
      type: "client",
      request: next,
      node: redirect,
      workload: target,
      attempt: open.attempt + 1,
    });
  }
}

/** The client of a request: each workload item is its own client, named by its first request id ("r3" for r3, r3.1, ...). */
export function clientOf(requestId: string): string {
  const dot = requestId.indexOf(".");
  return dot === -1 ? requestId : requestId.slice(0, dot);
}
