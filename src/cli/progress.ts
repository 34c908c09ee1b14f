import { performance } from "node:perf_hooks";

/** A run shorter than this never shows a bar: a bar that flashes for a moment only distracts. */
const SHOW_AFTER_MS = 300;
/** The bar is redrawn at most this often. */
const REDRAW_MS = 100;
const WIDTH = 30;

/**
 * Runs an in-process simulation, drawing a progress bar on stderr while it is long:
 * only when stderr is a terminal (never into a pipe, a file or a test's capture), and
 * erased when the run ends, so what the command prints is the same either way. The
 * bar measures events against the scenario's maxEvents, the one bound a run cannot pass
 * (most runs stop earlier: quiescent or maxTime).
 */
export function runWithProgress<T>(
  maxEvents: number,
  run: (onStep: ((lastSeq: number) => void) | undefined) => T,
  stream: NodeJS.WriteStream = process.stderr,
): T {
  if (stream.isTTY !== true) return run(undefined);
  const started = performance.now();
  let drawnAt = 0;
  let drawn = false;
  const onStep = (lastSeq: number): void => {
    const now = performance.now();
    if (now - started < SHOW_AFTER_MS || now - drawnAt < REDRAW_MS) return;
    drawnAt = now;
    drawn = true;
    const events = lastSeq + 1;
    const filled = Math.min(WIDTH, Math.floor((events / maxEvents) * WIDTH));
    stream.write(
      `\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${events.toLocaleString("en-US")} events ` +
        `(at most ${maxEvents.toLocaleString("en-US")}), ${((now - started) / 1000).toFixed(1)} s`,
    );
  };
  try {
    return run(onStep);
  } finally {
    if (drawn) stream.write("\r\x1b[K");
  }
}
