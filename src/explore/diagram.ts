import { NETWORK_NODE, type TraceEvent } from "../sim/types";

/** The most events one diagram draws: a 100,000-event run is seen a window at a time. */
export const MAX_DIAGRAM_EVENTS = 2_000;

export interface DiagramWindow {
  /** First seq drawn (default 0). */
  readonly fromSeq?: number;
  /** Last seq drawn (default: fromSeq + MAX_DIAGRAM_EVENTS - 1, or the last event). */
  readonly toSeq?: number;
}

const LANE_GAP = 60;
const STEP = 14;
const LEFT = 90;
const TOP = 30;

/** Escapes text for SVG character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

function messageIdOf(event: TraceEvent): number | undefined {
  const id = event.data?.["messageId"];
  return typeof id === "number" ? id : undefined;
}

function messageEnd(event: TraceEvent, field: "from" | "to"): string | undefined {
  const value = event.data?.[field];
  return typeof value === "string" ? value : undefined;
}

/** Resolves the window against the events, refusing one wider than MAX_DIAGRAM_EVENTS. */
export function resolveWindow(events: readonly TraceEvent[], window: DiagramWindow): { from: number; to: number } {
  const last = events.length === 0 ? 0 : (events[events.length - 1] as TraceEvent).seq;
  const from = window.fromSeq ?? 0;
  const to = window.toSeq ?? Math.min(last, from + MAX_DIAGRAM_EVENTS - 1);
  if (!Number.isInteger(from) || from < 0)
    throw new Error(`diagram: fromSeq must be a non-negative integer, got ${from}`);
  if (!Number.isInteger(to) || to < from)
    throw new Error(`diagram: toSeq must be an integer >= fromSeq (${from}), got ${to}`);
  if (to - from + 1 > MAX_DIAGRAM_EVENTS) {
    throw new Error(
      `diagram: the window ${from}..${to} holds ${to - from + 1} seqs, more than the limit of ${MAX_DIAGRAM_EVENTS} (MAX_DIAGRAM_EVENTS); ask for a narrower fromSeq/toSeq`,
    );
  }
  return { from, to };
}

/**
 * A space-time diagram (Lamport 1978, Figure 1, drawn sideways): one horizontal lane
 * per node, x by seq, an arrow from each SEND to its DELIVER (paired by the message id
 * in the event data; a DUPLICATE's copies share it), a cross for each DROP, a bar for
 * each CRASH (the lane is dashed while the node is down), shading while a partition is
 * in force, and every event's sentence as its <title> tooltip. Only seqs in the window
 * are drawn; arrows whose other end lies outside it are clipped to the edge.
 */
export function renderDiagramSvg(
  nodes: readonly string[],
  events: readonly TraceEvent[],
  window: DiagramWindow = {},
): string {
  const { from, to } = resolveWindow(events, window);
  const lane = new Map(nodes.map((node, index) => [node, TOP + index * LANE_GAP]));
  const width = LEFT + (to - from + 2) * STEP;
  const height = TOP + Math.max(nodes.length - 1, 0) * LANE_GAP + TOP;
  const x = (seq: number): number => LEFT + (Math.min(Math.max(seq, from - 1), to + 1) - from + 0.5) * STEP;
  const inWindow = events.filter((e) => e.seq >= from && e.seq <= to);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(`Space-time diagram, events ${from} to ${to}`)}</title>`,
  );
  // Partitions in force: folded from every event up to the window's end.
  let partitionStart: TraceEvent | undefined;
  const shade = (start: TraceEvent, endSeq: number): void => {
    const x0 = x(Math.max(start.seq, from - 1));
    out.push(
      `<rect class="partition" x="${x0}" y="0" width="${Math.max(x(endSeq) - x0, 1)}" height="${height}" fill="#f4c7c3" fill-opacity="0.35"><title>${escapeXml(start.summary)}</title></rect>`,
    );
  };
  for (const event of events) {
    if (event.seq > to) break;
    if (event.node !== NETWORK_NODE) continue;
    if (event.kind === "PARTITION") {
      if (partitionStart !== undefined && event.seq >= from) shade(partitionStart, event.seq);
      partitionStart = event;
    } else if (event.kind === "HEAL" && partitionStart !== undefined) {
      if (event.seq >= from) shade(partitionStart, event.seq);
      partitionStart = undefined;
    }
  }
  if (partitionStart !== undefined) shade(partitionStart, to + 1);
  // Lanes, dashed while the node is down.
  const downSince = new Map<string, number>();
  const downSpans: { node: string; start: number; end: number }[] = [];
  for (const event of events) {
    if (event.seq > to) break;
    if (event.kind === "CRASH") downSince.set(event.node, event.seq);
    if (event.kind === "RECOVER" && downSince.has(event.node)) {
      downSpans.push({ node: event.node, start: downSince.get(event.node) as number, end: event.seq });
      downSince.delete(event.node);
    }
  }
  for (const [node, start] of downSince) downSpans.push({ node, start, end: to + 1 });
  for (const node of nodes) {
    const y = lane.get(node) as number;
    out.push(
      `<text x="4" y="${y + 4}">${escapeXml(node)}</text>`,
      `<line class="lane" x1="${LEFT}" y1="${y}" x2="${width}" y2="${y}" stroke="#333"/>`,
    );
  }
  for (const span of downSpans) {
    const y = lane.get(span.node);
    if (y === undefined || span.end < from) continue;
    out.push(
      `<line class="down" x1="${x(span.start)}" y1="${y}" x2="${x(span.end)}" y2="${y}" stroke="#fff" stroke-width="3" stroke-dasharray="4 4"/>`,
    );
  }
  // Messages: each SEND paired with its DELIVERs and DROPs.
  const sends = new Map<number, TraceEvent>();
  for (const event of events) {
    if (event.seq > to) break;
    const id = messageIdOf(event);
    if (event.kind === "SEND" && id !== undefined) sends.set(id, event);
  }
  const drawn = new Set<number>();
  for (const event of events) {
    if (event.kind !== "DELIVER" && event.kind !== "DROP") continue;
    const id = messageIdOf(event);
    const send = id === undefined ? undefined : sends.get(id);
    if (send === undefined) continue;
    if (event.seq < from || send.seq > to) continue;
    if (event.seq > to && (send.seq < from || drawn.has(send.seq))) continue;
    drawn.add(send.seq);
    const y1 = lane.get(messageEnd(send, "from") ?? send.node);
    const y2 = lane.get(messageEnd(event, "to") ?? event.node);
    if (y1 === undefined || y2 === undefined) continue;
    const endY = event.seq > to ? y1 + (y2 - y1) * ((to + 1 - send.seq) / (event.seq - send.seq)) : y2;
    const dropped = event.kind === "DROP";
    out.push(
      `<line class="${dropped ? "message dropped" : "message"}" x1="${x(send.seq)}" y1="${y1}" x2="${x(event.seq)}" y2="${endY}" stroke="${dropped ? "#b00" : "#1565c0"}" marker-end="${dropped ? "" : "url(#arrow)"}"><title>${escapeXml(send.summary)}</title></line>`,
    );
  }
  // Events: a dot each, a cross for a drop, a bar for a crash.
  for (const event of inWindow) {
    const y = lane.get(event.node);
    if (y === undefined) continue;
    const cx = x(event.seq);
    const title = `<title>${escapeXml(`#${event.seq} t=${event.time}: ${event.summary}`)}</title>`;
    if (event.kind === "DROP") {
      out.push(
        `<path class="drop" d="M${cx - 4} ${y - 4}L${cx + 4} ${y + 4}M${cx + 4} ${y - 4}L${cx - 4} ${y + 4}" stroke="#b00" stroke-width="2">${title}</path>`,
      );
    } else if (event.kind === "CRASH") {
      out.push(`<rect class="crash" x="${cx - 2}" y="${y - 12}" width="4" height="24" fill="#000">${title}</rect>`);
    } else {
      out.push(
        `<circle class="event ${event.kind}" cx="${cx}" cy="${y}" r="3" fill="${color(event)}">${title}</circle>`,
      );
    }
  }
  out.push(
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z" fill="#1565c0"/></marker></defs>`,
    "</svg>",
  );
  return out.join("\n") + "\n";
}

function color(event: TraceEvent): string {
  switch (event.kind) {
    case "VIOLATION":
      return "#d50000";
    case "STATE_CHANGE":
      return "#2e7d32";
    case "CLIENT_INVOKE":
    case "CLIENT_RETURN":
      return "#6a1b9a";
    case "RECOVER":
      return "#ef6c00";
    default:
      return "#333";
  }
}
