import type { Json, JsonObject } from "../sim/json";
import type { TraceEvent } from "../sim/types";

const KEYWORD = /^[a-zA-Z][a-zA-Z0-9_*+!?<>=-]*$/;

/** A JSON value as EDN: objects become maps (keyword keys where the key is a valid keyword), arrays vectors. */
export function toEdn(value: Json): string {
  if (value === null) return "nil";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toEdn).join(" ")}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${KEYWORD.test(key) ? `:${key}` : JSON.stringify(key)} ${toEdn(value[key] as Json)}`);
  return `{${entries.join(", ")}}`;
}

function keyword(name: string): string {
  return KEYWORD.test(name) ? `:${name}` : `:${name.replace(/[^a-zA-Z0-9_*+!?<>=-]/g, "_").replace(/^[^a-zA-Z]/, "f")}`;
}

/**
 * The client operations of a run as a Jepsen history (Kingsbury, Jepsen's
 * `jepsen.history`): one map per line with :process, :type (:invoke, then :ok, :fail
 * or, for a request never answered, :info), :f, :value, :time (nanoseconds of virtual
 * time) and :index. Each client request is one process; a redirected attempt
 * (`r1.1`) is the same process trying again. A reply that carries `error`, `ok:
 * false` or `redirect` is :fail: the operation did not take effect there.
 */
export function ednHistory(events: readonly TraceEvent[]): string {
  const processes = new Map<string, number>();
  const open = new Map<string, { process: number; f: string; value: Json }>();
  const lines: string[] = [];
  const push = (fields: Record<string, string>): void => {
    lines.push(
      `{${Object.entries({ ...fields, index: String(lines.length) })
        .map(([k, v]) => `:${k} ${v}`)
        .join(", ")}}`,
    );
  };
  for (const event of events) {
    const data = event.data;
    if (data === null) continue;
    const request = data["request"];
    if (typeof request !== "string") continue;
    const op = typeof data["op"] === "string" ? data["op"] : "unknown";
    const base = request.split(".")[0] as string;
    if (!processes.has(base)) processes.set(base, processes.size);
    const process = processes.get(base) as number;
    const time = String(event.time * 1_000_000);
    if (event.kind === "CLIENT_INVOKE") {
      const value = (data["args"] ?? null) as Json;
      open.set(request, { process, f: op, value });
      push({ process: String(process), type: ":invoke", f: keyword(op), value: toEdn(value), time });
    } else if (event.kind === "CLIENT_RETURN") {
      const invoked = open.get(request);
      open.delete(request);
      const result = (data["result"] ?? null) as Json;
      const failed =
        result !== null &&
        typeof result === "object" &&
        !Array.isArray(result) &&
        ((result as JsonObject)["ok"] === false || "error" in result || "redirect" in result);
      push({
        process: String(invoked?.process ?? process),
        type: failed ? ":fail" : ":ok",
        f: keyword(invoked?.f ?? op),
        value: toEdn(result),
        time,
      });
    }
  }
  const end = events.length === 0 ? 0 : (events[events.length - 1] as TraceEvent).time;
  for (const { process, f, value } of open.values()) {
    push({
      process: String(process),
      type: ":info",
      f: keyword(f),
      value: toEdn(value),
      time: String(end * 1_000_000),
    });
  }
  return lines.join("\n") + (lines.length > 0 ? "\n" : "");
}
