import type { Release, RunBus } from "../bus";
import type { FaultlineStore } from "../store/contract";

/**
 * Resolves once the run is no longer RUNNING: woken by the bus's notes, and reading the
 * store every `pollMs` anyway (a note can be lost; the store cannot).
 */
export async function awaitRunEnd(store: FaultlineStore, bus: RunBus, runId: string, pollMs: number): Promise<void> {
  let wake: (() => void) | undefined;
  const release: Release = await bus.listen(runId, (note) => {
    if (note.status !== "RUNNING" || note.resync === true) wake?.();
  });
  try {
    for (;;) {
      if ((await store.runs.get(runId))?.status !== "RUNNING") return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await release();
  }
}
