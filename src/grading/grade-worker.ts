import { writerStoreFor } from "../store/open";
import { performGradingTask, scenarioParser, type GradeResult, type GradingTask } from "./task";

/**
 * The task module of the grading pool (piscina, pool.ts): grading's simulations
 * (a student's runs, keys, schedules) off the API's main thread. A thread keeps its
 * own connection to the database (to store the runs it makes) and the scenarios it
 * parsed, between tasks.
 */

const scenarioOf = scenarioParser();

export interface PooledGradingTask {
  readonly dbPath: string;
  readonly task: GradingTask;
}

/** piscina calls this for every task. */
export default async function gradingTask({ dbPath, task }: PooledGradingTask): Promise<GradeResult | string> {
  return performGradingTask(task, await writerStoreFor(dbPath), scenarioOf);
}
