import { parentPort, workerData } from "node:worker_threads";
import type { EventRow } from "../../../src/store";
import { writerStoreFor } from "../../../src/store/open";

/** A worker thread writing one run's trace through the contract, as the run workers do. */
export interface AppendJob {
  /** A SQLite path or a postgres:// URL. */
  readonly locator: string;
  readonly runId: string;
  readonly events: number;
  readonly batchRows: number;
}

async function main(job: AppendJob): Promise<void> {
  const store = await writerStoreFor(job.locator);
  try {
    let nextSeq = 0;
    while (nextSeq < job.events) {
      const rows: EventRow[] = [];
      const end = Math.min(job.events, nextSeq + job.batchRows);
      for (let seq = nextSeq; seq < end; seq++) {
        rows.push([seq, seq, "n1", "NOTE", `event ${seq}`, seq, '{"n1":1}', null]);
      }
      nextSeq = await store.appendEvents(job.runId, nextSeq, rows);
    }
  } finally {
    await store.close();
  }
}

main(workerData as AppendJob).then(
  () => parentPort?.postMessage({ ok: true }),
  (error: unknown) =>
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
