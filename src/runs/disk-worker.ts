import {
  applyRetention,
  openTraceWriter,
  type DeleteOutcome,
  type ReclaimReport,
  type RetentionPolicy,
  type Store,
} from "../store";

/**
 * The task module of the disk service's thread (piscina): deleting a run, or a whole
 * retention pass, on a connection of its own, so that deleting a million trace rows
 * (about a second per 100,000 on a busy machine) never stalls the thread that answers
 * requests. Each run is still deleted in one transaction: whole or not at all.
 */
export type DiskTask =
  | { readonly kind: "delete"; readonly dbPath: string; readonly runId: string }
  | { readonly kind: "pass"; readonly dbPath: string; readonly policy: RetentionPolicy; readonly nowMs: number };

/** One connection per database file, kept while the thread lives. */
const connections = new Map<string, Store>();

function storeFor(dbPath: string): Store {
  let store = connections.get(dbPath);
  if (store === undefined) {
    store = openTraceWriter(dbPath);
    connections.set(dbPath, store);
  }
  return store;
}

/** Runs one disk task (the same code the main thread runs for an in-memory database). */
export function runDiskTask(store: Store, task: DiskTask): Promise<DeleteOutcome | ReclaimReport> {
  if (task.kind === "delete") return Promise.resolve(store.disk.deleteRun(task.runId));
  return applyRetention(store.disk, task.policy, new Date(task.nowMs));
}

/** piscina calls this for every task. */
export default function diskTask(task: DiskTask): Promise<DeleteOutcome | ReclaimReport> {
  return runDiskTask(storeFor(task.dbPath), task);
}
