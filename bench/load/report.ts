import { availableParallelism, loadavg } from "node:os";
import { formatTable } from "../../src/cli/table";
import { serverVariables, type ModeOutcome } from "./modes";
import { errorCount, type LoadConfig } from "./workload";

/**
 * The load's one table, a row per mode, each figure beside its ceiling from the same
 * run: small-query latency under load beside the same queries on the idle servers, and
 * unpaced runs/s under load beside the same runs alone. Then notes: how it was
 * measured, memory per process, errors, and the run ids and seeds of any lost events.
 */

export const COLUMNS = [
  "mode",
  "query p50/p99 ms",
  "idle p50/p99 ms",
  "p50 ratio",
  "runs/s",
  "alone runs/s",
  "runs ratio",
  "subscribers",
  "events delivered",
  "events lost",
  "submissions/s",
  "peak RSS MB sum/max",
  "errors",
] as const;

export function tableLines(outcomes: readonly ModeOutcome[]): string[] {
  const rows = outcomes.map((outcome): string[] => {
    const result = outcome.result;
    if (result === null) return [outcome.mode, ...COLUMNS.slice(1).map(() => "-")];
    const peaks = outcome.memory.map((process) => process.peakBytes ?? Number.NaN);
    const sum = peaks.reduce((total, bytes) => total + bytes, 0);
    const max = Math.max(...peaks);
    return [
      outcome.mode,
      `${ms(result.loadedQueries.p50Ms)}/${ms(result.loadedQueries.p99Ms)}`,
      `${ms(result.idleQueries.p50Ms)}/${ms(result.idleQueries.p99Ms)}`,
      ratio(result.loadedQueries.p50Ms / result.idleQueries.p50Ms),
      result.unpacedLoadedPerSecond.toFixed(1),
      result.unpacedAlonePerSecond.toFixed(1),
      ratio(result.unpacedLoadedPerSecond / result.unpacedAlonePerSecond),
      String(result.subscriptions),
      String(result.eventsDelivered),
      String(result.eventsLost),
      result.submissionsPerSecond.toFixed(1),
      `${mb(sum)}/${mb(max)}`,
      String(errorCount(result)),
    ];
  });
  return formatTable(
    COLUMNS.map((header, index) => ({ header, align: index === 0 ? "left" : "right" })),
    rows,
    " | ",
  );
}

export function noteLines(outcomes: readonly ModeOutcome[], config: LoadConfig): string[] {
  const lines = [
    `load: ${config.seconds} s with ${config.runsAtOnce} runs at once (${config.pacedRuns} paced, followed by ` +
      `${config.subscribers} graphql-ws subscribers, one socket each; the rest unpaced back to back), ` +
      `${config.queryConnections} autocannon connections of small queries ({ scenarios { id } } and run(id:)), ` +
      `${config.students} students submitting back to back. Ceilings first, on the idle servers: the same small ` +
      `queries alone, then the same unpaced runs alone. runs/s counts unpaced runs; subscribers counts subscriptions ` +
      `over all waves of paced runs; events lost = missing + out of order + never stored, per subscriber, against ` +
      `the run's stored events; peak RSS is VmHWM of each server and worker process.`,
    `  server variables: ${Object.entries(serverVariables(config))
      .map(([name, value]) => `${name}=${value}`)
      .join(" ")}`,
    `  load average at the end ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores (the driver shares them ` +
      `with the servers: compare the ratios, not the milliseconds, between machines)`,
  ];
  for (const outcome of outcomes) {
    const head = `  ${outcome.mode} (${outcome.deployment})`;
    if (outcome.skipped !== null) {
      lines.push(`${head}: skipped: ${outcome.skipped}`);
      continue;
    }
    if (outcome.failed !== null) lines.push(`${head}: did not run: ${outcome.failed}`);
    const result = outcome.result;
    if (result !== null) {
      lines.push(
        `${head}: ${result.loadedQueries.count} small queries under load (${result.loadedQueries.failures} failed), ` +
          `${result.idleQueries.count} idle (${result.idleQueries.failures} failed); ${result.pacedRunsCompleted} paced runs; ` +
          `${result.submissions} submissions; loaded phase ${result.loadedSeconds.toFixed(1)} s (until the last ` +
          `request in flight at the deadline returned); the driver used ${result.driverCpuSeconds.toFixed(1)} s of CPU`,
      );
    }
    if (outcome.memory.length > 0) {
      const memory = outcome.memory.map(
        (process) => `${process.name} ${process.peakBytes === null ? "?" : mb(process.peakBytes)}`,
      );
      lines.push(`    peak RSS MB: ${memory.join(", ")}`);
    }
    for (const problem of result?.problems.first ?? []) lines.push(`    error: ${problem}`);
    for (const line of outcome.serverLog) lines.push(`    log: ${line}`);
    for (const loss of result?.losses ?? []) {
      lines.push(
        `    LOST: run ${loss.runId} seed ${loss.seed} subscriber ${loss.subscriber}: ${loss.lost} (${loss.detail})`,
      );
    }
  }
  return lines;
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "-";
}

function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "-";
}

function mb(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / (1024 * 1024)).toFixed(0) : "?";
}
