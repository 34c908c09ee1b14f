import {
  CONTROL_BAD_REPLY,
  CONTROL_HANDLER_FAILED,
  type ControlReply,
  type ControlRequest,
  type JsonValue,
  type RunNote,
} from "./contract";

/**
 * What crosses the bus, checked on the way in and out. A message on a Redis channel can come
 * from any client of that server, so every field is checked before a listener or a handler
 * sees it; LocalBus runs the same checks so both buses refuse the same things.
 */

const STATUSES: ReadonlySet<string> = new Set(["RUNNING", "COMPLETED", "FAILED"]);

type Fields = { readonly [key: string]: unknown };

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Throws, saying which field is wrong, unless `note` is a RunNote a sender may announce. */
export function checkNote(note: unknown, where: string): RunNote {
  if (!isFields(note)) throw new TypeError(`${where}: a run note must be an object`);
  const { runId, lastSeq, status, resync } = note;
  if (typeof runId !== "string" || runId.length === 0) {
    throw new TypeError(`${where}: runId must be a non-empty string`);
  }
  if (typeof lastSeq !== "number" || !Number.isSafeInteger(lastSeq) || lastSeq < -1) {
    throw new TypeError(`${where}: lastSeq of run ${runId} must be an integer >= -1, got ${String(lastSeq)}`);
  }
  if (typeof status !== "string" || !STATUSES.has(status)) {
    throw new TypeError(`${where}: status of run ${runId} must be RUNNING, COMPLETED or FAILED`);
  }
  if (resync !== undefined && resync !== true) throw new TypeError(`${where}: resync may only be true`);
  const checked = { runId, lastSeq, status: status as RunNote["status"] };
  return resync === true ? { ...checked, resync } : checked;
}

/** A copy made through JSON, so a command or reply means the same in-process as across Redis. */
export function throughJson(value: unknown, where: string): JsonValue {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${where}: the value cannot be written as JSON`);
  return JSON.parse(text) as JsonValue;
}

/** Throws unless `command` is a ControlRequest: an op name and JSON arguments. */
export function checkRequest(command: unknown, where: string): ControlRequest {
  if (!isFields(command)) throw new TypeError(`${where}: a control request must be an object`);
  if (typeof command.op !== "string" || command.op.length === 0) {
    throw new TypeError(`${where}: a control request needs a non-empty op`);
  }
  if (!("args" in command)) throw new TypeError(`${where}: control request ${command.op} has no args (use null)`);
  return { op: command.op, args: throughJson(command.args, `${where}: args of ${command.op}`) };
}

/** The reply a handler gave, or a `{ ok: false }` saying why it is not one. */
export function checkReply(reply: unknown, op: string): ControlReply {
  if (isFields(reply) && reply.ok === true && "value" in reply) {
    try {
      return { ok: true, value: throughJson(reply.value, `reply to ${op}`) };
    } catch (error) {
      return { ok: false, code: CONTROL_BAD_REPLY, message: describe(error) };
    }
  }
  if (isFields(reply) && reply.ok === false && typeof reply.code === "string" && typeof reply.message === "string") {
    return { ok: false, code: reply.code, message: reply.message };
  }
  return {
    ok: false,
    code: CONTROL_BAD_REPLY,
    message: `the handler of ${op} answered something that is not { ok: true, value } or { ok: false, code, message }`,
  };
}

/** Runs a handler, turning a throw or a rejection into a `{ ok: false }` reply. */
export async function answer(
  handler: (command: ControlRequest) => Promise<ControlReply>,
  command: ControlRequest,
): Promise<ControlReply> {
  try {
    return checkReply(await handler(command), command.op);
  } catch (error) {
    return { ok: false, code: CONTROL_HANDLER_FAILED, message: `${command.op} failed: ${describe(error)}` };
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A timeout checked before any waiting starts: a negative or NaN one is a caller's bug. */
export function checkTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`control timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
  }
}

export function checkRunId(runId: unknown, where: string): string {
  if (typeof runId !== "string" || runId.length === 0)
    throw new TypeError(`${where}: runId must be a non-empty string`);
  return runId;
}

export { isFields };
