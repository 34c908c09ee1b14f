import { parentPort, workerData } from "node:worker_threads";
import { runCheckJob, type CheckJob } from "./job";

/** One linearizability check in a worker thread, so the API's event loop keeps answering while the search runs. */

const job = (workerData as { linearizabilityCheck?: CheckJob } | null)?.linearizabilityCheck;
if (parentPort !== null && job !== undefined) parentPort.postMessage(runCheckJob(job));
