import type { FaultAction } from "../sim/spec";
import type { Intervention } from "../sim/interventions";

/**
 * How the main thread steers a paced run in its worker: a few Int32 slots of shared
 * memory (read by the worker before every event) and requests on the task's
 * MessagePort (read synchronously with receiveMessageOnPort while the worker waits).
 * Every change bumps GENERATION and notifies it, so a worker waiting on it wakes at once
 * and never misses a change made between its last look and its wait.
 */
export const CONTROL = {
  /** STOP_REQUESTED when the run must stop (cancelRun, shutdown). */
  stop: 0,
  generation: 1,
  /** 1 while the run is paused: no event is released unless a step allows it. */
  paused: 2,
  /** Events a paused run may still release (stepRun adds, the worker takes one per event). */
  steps: 3,
  /** Milliseconds of wall time per event (setPace). */
  pace: 4,
} as const;

export const CONTROL_SLOTS = 5;

/** A request from the main thread, on the task's port. */
export interface InjectRequest {
  readonly type: "inject";
  readonly id: number;
  readonly action: FaultAction;
}

/** What the worker posts about its pausing and injections (besides started and events). */
export type ControlMessage =
  /** The run is paused holding the event with this seq: events 0..seq-1 are stored and announced. */
  | { readonly type: "held"; readonly seq: number }
  | { readonly type: "injected"; readonly id: number; readonly intervention: Intervention }
  | { readonly type: "refused"; readonly id: number; readonly reason: string };

export function newControl(pace: number): Int32Array {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  Atomics.store(control, CONTROL.pace, pace);
  return control;
}

/** Wakes a worker waiting on the control (after any change to it or a request on its port). */
export function wake(control: Int32Array): void {
  Atomics.add(control, CONTROL.generation, 1);
  Atomics.notify(control, CONTROL.generation);
}
