import type { TraceEvent } from "../sim/types";
import { NETWORK_NODE } from "../sim/types";

/**
 * A text space-time diagram (Lamport's 1978 figures, turned on their side): one
 * lane per node running down the page, one row per event, and an arrow on the row
 * where a message is sent, pointing at the lane of its receiver. The receive is
 * marked on its own later row, with the same #message id, so the two ends of a
 * message can be paired even when other events happen in between.
 */

export const DIAGRAM_LEGEND: readonly string[] = [
  "legend: o send  * receive  x lost  + duplicated  T timer  C client request  c client reply",
  "        # state change  . note  X crash  ^ recover  ! violation  ~ partition or heal  : node down",
];

const MARKS: Partial<Record<TraceEvent["kind"], string>> = {
  SEND: "o",
  DELIVER: "*",
  DROP: "x",
  DUPLICATE: "+",
  TIMER: "T",
  CLIENT_INVOKE: "C",
  CLIENT_RETURN: "c",
  STATE_CHANGE: "#",
  NOTE: ".",
  CRASH: "X",
  RECOVER: "^",
  VIOLATION: "!",
  PARTITION: "~",
  HEAL: "~",
};

const MESSAGE_KINDS = new Set<TraceEvent["kind"]>(["SEND", "DELIVER", "DROP", "DUPLICATE"]);

export function renderDiagram(nodes: readonly string[], events: readonly TraceEvent[]): string[] {
  const laneWidth = Math.max(12, ...nodes.map((node) => node.length + 3));
  const center = Math.floor(laneWidth / 2);
  const lane = new Map(nodes.map((node, index) => [node, index]));
  const seqWidth = Math.max(3, ...events.map((event) => String(event.seq).length));
  const timeWidth = Math.max(4, ...events.map((event) => String(event.time).length));
  const lanesWidth = laneWidth * nodes.length;
  const at = (index: number): number => index * laneWidth + center;

  const header =
    "seq".padStart(seqWidth) +
    "  " +
    "time".padStart(timeWidth) +
    "  " +
    nodes.map((node) => centerIn(node, laneWidth, center)).join("") +
    "  event";
  const lines = [header];
  const down = new Set<string>();

  for (const event of events) {
    const row: string[] = Array.from({ length: lanesWidth }, () => " ");
    for (const node of nodes) row[at(lane.get(node) as number)] = down.has(node) ? ":" : "|";
    const data = event.data ?? {};
    const mark = MARKS[event.kind] ?? "?";
    const own = lane.get(event.node);

    if (event.node === NETWORK_NODE && (event.kind === "PARTITION" || event.kind === "HEAL")) {
      for (let i = 0; i < lanesWidth; i++) if (row[i] === " ") row[i] = "~";
    } else if (event.kind === "SEND") {
      const from = lane.get(String(data["from"]));
      const to = lane.get(String(data["to"]));
      if (from !== undefined && to !== undefined && from !== to) drawArrow(row, at(from), at(to), messageType(data));
      if (from !== undefined) row[at(from)] = mark;
    } else if (own !== undefined) {
      row[at(own)] = mark;
    }
    if (event.kind === "CRASH") down.add(event.node);
    if (event.kind === "RECOVER") down.delete(event.node);

    const messageId = data["messageId"];
    const prefix = MESSAGE_KINDS.has(event.kind) && typeof messageId === "number" ? `#${messageId} ` : "";
    const where = own === undefined ? `${event.node}: ` : "";
    lines.push(
      String(event.seq).padStart(seqWidth) +
        "  " +
        String(event.time).padStart(timeWidth) +
        "  " +
        row.join("") +
        "  " +
        where +
        prefix +
        event.summary,
    );
  }
  return lines;
}

/** Draws o----LABEL--->| from the sender's lane toward the receiver's, stopping just short of it. */
function drawArrow(row: string[], from: number, to: number, label: string): void {
  const right = to > from;
  const start = right ? from + 1 : to + 2;
  const end = right ? to - 2 : from - 1; // inclusive range of the shaft
  for (let i = start; i <= end; i++) row[i] = "-";
  row[right ? to - 1 : to + 1] = right ? ">" : "<";
  const room = end - start + 1;
  if (label.length > 0 && room >= label.length + 2) {
    const offset = start + Math.floor((room - label.length) / 2);
    for (let i = 0; i < label.length; i++) row[offset + i] = label[i] as string;
  }
}

function messageType(data: Readonly<Record<string, unknown>>): string {
  const message = data["message"];
  if (typeof message === "object" && message !== null && "type" in message) {
    const type = (message as { type: unknown }).type;
    if (typeof type === "string") return type;
  }
  return "";
}

function centerIn(text: string, width: number, center: number): string {
  const left = Math.max(0, center - Math.floor((text.length - 1) / 2));
  return (" ".repeat(left) + text).padEnd(width).slice(0, Math.max(width, left + text.length));
}
