import "./env";
import { cpus, totalmem } from "node:os";
import { formatTable } from "../src/cli/table";
import { type BenchRow } from "./measure";
import { benchCrdtGossip } from "./crdt-gossip";
import { benchDynamo } from "./dynamo";
import { benchGraphqlPage } from "./graphql-page";
import { benchGrading } from "./grading";
import { benchLinearizability } from "./linearizability";
import { benchRaft } from "./raft";
import { benchRga } from "./rga";
import { benchSerializability } from "./serializability";
import { benchStartRun } from "./start-run";
import { benchSpanner } from "./spanner";
import { benchStoreWriter } from "./store-writer";
import { benchTimeline } from "./timeline";
import { benchTwoPhaseCommit } from "./two-phase-commit";

/**
 * `npm run bench`: every benchmark, each figure beside a ceiling measured in the
 * same run, printed as one table. `npm run bench -- --quick` runs small sizes (a
 * check that everything works, not a measurement).
 */

interface Benchmark {
  readonly name: string;
  readonly run: (quick: boolean) => Promise<BenchRow[]> | BenchRow[];
}

const BENCHMARKS: readonly Benchmark[] = [
  {
    name: "2pc sim events/s",
    run: (quick) => benchTwoPhaseCommit({ transactions: quick ? 50 : 1000, repeats: quick ? 1 : 5, budgetMs: 20_000 }),
  },
  {
    name: "store trace rows/s",
    run: (quick) => benchStoreWriter({ rows: quick ? 2_000 : 100_000, repeats: quick ? 1 : 3, budgetMs: 20_000 }),
  },
  {
    name: "graphql 1000-event page",
    run: (quick) => benchGraphqlPage({ calls: quick ? 3 : 100, warmups: quick ? 1 : 20 }),
  },
  {
    name: "timeline 100 snapshots",
    run: (quick) => benchTimeline({ calls: quick ? 3 : 30, warmups: quick ? 1 : 5 }),
  },
  {
    name: "startRun over HTTP",
    run: (quick) =>
      benchStartRun({
        calls: quick ? 5 : 100,
        warmups: quick ? 2 : 20,
        concurrent: quick ? 5 : 50,
        rounds: quick ? 1 : 3,
      }),
  },
  {
    name: "grading under load",
    run: (quick) => benchGrading({ students: quick ? 10 : 100, ceilingSamples: quick ? 3 : 20 }),
  },
  {
    name: "raft sim events/s",
    run: (quick) => benchRaft({ writes: quick ? 200 : 10_000, repeats: quick ? 1 : 3, budgetMs: 30_000 }),
  },
  {
    name: "dynamo sim events/s",
    run: (quick) => benchDynamo({ operations: quick ? 200 : 10_000, repeats: quick ? 1 : 3, budgetMs: 30_000 }),
  },
  {
    name: "linearizability checker",
    run: (quick) =>
      benchLinearizability({
        sizes: quick ? [200] : [1_000, 10_000],
        clients: quick ? [5] : [5, 20],
        repeats: quick ? 1 : 3,
        checkBudgetMs: quick ? 1_000 : 5_000,
      }),
  },
  {
    name: "rga editing trace ops/s",
    run: (quick) => benchRga({ edits: quick ? 2_000 : 260_000, repeats: quick ? 1 : 3, budgetMs: 60_000 }),
  },
  {
    name: "spanner commit-wait events/s",
    run: (quick) => benchSpanner({ transactions: quick ? 200 : 10_000, repeats: quick ? 1 : 3, budgetMs: 20_000 }),
  },
  {
    name: "serializability txn/s",
    run: (quick) =>
      benchSerializability({ sizes: quick ? [1_000] : [10_000, 100_000], repeats: quick ? 1 : 3, budgetMs: 60_000 }),
  },
  {
    name: "crdt gossip bytes",
    run: (quick) => benchCrdtGossip({ updates: quick ? 60 : 300 }),
  },
];

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const cpuList = cpus();
  console.log(
    `machine: ${cpuList.length} x ${cpuList[0]?.model.trim() ?? "unknown cpu"}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, node ${process.version}, ${process.platform}-${process.arch}, ` +
      `NODE_ENV=${process.env["NODE_ENV"]}`,
  );
  console.log("");
  const rows: BenchRow[] = [];
  let failed = 0;
  for (const benchmark of BENCHMARKS) {
    process.stderr.write(`running ${benchmark.name}...\n`);
    try {
      rows.push(...(await benchmark.run(quick)));
    } catch (error) {
      failed += 1;
      rows.push({
        name: benchmark.name,
        ours: "-",
        ceiling: "-",
        ratio: Number.NaN,
        target: "-",
        ok: null,
        note: `did not run: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  const table = formatTable(
    [
      { header: "name" },
      { header: "ours", align: "right" },
      { header: "ceiling", align: "right" },
      { header: "ratio", align: "right" },
      { header: "target" },
      { header: "ok" },
    ],
    rows.map((row) => [
      row.name,
      row.ours,
      row.ceiling,
      formatRatio(row.ratio),
      row.target,
      row.ok === null ? "-" : row.ok ? "yes" : "NO",
    ]),
    " | ",
  );
  for (const line of table) console.log(line);
  console.log("");
  console.log("notes:");
  for (const row of rows) console.log(`  ${row.name}: ${row.note}`);
  if (failed > 0) process.exitCode = 1;
}

void main();

/** Two decimals, or two significant digits for small ratios (0.0064), so that no figure prints as 0.00. */
function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "-";
  return ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
}
