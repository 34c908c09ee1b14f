import { parentPort, workerData } from "node:worker_threads";
import { openTraceWriter, type EventRow } from "../../src/store";

/** A test writer on its own connection: appends `events` rows to its run in batches of `batchRows`. */
interface AppendJob {
  readonly dbPath: string;
  readonly runId: string;
  readonly events: number;
  readonly batchRows: number;
}

const job = workerData as AppendJob;
const store = openTraceWriter(job.dbPath);
try {
  let nextSeq = 0;
  while (nextSeq < job.events) {
    const rows: EventRow[] = [];
    const end = Math.min(job.events, nextSeq + job.batchRows);
    for (let seq = nextSeq; seq < end; seq++) {
      rows.push([seq, seq, "n1", "NOTE", `event ${seq}`, seq, '{"n1":1}', null]);
    }
    nextSeq = store.appendEvents(job.runId, nextSeq, rows);
  }
  parentPort?.postMessage({ ok: true });
} catch (error) {
  parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
} finally {
  store.close();
}
