import { openRunQueue } from "../../src/queue/pg-boss";
import { FAST_QUEUE } from "./support";

/**
 * A worker process for the queue tests: takes jobs from the queue its environment names
 * and prints one JSON line per job it takes. QUEUE_MODE "hold" never finishes a job (so
 * a test can kill the process with SIGKILL mid-try); "finish" completes each one and
 * closes the queue on SIGTERM.
 */
async function main(): Promise<void> {
  const url = process.env.QUEUE_URL;
  const schema = process.env.QUEUE_SCHEMA;
  const retries = Number(process.env.QUEUE_RETRIES ?? "2");
  const concurrency = Number(process.env.QUEUE_CONCURRENCY ?? "1");
  const hold = process.env.QUEUE_MODE !== "finish";
  if (url === undefined || schema === undefined) {
    throw new Error("worker-process: set QUEUE_URL and QUEUE_SCHEMA");
  }
  const queue = await openRunQueue(url, { ...FAST_QUEUE, schema, retries });
  process.once("SIGTERM", () => {
    void queue.close().then(() => process.exit(0));
  });
  await queue.work(
    async (job, attempt) => {
      process.stdout.write(`${JSON.stringify({ took: job.runId, retry: attempt.retry })}\n`);
      if (hold) await new Promise<never>(() => undefined);
    },
    { concurrency },
  );
  process.stdout.write(`${JSON.stringify({ working: true })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`worker-process: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
