import { rgaBenchmark } from "../src/protocols/crdt";
import { spliceBenchmark } from "./rga";

/**
 * Child process for the RGA memory figure: `node rga-memory.js <rga|splice> <ops> <seed>`
 * runs one workload and prints {"peakBytes": ...}: the process's peak resident memory
 * minus its resident memory just before the workload.
 */
const [which, opsText, seedText] = process.argv.slice(2);
const ops = Number(opsText);
const seed = Number(seedText);
if ((which !== "rga" && which !== "splice") || !Number.isInteger(ops) || !Number.isInteger(seed)) {
  process.stderr.write("usage: node rga-memory.js <rga|splice> <ops> <seed>\n");
  process.exit(2);
}
const before = process.memoryUsage().rss;
const result = which === "rga" ? rgaBenchmark(ops, seed) : spliceBenchmark(ops, seed);
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ peakBytes: Math.max(0, peak - before), textLength: result.textLength }) + "\n");
