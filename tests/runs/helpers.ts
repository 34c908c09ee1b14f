import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";
import { createServices, type CreateServicesOptions, type Services } from "../../src/runs";
import type { TraceEvent } from "../../src/sim/types";

/** The repository's own scenarios (the real 2PC files). */
export const SCENARIOS_DIR = join(projectRoot, "scenarios");

export function tempDir(t: { after(fn: () => void | Promise<void>): void }, prefix = "faultline-services-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Services on a fresh database in a temp dir; closed after the test. Start-up reports are collected, not printed. */
export async function servicesFor(
  t: { after(fn: () => void | Promise<void>): void },
  options: Partial<CreateServicesOptions> & { dir?: string } = {},
): Promise<{ services: Services; dbPath: string; reports: string[] }> {
  const dir = options.dir ?? tempDir(t);
  const reports: string[] = [];
  const dbPath = options.dbPath ?? join(dir, "db", "faultline.db");
  const { dir: _dir, ...rest } = options;
  const services = await createServices({
    ...rest,
    dbPath,
    scenariosDir: options.scenariosDir ?? SCENARIOS_DIR,
    report: (line) => reports.push(line),
  });
  t.after(() => services.close());
  return { services, dbPath, reports };
}

/** Writes files (path relative to the returned dir -> text) into a new scenarios directory. */
export function scenariosDirWith(
  t: { after(fn: () => void | Promise<void>): void },
  files: Readonly<Record<string, string>>,
): string {
  const dir = tempDir(t, "faultline-scenarios-");
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

export function realScenario(id: string): string {
  return readFileSync(join(SCENARIOS_DIR, "transactions", `${id}.yaml`), "utf8");
}

/**
 * A two-phase commit scenario with `transactions` transactions begun 2 ms apart:
 * a large trace (about 35 events per transaction) for load tests.
 */
export function manyTransactionsScenario(transactions: number, id = "2pc-many"): string {
  const lines = [
    `id: ${id}`,
    "title: Many two-phase commits",
    "topic: transactions",
    "protocol: two-phase-commit",
    "summary: One coordinator runs many transactions, one every 2 ms, so the trace is large.",
    "objectives:",
    "  - See a large trace stored and served while it runs.",
    "nodes: [coord, p1, p2, p3]",
    "seed: 1",
    "network: { delay: { min: 2, max: 10 } }",
    "config: { coordinator: coord }",
    "workload:",
  ];
  for (let i = 0; i < transactions; i++) {
    lines.push(`  - { at: ${i * 2}, node: coord, op: begin, args: { tx: t${i + 1} } }`);
  }
  lines.push("limits: { maxTime: 10000000, maxEvents: 1000000 }");
  return lines.join("\n") + "\n";
}

export async function collect(iterator: AsyncIterable<TraceEvent>): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for await (const event of iterator) events.push(event);
  return events;
}

/** Asserts the events are exactly seq from, from + 1, ... with no gap and no duplicate. */
export function gaplessFrom(events: readonly TraceEvent[], from: number): string | undefined {
  for (let i = 0; i < events.length; i++) {
    const seq = (events[i] as TraceEvent).seq;
    if (seq !== from + i) return `event ${i} has seq ${seq}, expected ${from + i}`;
  }
  return undefined;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until check() is true, polling every 5 ms, or fails after timeoutMs. The check
 * may be asynchronous, since the run service answers through the store's promises.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(5);
  }
}
