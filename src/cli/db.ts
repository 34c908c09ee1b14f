import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { retentionFromEnv } from "../runs";
import { vacuum, type Role } from "../store";
import type { FaultlineStore } from "../store/contract";
import { isPostgresUrl, openFaultlineStore } from "../store/open";
import { UsageError, type Print } from "./options";

/** The store the commands below open: DATABASE_URL when it is set, else the SQLite file DB_PATH, as for `npm start`. */
export function databasePath(env: NodeJS.ProcessEnv): string {
  const url = env["DATABASE_URL"]?.trim();
  if (url !== undefined && url !== "") return url;
  return resolve(env["DB_PATH"] ?? "./data/faultline.db");
}

/** Whether the store a locator names is there to open (a PostgreSQL URL is, until connecting says otherwise). */
export function storeExists(locator: string): boolean {
  return isPostgresUrl(locator) || locator === ":memory:" || existsSync(locator);
}

/** Opens the store beside a server that may be running ("beside": it touches no run), for one piece of work. */
export async function withStore<T>(locator: string, work: (store: FaultlineStore) => Promise<T> | T): Promise<T> {
  let store: FaultlineStore;
  try {
    store = (await openFaultlineStore(locator, "beside")).store;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** `db stats`: one line per table group, "name count", so scripts can read it. */
export async function dbStatsCommand(env: NodeJS.ProcessEnv, print: Print): Promise<void> {
  await withStore(databasePath(env), async (store) => {
    const stats = await store.disk.stats();
    print(`runs ${stats.runs}`);
    print(`events ${stats.events}`);
    print(`violations ${stats.violations}`);
    print(`sources ${stats.sources}`);
    print(`source_bytes ${stats.sourceBytes}`);
    print(`submissions ${stats.submissions}`);
    print(`bytes ${stats.bytes}`);
    print(`free_bytes ${stats.freeBytes}`);
  });
}

export interface VacuumOptions {
  readonly keepRunsPerScenario?: number;
  readonly keepRunsDays?: number;
  readonly failedTraceMinutes?: number;
}

/** `db vacuum`: retention (the environment's policy, or the options'), reclaimed FAILED traces, then VACUUM. */
export async function dbVacuumCommand(env: NodeJS.ProcessEnv, options: VacuumOptions, print: Print): Promise<void> {
  const fromEnv = retentionFromEnv(env).policy;
  const policy = {
    ...fromEnv,
    ...(options.keepRunsPerScenario === undefined ? {} : { keepRunsPerScenario: options.keepRunsPerScenario }),
    ...(options.keepRunsDays === undefined ? {} : { keepRunsDays: options.keepRunsDays }),
    ...(options.failedTraceMinutes === undefined ? {} : { failedTraceMinutes: options.failedTraceMinutes }),
  };
  await withStore(databasePath(env), async (store) => {
    const report = await vacuum(store.disk, policy, new Date());
    print(`runs_deleted ${report.runsDeleted}`);
    print(`traces_reclaimed ${report.tracesReclaimed}`);
    print(`events_deleted ${report.eventsDeleted}`);
    print(`sources_deleted ${report.sourcesDeleted}`);
    print(`bytes_before ${report.bytesBefore}`);
    print(`bytes_after ${report.bytesAfter}`);
  });
}

/** `token create --role instructor|student [--student ID]`: prints the new token, the only time it is shown. */
export async function tokenCreateCommand(
  env: NodeJS.ProcessEnv,
  options: { readonly role: string; readonly student?: string; readonly expires?: string },
  print: Print,
): Promise<void> {
  const role = options.role as Role;
  if (role === "student" && options.student === undefined) {
    throw new UsageError("a student token needs --student <student-id> (createStudent gives one)");
  }
  if (role === "instructor" && options.student !== undefined) {
    throw new UsageError("option --student is for student tokens; an instructor token names nobody");
  }
  let expiresAt: string | null = null;
  if (options.expires !== undefined) {
    const at = Date.parse(options.expires);
    if (Number.isNaN(at)) throw new UsageError(`option --expires needs an ISO 8601 date; got "${options.expires}"`);
    expiresAt = new Date(at).toISOString();
  }
  await withStore(databasePath(env), async (store) => {
    const studentId = options.student ?? null;
    if (studentId !== null && (await store.grading.student(studentId)) === undefined) {
      throw new UsageError(`option --student: there is no student with id "${studentId}"`);
    }
    print(await store.grading.createToken(role, studentId, expiresAt));
  });
}
