import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Xorshift } from "../measure";
import { call } from "./graphql";
import type { Problems } from "./problems";
import { submit, type Course } from "./setup";
import type { Endpoint, LoadTarget } from "./workload";

/** The back-to-back loops of the load: unpaced runs, and students' submissions. */

/** Unpaced runs: the smallest transaction scenario, so runs/s measures the run path, not one big simulation. */
export const UNPACED_SCENARIO = "2pc-happy-path";

/** `loops` loops, each starting an unpaced run as soon as its last one completed, until the deadline. */
export async function unpacedRuns(
  url: string,
  loops: number,
  deadline: number,
  problems: Problems,
): Promise<{ completed: number; seconds: number }> {
  const began = performance.now();
  let completed = 0;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      const seeds = new Xorshift(loop + 1);
      while (performance.now() < deadline) {
        const seed = seeds.below(2_147_483_647);
        try {
          const run = await call<{ startRun: { id: string; status: string } }>(
            url,
            `mutation($id: ID!, $seed: Int) { startRun(scenarioId: $id, seed: $seed) { id status } }`,
            { id: UNPACED_SCENARIO, seed },
          );
          if (run.startRun.status === "COMPLETED") completed += 1;
          else problems.add(`unpaced run ${run.startRun.id} (seed ${seed})`, `ended ${run.startRun.status}`);
        } catch (error) {
          problems.add(`unpaced run (seed ${seed})`, error);
          await sleep(100);
        }
      }
    }),
  );
  return { completed, seconds: (performance.now() - began) / 1000 };
}

/** Submissions back to back, one loop per student, spread over the API instances. */
export async function submissions(
  target: LoadTarget,
  course: Course,
  deadline: number,
  problems: Problems,
): Promise<{ count: number; seconds: number }> {
  const began = performance.now();
  let count = 0;
  await Promise.all(
    course.studentTokens.map(async (token, index) => {
      const url = (target.apis[index % target.apis.length] as Endpoint).url;
      while (performance.now() < deadline) {
        try {
          if (typeof (await submit(url, course, token)) === "number") count += 1;
        } catch (error) {
          problems.add(`submission of student ${index}`, error);
          await sleep(100);
        }
      }
    }),
  );
  return { count, seconds: (performance.now() - began) / 1000 };
}
