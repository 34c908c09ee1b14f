import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** The id of the long scenario: a 2PC whose coordinator crashes, so the participants ask for the decision forever. */
export const LARGE = "blocked-forever";

/** Small and quick: the happy path of two-phase commit, a few dozen events. */
export const SMALL = "happy-path";

const scenario = (id: string, maxEvents: number, crash: boolean): string =>
  [
    `id: ${id}`,
    `title: ${crash ? "A coordinator that never comes back" : "Everyone votes yes"}`,
    "topic: transactions",
    "protocol: two-phase-commit",
    "summary: A scenario for the API's limit tests.",
    "objectives: [Exercise the limits.]",
    "nodes: [coord, p1, p2, p3]",
    "seed: 7",
    "network: { delay: { min: 2, max: 10 } }",
    "config: { coordinator: coord, decisionRequestMs: 5 }",
    "workload:",
    "  - { at: 0, node: coord, op: begin, args: { tx: t1, participants: [p1, p2, p3], keys: [x] } }",
    ...(crash
      ? [
          "faults:",
          "  - { when: { event: { kind: DELIVER, to: coord, message: VOTE_YES, count: 3 } }, do: crash, node: coord }",
        ]
      : []),
    `limits: { maxTime: 100000000, maxEvents: ${maxEvents} }`,
    "",
  ].join("\n");

/**
 * A scenarios directory, removed after the file's tests, with LARGE (maxEvents events)
 * and SMALL; returns a function for useServer, called once a before() hook runs.
 */
export function largeScenarios(maxEvents: number): () => string {
  let dir: string | undefined;
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    dir = mkdtempSync(join(tmpdir(), "faultline-limits-scenarios-"));
    mkdirSync(join(dir, "transactions"), { recursive: true });
    writeFileSync(join(dir, "transactions", `${LARGE}.yaml`), scenario(LARGE, maxEvents, true));
    writeFileSync(join(dir, "transactions", `${SMALL}.yaml`), scenario(SMALL, maxEvents, false));
    return dir;
  };
}
