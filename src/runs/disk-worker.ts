import { applyRetention, type DeleteOutcome, type ReclaimReport, type RetentionPolicy } from "../store";
import type { FaultlineStore } from "../store/contract";
import { writerStoreFor } from "../store/open";

/**
 * The task module of the disk service's thread (piscina): deleting a run, or a whole
 * retention pass, on a connection of its own, so that deleting a million trace rows
 * (about a second per 100,000 on a busy machine) never stalls the thread that answers
 * requests. Each run is still deleted in one transaction: whole or not at all.
 * `dbPath` is the store's locator: a SQLite file or a PostgreSQL URL.
 */
export type DiskTask =
  | { readonly kind: "delete"; readonly dbPath: string; readonly runId: string }
  | { readonly kind: "pass"; readonly dbPath: string; readonly policy: RetentionPolicy; readonly nowMs: number };

/** Runs one disk task (the same code the main thread runs for an in-memory database). */
export function runDiskTask(store: FaultlineStore, task: DiskTask): Promise<DeleteOutcome | ReclaimReport> {
  if (task.kind === "delete") return store.disk.deleteRun(task.runId);
  return applyRetention(store.disk, task.policy, new Date(task.nowMs));
}

/** piscina calls this for every task. */
export default async function diskTask(task: DiskTask): Promise<DeleteOutcome | ReclaimReport> {
  return runDiskTask(await writerStoreFor(task.dbPath), task);
}
