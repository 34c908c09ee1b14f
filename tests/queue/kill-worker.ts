import { openRunQueue } from "../../src/queue/pg-boss";
import { FAST_QUEUE } from "./support";

/**
 * A worker process for kill-nine.test.ts: takes jobs from the queue named by its
 * environment, prints one JSON line per job it takes, and never finishes one, so the
 * test can kill it with SIGKILL in the middle of a try.
 */
async function main(): Promise<void> {
  const url = process.env.QUEUE_URL;
  const schema = process.env.QUEUE_SCHEMA;
  const retries = Number(process.env.QUEUE_RETRIES ?? "2");
  if (url === undefined || schema === undefined) {
    throw new Error("kill-worker: set QUEUE_URL and QUEUE_SCHEMA");
  }
  const queue = await openRunQueue(url, { ...FAST_QUEUE, schema, retries });
  await queue.work(
    async (job, attempt) => {
      process.stdout.write(`${JSON.stringify({ took: job.runId, retry: attempt.retry })}\n`);
      await new Promise<never>(() => undefined);
    },
    { concurrency: 1 },
  );
  process.stdout.write(`${JSON.stringify({ working: true })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kill-worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
