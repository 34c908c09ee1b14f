import { resolve } from "node:path";
import { retentionFromEnv } from "../runs";
import { openStoreBeside, vacuum, type Role, type Store } from "../store";
import { UsageError, type Print } from "./options";

/** The database the commands below open: DB_PATH, as for `npm start`. */
export function databasePath(env: NodeJS.ProcessEnv): string {
  return resolve(env["DB_PATH"] ?? "./data/faultline.db");
}

/** Opens the database beside a server that may be running (openStoreBeside), for one piece of work. */
export function withStore<T>(dbPath: string, work: (store: Store) => T): T {
  let store: Store;
  try {
    store = openStoreBeside(dbPath);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  try {
    return work(store);
  } finally {
    store.close();
  }
}

/** `db stats`: one line per table group, "name count", so scripts can read it. */
export function dbStatsCommand(env: NodeJS.ProcessEnv, print: Print): void {
  withStore(databasePath(env), (store) => {
    const stats = store.disk.stats();
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
  let store: Store;
  try {
    store = openStoreBeside(databasePath(env));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  try {
    const report = await vacuum(store.disk, store.db, policy, new Date());
    print(`runs_deleted ${report.runsDeleted}`);
    print(`traces_reclaimed ${report.tracesReclaimed}`);
    print(`events_deleted ${report.eventsDeleted}`);
    print(`sources_deleted ${report.sourcesDeleted}`);
    print(`bytes_before ${report.bytesBefore}`);
    print(`bytes_after ${report.bytesAfter}`);
  } finally {
    store.close();
  }
}

/** `token create --role instructor|student [--student ID]`: prints the new token, the only time it is shown. */
export function tokenCreateCommand(
  env: NodeJS.ProcessEnv,
  options: { readonly role: string; readonly student?: string; readonly expires?: string },
  print: Print,
): void {
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
  withStore(databasePath(env), (store) => {
    const studentId = options.student ?? null;
    if (studentId !== null && store.grading.student(studentId) === undefined) {
      throw new UsageError(`option --student: there is no student with id "${studentId}"`);
    }
    print(store.grading.createToken(role, studentId, expiresAt));
  });
}
