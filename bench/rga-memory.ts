import { editingTrace, replayTrace } from "../src/protocols/crdt/datatypes/rga-trace";
import { rgaText } from "../src/protocols/crdt/datatypes/rga";
import { collectGarbage } from "./measure";
import { replayYjs, yjsText } from "./rga-yjs";

/**
 * Child process for the RGA memory figures: `node rga-memory.js <ours|yjs> <edits> <seed>`
 * builds the editing trace, then replays it and prints {"peakBytes", "retainedBytes",
 * "textLength"}: the process's peak resident memory minus its resident memory just
 * before the replay, and the heap the finished document keeps after a full collection.
 */
const [which, editsText, seedText] = process.argv.slice(2);
const edits = Number(editsText);
const seed = Number(seedText);
if ((which !== "ours" && which !== "yjs") || !Number.isInteger(edits) || !Number.isInteger(seed)) {
  process.stderr.write("usage: node rga-memory.js <ours|yjs> <edits> <seed>\n");
  process.exit(2);
}
const trace = editingTrace(edits, seed);
collectGarbage();
const heapBefore = process.memoryUsage().heapUsed;
const before = process.memoryUsage().rss;
const document = which === "ours" ? replayTrace(trace) : replayYjs(trace);
const peak = process.resourceUsage().maxRSS * 1024;
collectGarbage();
const retained = process.memoryUsage().heapUsed - heapBefore;
const text =
  which === "ours"
    ? rgaText(document as ReturnType<typeof replayTrace>)
    : yjsText(document as ReturnType<typeof replayYjs>);
process.stdout.write(
  JSON.stringify({
    peakBytes: Math.max(0, peak - before),
    retainedBytes: Math.max(0, retained),
    textLength: text.length,
  }) + "\n",
);
