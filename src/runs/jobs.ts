import type { Release, RunBus } from "../bus";
import type { FaultlineStore } from "../store/contract";

/**
 * What the run engine needs of the durable job queue (src/queue: pg-boss on the
 * PostgreSQL store). A job names a run that is already stored RUNNING with its source,
 * seed and schedule, so a job carries nothing else and any worker can take it.
 */
export interface RunJob {
  readonly runId: string;
}

export interface JobAttempt {
  /** 0 for the first try; more when an earlier worker failed or died with the job. */
  readonly retry: number;
  /** No retry follows if this try fails. */
  readonly final: boolean;
}

export interface RunJobQueue {
  enqueue(job: RunJob): Promise<string>;
  work(
    handler: (job: RunJob, attempt: JobAttempt) => Promise<void>,
    options: { readonly concurrency: number },
  ): Promise<void>;
  /** A job whose last try failed or expired. */
  onDead(handler: (job: RunJob, error: string) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Resolves once the run is no longer RUNNING: woken by the bus's notes, and reading the
 * store every `pollMs` anyway (a note can be lost; the store cannot).
 */
export async function awaitRunEnd(store: FaultlineStore, bus: RunBus, runId: string, pollMs: number): Promise<void> {
  let wake: (() => void) | undefined;
  const release: Release = await bus.listen(runId, (note) => {
    if (note.status !== "RUNNING" || note.resync === true) wake?.();
  });
  try {
    for (;;) {
      if ((await store.runs.get(runId))?.status !== "RUNNING") return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await release();
  }
}
