import type { Client } from "graphql-ws";

/**
 * A subscriber following one run with runEvents from seq 0, and the check of what it
 * got against what the run stored: every stored event exactly once, in seq order.
 */

export interface Followed {
  readonly runId: string;
  /** The seq of every event received, in the order received. */
  readonly received: number[];
  /** Resolves when the subscription completes, fails, or is given up (never rejects). */
  readonly done: Promise<void>;
  /** Whether the server completed the subscription (it does when the run ends). */
  completed(): boolean;
  /** What went wrong (a GraphQL or socket error, or giving up), or null. */
  error(): string | null;
  /** Stops waiting: an unfinished subscription counts its missing events as lost. */
  giveUp(reason: string): void;
}

const RUN_EVENTS = "subscription($id: ID!) { runEvents(runId: $id, fromSeq: 0) { seq } }";

export function follow(client: Client, runId: string): Followed {
  const received: number[] = [];
  let completed = false;
  let error: string | null = null;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const unsubscribe = client.subscribe<{ runEvents: { seq: number } }>(
    { query: RUN_EVENTS, variables: { id: runId } },
    {
      next: (value) => {
        const seq = value.data?.runEvents.seq;
        if (typeof seq === "number") received.push(seq);
        else error ??= `an event without a seq: ${JSON.stringify(value).slice(0, 300)}`;
      },
      error: (cause: unknown) => {
        error ??= describe(cause);
        finish();
      },
      complete: () => {
        completed = error === null;
        finish();
      },
    },
  );
  return {
    runId,
    received,
    done,
    completed: () => completed,
    error: () => error,
    giveUp: (reason) => {
      if (completed) return;
      error ??= reason;
      unsubscribe();
      finish();
    },
  };
}

export interface Loss {
  /** Stored events the subscriber never received. */
  readonly missing: number;
  /** Received events whose seq was not greater than the one before (out of order or repeated). */
  readonly outOfOrder: number;
  /** Received seqs the run never stored. */
  readonly unexpected: number;
  /** The first few missing seqs (at most MISSING_SEQS_SHOWN), for the report: where in the run the stream broke. */
  readonly missingSeqs: readonly number[];
}

const MISSING_SEQS_SHOWN = 10;

/** What a subscriber lost, comparing the seqs it received with the run's stored seqs. */
export function lossOf(stored: readonly number[], received: readonly number[]): Loss {
  const storedSet = new Set(stored);
  const receivedSet = new Set(received);
  let missing = 0;
  const missingSeqs: number[] = [];
  for (const seq of stored) {
    if (receivedSet.has(seq)) continue;
    missing += 1;
    if (missingSeqs.length < MISSING_SEQS_SHOWN) missingSeqs.push(seq);
  }
  let outOfOrder = 0;
  for (let i = 1; i < received.length; i++) if ((received[i] as number) <= (received[i - 1] as number)) outOfOrder += 1;
  let unexpected = 0;
  for (const seq of received) if (!storedSet.has(seq)) unexpected += 1;
  return { missing, outOfOrder, unexpected, missingSeqs };
}

export function totalLost(loss: Loss): number {
  return loss.missing + loss.outOfOrder + loss.unexpected;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (Array.isArray(cause)) return JSON.stringify(cause).slice(0, 300);
  if (typeof cause === "object" && cause !== null && "code" in cause && "reason" in cause) {
    return `socket closed ${String(cause.code)} ${String(cause.reason)}`;
  }
  return String(cause);
}
