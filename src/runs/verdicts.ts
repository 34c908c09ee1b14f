import { performance } from "node:perf_hooks";
import {
  checkLinearizability,
  historyFromTrace,
  HistoryError as LinearizabilityInputError,
  MAX_OPERATIONS,
  type LinearizabilityReport,
} from "../checkers/linearizability";
import {
  checkSerializability,
  EDGE_KINDS,
  HistoryError as SerializabilityInputError,
  LIMITS,
  type EdgeKind,
  type SerializabilityResult,
} from "../checkers/serializability";
import { rwRegisterHistory, type IsolationConfig } from "../protocols/isolation";
import type { Scenario } from "../scenarios/types";
import type { JsonObject } from "../sim/json";
import type { EventKind, TraceEvent } from "../sim/types";
import type { StoredVerdicts } from "../store";
import type { FaultlineStore } from "../store/contract";

/**
 * A run's history verdicts (issues 10 and 11): its client operations judged for
 * linearizability and its transactions for serializability, computed once, in the
 * worker thread that ran it, and stored with the run (src/store/verdicts.ts). Runs
 * stored before the verdicts had a column get them the same way on first request
 * (a "verdicts" task on the run pool, below), never on the API's main thread.
 *
 * Each check has a time budget (VERDICT_BUDGET_MS); past it the verdict is UNKNOWN
 * and says so, so a large run can never hold its worker for long.
 */

/** Wall time each checker may take on one run, in ms. */
export const VERDICT_BUDGET_MS = 5_000;
/**
 * Events a run may hand to the checkers: two per client operation at the
 * linearizability checker's limit, plus one per transaction at the serializability
 * checker's. A run past it gets UNKNOWN verdicts that name the limit.
 */
export const MAX_VERDICT_EVENTS = 2 * MAX_OPERATIONS + LIMITS.transactions;
/** The kinds of event the checkers read: client operations and transaction commits and aborts. */
export const VERDICT_EVENT_KINDS: readonly EventKind[] = ["CLIENT_INVOKE", "CLIENT_RETURN", "STATE_CHANGE"];

export interface LinearizabilityRecord extends LinearizabilityReport {
  readonly elapsedMs: number;
}

export interface SerializabilityRecord extends SerializabilityResult {
  readonly elapsedMs: number;
}

/** A run's verdicts; null where the run has no such history. */
export interface RunVerdicts {
  readonly linearizability: LinearizabilityRecord | null;
  readonly serializability: SerializabilityRecord | null;
}

/**
 * The run's transactions in the serializability checker's shape, per protocol that
 * records reads and writes. The sagas are not here: their steps are bookings and
 * payments, not reads and writes of registers, so they have no such history (their
 * own checkers judge them).
 */
const TRANSACTION_HISTORIES: Readonly<
  Record<string, (config: unknown, events: readonly TraceEvent[]) => JsonObject | null>
> = {
  isolation: (config, events) => rwRegisterHistory(config as IsolationConfig, events),
};

/** Keeps the events the checkers need while a run streams by, then judges them. */
export class VerdictCollector {
  private readonly kept: TraceEvent[] = [];
  private overflow = false;

  constructor(private readonly scenario: Scenario) {}

  observe(event: TraceEvent): void {
    if (!VERDICT_EVENT_KINDS.includes(event.kind)) return;
    if (event.kind === "STATE_CHANGE" && !this.transactional(event)) return;
    if (this.kept.length >= MAX_VERDICT_EVENTS) this.overflow = true;
    else this.kept.push(event);
  }

  /** Both verdicts, as the JSON text the runs table stores. */
  finish(): StoredVerdicts {
    const verdicts = this.overflow ? tooLarge() : judge(this.scenario, this.kept);
    return {
      linearizability: JSON.stringify(verdicts.linearizability),
      serializability: JSON.stringify(verdicts.serializability),
    };
  }

  private transactional(event: TraceEvent): boolean {
    if (!(this.scenario.protocol in TRANSACTION_HISTORIES)) return false;
    const fact = event.data?.["fact"];
    return fact === "commit" || fact === "abort";
  }
}

function judge(scenario: Scenario, events: readonly TraceEvent[]): RunVerdicts {
  return { linearizability: judgeLinearizability(events), serializability: judgeSerializability(scenario, events) };
}

function judgeLinearizability(events: readonly TraceEvent[]): LinearizabilityRecord | null {
  const extracted = historyFromTrace(events);
  if (extracted === null) return null;
  const started = performance.now();
  const names = extracted.clientNames;
  try {
    const report = checkLinearizability(extracted.history, {
      expired: () => performance.now() - started > VERDICT_BUDGET_MS,
      positionName: "seq",
      clientName: (client) => names[client] ?? `client ${client}`,
    });
    return { ...report, elapsedMs: performance.now() - started };
  } catch (error) {
    if (!(error instanceof LinearizabilityInputError)) throw error;
    return unknownLinearizability(
      extracted.history.operations.length,
      `the run's history was refused: ${error.message}`,
    );
  }
}

function judgeSerializability(scenario: Scenario, events: readonly TraceEvent[]): SerializabilityRecord | null {
  const history = TRANSACTION_HISTORIES[scenario.protocol]?.(scenario.config, events) ?? null;
  if (history === null) return null;
  const started = performance.now();
  try {
    const result = checkSerializability(history, {
      pastDeadline: () => performance.now() - started > VERDICT_BUDGET_MS,
    });
    return { ...result, elapsedMs: performance.now() - started };
  } catch (error) {
    if (!(error instanceof SerializabilityInputError)) throw error;
    return unknownSerializability(`the run's history was refused: ${error.message}`);
  }
}

function tooLarge(): RunVerdicts {
  const why = `the run has more than ${MAX_VERDICT_EVENTS} client and transaction events (MAX_VERDICT_EVENTS), too many to check`;
  return { linearizability: unknownLinearizability(0, why), serializability: unknownSerializability(why) };
}

function unknownLinearizability(operations: number, why: string): LinearizabilityRecord {
  return {
    verdict: "UNKNOWN",
    explanation: `Unknown: ${why}.`,
    operations,
    prefix: null,
    failedOp: null,
    elapsedMs: 0,
  };
}

function unknownSerializability(why: string): SerializabilityRecord {
  const edgeCounts = Object.fromEntries(EDGE_KINDS.map((kind) => [kind, 0])) as Record<EdgeKind, number>;
  return { verdict: "UNKNOWN", anomalies: [], transactions: 0, reason: why, edgeCounts, elapsedMs: 0 };
}

/** Reads stored verdict columns; undefined for a column not computed yet. */
export function parseVerdicts(stored: StoredVerdicts): Partial<RunVerdicts> {
  return {
    linearizability:
      stored.linearizability === null
        ? undefined
        : (JSON.parse(stored.linearizability) as LinearizabilityRecord | null),
    serializability:
      stored.serializability === null
        ? undefined
        : (JSON.parse(stored.serializability) as SerializabilityRecord | null),
  };
}

/** Events read from the store per page while a stored run's verdicts are computed. */
const PAGE_EVENTS = 5_000;

/**
 * The verdicts of a run already in the store (one stored before migration 4, or a
 * run still RUNNING): its events are read back a page at a time and judged. A
 * finished run's verdicts are stored (only where its columns are still empty); a
 * RUNNING run's are not, since its history is still growing.
 */
export async function computeStoredVerdicts(
  store: FaultlineStore,
  scenario: Scenario,
  runId: string,
): Promise<StoredVerdicts> {
  const collector = new VerdictCollector(scenario);
  for (let after = -1; ;) {
    const page = await store.events.page(runId, { after, limit: PAGE_EVENTS, kinds: [...VERDICT_EVENT_KINDS] });
    for (const event of page) collector.observe(event);
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE_EVENTS) break;
    after = last.seq;
  }
  const verdicts = collector.finish();
  await store.verdicts.fill(runId, verdicts);
  // What the store holds wins: another process may have stored its verdicts first.
  const stored = await store.verdicts.get(runId);
  return {
    linearizability: stored?.linearizability ?? verdicts.linearizability,
    serializability: stored?.serializability ?? verdicts.serializability,
  };
}
