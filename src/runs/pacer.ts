import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { MAX_INTERVENTIONS, type InterventionQueue } from "../sim/interventions";
import { CONTROL, type ControlMessage, type InjectRequest } from "./control-protocol";

/** Why a paced run stopped before its end. */
export class Stop extends Error {
  constructor(
    readonly reason: "stopped" | "ceiling",
    message: string,
  ) {
    super(message);
  }
}

export const STOP_REQUESTED = 1;

export interface PacerOptions {
  readonly control: Int32Array;
  readonly port: MessagePort;
  readonly post: (message: ControlMessage) => void;
  /** The run's interventions: injected faults are added here. */
  readonly interventions: InterventionQueue;
  /** Stores the run's interventions after an injection; false when the run is no longer RUNNING. */
  readonly saveSchedule: () => boolean;
  /** The wall-time ceiling of the run, in ms. */
  readonly maxWallMs: number;
}

/**
 * The worker side of an interactive run: before each event is stored and announced it
 * waits for its turn, `pace` ms after the previous one, or, while the run is paused, for
 * a step or a resume. While it waits it takes fault injections (they apply at the end of
 * the simulation step in progress, src/sim/interventions.ts). Wall-clock waiting happens
 * here, around the simulation, never inside it: the trace is the same whatever the pace.
 */
export class Pacer {
  private readonly started = Date.now();
  /** Event anchorSeq was (or would have been) released at anchorTime; later ones follow at the pace. */
  private anchorTime = this.started;
  private anchorSeq = 0;
  private pace: number;
  private heldAnnounced = false;

  constructor(private readonly options: PacerOptions) {
    this.pace = Atomics.load(options.control, CONTROL.pace);
  }

  stopRequested(): boolean {
    return Atomics.load(this.options.control, CONTROL.stop) === STOP_REQUESTED;
  }

  /** Returns when event `seq` may be released. Throws Stop when the run must stop. */
  release(seq: number): void {
    const control = this.options.control;
    for (;;) {
      const generation = Atomics.load(control, CONTROL.generation);
      if (this.stopRequested()) throw new Stop("stopped", "stopped");
      this.takeRequests();
      const now = Date.now();
      if (Atomics.load(control, CONTROL.paused) === 1) {
        if (Atomics.load(control, CONTROL.steps) > 0) {
          Atomics.sub(control, CONTROL.steps, 1);
          this.released(seq, now);
          return;
        }
        if (!this.heldAnnounced) {
          this.heldAnnounced = true;
          this.options.post({ type: "held", seq });
        }
        this.wait(generation, this.started + this.options.maxWallMs - now, seq);
        continue;
      }
      if (this.heldAnnounced) {
        // Resumed: the pace starts again from now.
        this.heldAnnounced = false;
        this.anchorTime = now;
        this.anchorSeq = seq;
      }
      const pace = Atomics.load(control, CONTROL.pace);
      if (pace !== this.pace) {
        // Re-paced: the events already released keep their times; the next one follows at the new pace.
        this.anchorTime = this.anchorTime + (seq - 1 - this.anchorSeq) * this.pace;
        this.anchorSeq = seq - 1;
        this.pace = pace;
      }
      const due = this.anchorTime + (seq - this.anchorSeq) * pace;
      if (due - this.started > this.options.maxWallMs) {
        throw new Stop(
          "ceiling",
          `the paced run reached the wall-time ceiling of ${this.options.maxWallMs} ms after ${seq} events`,
        );
      }
      if (due <= now) {
        this.released(seq, now);
        return;
      }
      this.wait(generation, due - now, seq);
    }
  }

  private released(seq: number, now: number): void {
    if (this.heldAnnounced) {
      // A step: the run stays paused, and the pace restarts from here when it resumes.
      this.heldAnnounced = false;
      this.anchorTime = now;
      this.anchorSeq = seq;
    }
  }

  private wait(generation: number, ms: number, seq: number): void {
    if (ms <= 0) {
      throw new Stop(
        "ceiling",
        `the paced run reached the wall-time ceiling of ${this.options.maxWallMs} ms after ${seq} events`,
      );
    }
    Atomics.wait(this.options.control, CONTROL.generation, generation, ms);
  }

  /** Fault injections sent by the main thread since the last look, each answered. */
  private takeRequests(): void {
    for (;;) {
      const received = receiveMessageOnPort(this.options.port);
      if (received === undefined) return;
      const request = received.message as InjectRequest;
      const queue = this.options.interventions;
      if (queue.size >= MAX_INTERVENTIONS) {
        this.options.post({
          type: "refused",
          id: request.id,
          reason: `the run already has ${MAX_INTERVENTIONS} interventions, its limit (MAX_INTERVENTIONS)`,
        });
        continue;
      }
      if (queue.closed) {
        this.options.post({
          type: "refused",
          id: request.id,
          reason: "the run has nothing left to simulate: only its closing event is still to be released",
        });
        continue;
      }
      const intervention = queue.inject(request.action);
      if (!this.options.saveSchedule()) {
        this.options.post({ type: "refused", id: request.id, reason: "the run is no longer RUNNING" });
        continue;
      }
      this.options.post({ type: "injected", id: request.id, intervention });
    }
  }
}
