import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { JsonObject } from "../../../src/sim/json";
import type { EventKind, TraceEvent } from "../../../src/sim/types";
import { Simulation } from "../../../src/sim/world";
import type { FaultlineStore } from "../../../src/store/contract";
import { toEventRow, type EventRow, type NewRun, type RunCompletion } from "../../../src/store";
import { openFaultlineStore, type OpenedFaultlineStore, type OpenMode } from "../../../src/store/open";
import { echoProtocol, spec } from "../../sim/helpers";
import { freshPgSchema } from "../../support/pg";

/**
 * One empty database of one kind for one test: a SQLite temp file, or a PostgreSQL schema
 * of its own. open() goes through openFaultlineStore, as the server and workers do; every
 * store it opens is closed, and the database removed, when the test ends.
 */
export interface Place {
  readonly locator: string;
  open(mode: OpenMode): Promise<OpenedFaultlineStore>;
  /** open("owner")'s store. */
  owner(): Promise<FaultlineStore>;
}

export interface Backend {
  readonly name: "sqlite" | "postgres";
  place(t: TestContext): Promise<Place>;
}

function placeAt(t: TestContext, locator: string, remove: () => Promise<void> | void): Place {
  const opened: FaultlineStore[] = [];
  t.after(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await remove();
  });
  const open = async (mode: OpenMode) => {
    const result = await openFaultlineStore(locator, mode);
    opened.push(result.store);
    return result;
  };
  return { locator, open, owner: async () => (await open("owner")).store };
}

export const sqliteBackend: Backend = {
  name: "sqlite",
  async place(t) {
    const dir = mkdtempSync(join(tmpdir(), "faultline-contract-"));
    return placeAt(t, join(dir, "faultline.db"), () => rmSync(dir, { recursive: true, force: true }));
  },
};

export const postgresBackend: Backend = {
  name: "postgres",
  async place(t) {
    const schema = await freshPgSchema();
    return placeAt(t, schema.url, () => schema.drop());
  },
};

export const SOURCE = "id: echo-demo\ntitle: Echo\n";

export async function addScenario(store: FaultlineStore, id = "echo-demo", topic = "transactions"): Promise<void> {
  await store.scenarios.upsertAll([{ id, title: "Echo", topic, protocol: "echo", source: SOURCE }]);
}

export function newRun(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id,
    scenarioId: "echo-demo",
    seed: 7,
    pace: null,
    scenarioSource: SOURCE,
    scenarioFile: "transactions/echo-demo.yaml",
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

export function completion(eventCount: number, overrides: Partial<RunCompletion> = {}): RunCompletion {
  return {
    eventCount,
    traceHash: "a".repeat(64),
    stopReason: "quiescent",
    finalNodes: "[]",
    finishedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** n synthetic rows from seq `from`, with nested data and text that tests the escaping of every layer. */
export function syntheticRows(n: number, from = 0): EventRow[] {
  const kinds: EventKind[] = ["SEND", "DELIVER", "STATE_CHANGE", "NOTE"];
  const rows: EventRow[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const data: JsonObject = { from: "a", to: "b", message: { type: "PING", n: seq, text: 'quote " back\\slash' } };
    rows.push(
      toEventRow({
        seq,
        time: seq * 2,
        node: seq % 2 === 0 ? "a" : "b",
        kind: kinds[seq % kinds.length] as EventKind,
        summary: `event ${seq} explained in one sentence, {braces}, "quotes", ümlaut, 日本, 🙂.`,
        lamport: seq + 1,
        vclock: { a: seq, b: seq >> 1 },
        data: seq % 5 === 0 ? null : data,
      }),
    );
  }
  return rows;
}

/** A real trace from the core: three nodes ping each other. */
export function realTrace(): { events: TraceEvent[]; traceHash: string } {
  const ping = (node: string, at: number) => ({
    trigger: { type: "at" as const, at },
    node,
    op: "ping",
    args: {},
    followRedirects: 0,
  });
  const result = new Simulation(
    echoProtocol,
    { persistPings: true },
    spec({ workload: [ping("a", 0), ping("b", 3)] }),
  ).run();
  return { events: [...result.events], traceHash: result.traceHash };
}

/** Every stored event of a run, read in pages through range(). */
export async function allEvents(store: FaultlineStore, runId: string): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for (;;) {
    const page = await store.events.range(runId, events.length, 2_000);
    events.push(...page);
    if (page.length < 2_000) return events;
  }
}
