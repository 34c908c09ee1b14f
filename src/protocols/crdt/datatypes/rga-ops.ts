import type { Json, JsonObject } from "../../../sim/json";
import { plural } from "../../../sim/english";
import { quote, unknownOp, type PrepareEnv, type Prepared, type Request } from "./common";
import { locateVisible, nextRun, type RgaPayload, type RgaRun } from "./rga-tree";
import { elementOf, rgaGet, rgaKey, type RgaElement } from "./rga-edit";

/**
 * The RGA's client operations, "at source" (RR-7506 Spec 2): a request read against
 * the local payload becomes insert and delete ops naming elements by id, which every
 * replica integrates the same way. Requests come in two forms:
 *
 *   positional, as an editor speaks:   insert { at, text }     delete { at, length }
 *   by element id, as RGA itself does: insert { after, text }  delete { id }
 *
 * `after: null` inserts at the start of the text. The first scenario files wrote
 * positions as `index` (and a count as `count`); those spellings are kept, with their
 * original sentences, so the traces of those files stay byte for byte the same.
 */

export type RgaOp =
  | ({ type: "insert"; id: string; ref: string | null; value: string } & JsonObject)
  | ({ type: "delete"; target: string } & JsonObject);

/** Most characters one insert request may type, and most elements one delete request may remove. */
export const RGA_MAX_TEXT = 10_000;
export const RGA_MAX_DELETE = 10_000;

export function shorten(text: string): string {
  return text.length <= 40 ? JSON.stringify(text) : JSON.stringify(text.slice(0, 37) + "...");
}

export function describeRef(payload: RgaPayload, ref: string | null): string {
  if (ref === null) return "the start of the text";
  const node = rgaGet(payload, ref);
  return node === undefined ? ref : `${quote(node.value)} (${ref})`;
}

/** The visible elements from position `at` on, `count` of them (fewer at the end of the text). */
function visibleFrom(payload: RgaPayload, at: number, count: number): RgaElement[] {
  const out: RgaElement[] = [];
  if (at >= payload.live) return out;
  const start = locateVisible(payload, at);
  let offset = start.offset;
  for (let run: RgaRun | null = start.run; run !== null && out.length < count; run = nextRun(run)) {
    if (!run.deleted) for (let i = offset; i < run.length && out.length < count; i++) out.push(elementOf(run, i));
    offset = 0;
  }
  return out;
}

function idRange(ops: readonly RgaOp[]): string {
  const first = (ops[0] as { id: string }).id;
  return ops.length === 1 ? first : `${first} to ${(ops[ops.length - 1] as { id: string }).id}`;
}

function insertOps(payload: RgaPayload, ref: string | null, text: string, replica: string): RgaOp[] {
  const ops: RgaOp[] = [];
  let counter = payload.counter;
  for (const char of text) {
    counter += 1;
    const id = rgaKey(counter, replica);
    ops.push({ type: "insert", id, ref, value: char });
    ref = id;
  }
  return ops;
}

type Failure = { ok: false; error: string };

function position(args: JsonObject): { at: Json | undefined; legacy: boolean } {
  if (args["index"] !== undefined) return { at: args["index"], legacy: true };
  return { at: args["at"], legacy: false };
}

function prepareInsert(payload: RgaPayload, args: JsonObject, env: PrepareEnv): Prepared<RgaOp> | Failure {
  const text = args["text"] ?? args["value"];
  if (typeof text !== "string" || text.length === 0) return { ok: false, error: "insert needs args.text" };
  if (text.length > RGA_MAX_TEXT) {
    return {
      ok: false,
      error: `args.text has ${text.length} characters, more than the limit of ${RGA_MAX_TEXT} per insert (RGA_MAX_TEXT)`,
    };
  }
  if (args["after"] !== undefined) {
    const after = args["after"];
    if (after !== null && typeof after !== "string") {
      return { ok: false, error: "args.after must be an element id such as 3@n1, or null for the start of the text" };
    }
    if (after !== null && rgaGet(payload, after) === undefined) {
      return { ok: false, error: `args.after names ${after}, an element this replica does not have` };
    }
    const ops = insertOps(payload, after, text, env.replica);
    return {
      ok: true,
      ops,
      explanation: `${env.replica} types ${shorten(text)} right after ${describeRef(payload, after)}, named by its id; ${plural(ops.length, "new element")} (${idRange(ops)}), each naming the element it follows.`,
    };
  }
  const { at: raw, legacy } = position(args);
  const at = raw ?? 0;
  if (typeof at !== "number" || !Number.isInteger(at) || at < 0) {
    return { ok: false, error: `${legacy ? "index" : "at"} must be a non-negative integer position in the text` };
  }
  if (at > payload.live) {
    return {
      ok: false,
      error: `${legacy ? "index" : "position"} ${at} is past the end of the text (length ${payload.live})`,
    };
  }
  const refKey = at === 0 ? null : (visibleFrom(payload, at - 1, 1)[0] as RgaElement).key;
  const ops = insertOps(payload, refKey, text, env.replica);
  const ids = idRange(ops);
  return {
    ok: true,
    ops,
    explanation: legacy
      ? `${env.replica} types ${shorten(text)} at position ${at}, right after ${describeRef(payload, refKey)}; each character gets a fresh timestamp id (${ids}) and names the element it follows.`
      : `${env.replica} types ${shorten(text)} at position ${at}, right after ${describeRef(payload, refKey)}; ${ops.length === 1 ? "the character gets a fresh timestamp id" : `its ${plural(ops.length, "character")} get fresh timestamp ids`} (${ids}), each naming the element it follows.`,
  };
}

function prepareDelete(payload: RgaPayload, args: JsonObject, env: PrepareEnv): Prepared<RgaOp> | Failure {
  if (args["id"] !== undefined) {
    const id = args["id"];
    if (typeof id !== "string") return { ok: false, error: "args.id must be an element id such as 3@n1" };
    const node = rgaGet(payload, id);
    if (node === undefined) return { ok: false, error: `args.id names ${id}, an element this replica does not have` };
    return {
      ok: true,
      ops: [{ type: "delete", target: id }],
      explanation: node.deleted
        ? `${env.replica} deletes ${quote(node.value)} (${id}) by its id, though it is a tombstone here already; the op changes nothing where it has arrived.`
        : `${env.replica} deletes ${quote(node.value)} (${id}) by its id; it stays in the list as a tombstone, since a concurrent insert may name it as its reference.`,
    };
  }
  const { at: raw, legacy } = position(args);
  const at = raw ?? 0;
  if (typeof at !== "number" || !Number.isInteger(at) || at < 0) {
    return { ok: false, error: `${legacy ? "index" : "at"} must be a non-negative integer position in the text` };
  }
  const countName = args["length"] !== undefined ? "length" : "count";
  const count = args[countName] ?? 1;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
    return { ok: false, error: `${countName} must be a positive integer` };
  }
  if (count > RGA_MAX_DELETE) {
    return {
      ok: false,
      error: `args.${countName} is ${count}, more than the limit of ${RGA_MAX_DELETE} per delete (RGA_MAX_DELETE)`,
    };
  }
  if (at + count > payload.live) {
    return {
      ok: false,
      error: legacy
        ? `cannot delete ${count} character(s) at ${at}: the text has length ${payload.live}`
        : `cannot delete ${plural(count, "character")} at position ${at}: the text has length ${payload.live}`,
    };
  }
  const ops: RgaOp[] = visibleFrom(payload, at, count).map((node) => ({ type: "delete", target: node.key }));
  return {
    ok: true,
    ops,
    explanation: legacy
      ? `${env.replica} deletes ${count} character(s) at position ${at}; they stay in the list as tombstones, since a concurrent insert may name them as its reference.`
      : `${env.replica} deletes ${plural(count, "character")} at position ${at}; ${count === 1 ? "it stays in the list as a tombstone" : "they stay in the list as tombstones"}, since a concurrent insert may name ${count === 1 ? "it" : "them"} as its reference.`,
  };
}

/** RGA's `prepare`: a client request, read against the local payload, as ops (or a refusal naming the field). */
export function prepareRga(payload: RgaPayload, request: Request, env: PrepareEnv): Prepared<RgaOp> {
  if (request.op === "insert") return prepareInsert(payload, request.args, env);
  if (request.op === "delete") return prepareDelete(payload, request.args, env);
  return unknownOp("rga", request.op, ["insert", "delete"]);
}
