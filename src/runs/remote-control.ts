import type { ControlHandler, ControlReply, JsonValue, RunBus } from "../bus";
import type { Intervention } from "../sim/interventions";
import type { FaultAction } from "../sim/spec";
import { CONTROL_REPLY_MS, type RunControl } from "./control";
import { FaultlineError } from "./errors";

/**
 * What the interactive doors (pause, resume, step, setPace, inject) need of a live paced
 * run, wherever it executes: a RunControl when this process runs it, a RemoteControl
 * reaching the process that does through the run bus (issue 13: several API instances
 * and worker processes). `paused` is as of when the handle was made or last answered.
 */
export interface Steering {
  readonly paused: boolean;
  pause(): Promise<void>;
  resume(): Promise<void> | void;
  step(events: number, storedEvents: number): Promise<void>;
  setPace(pace: number): Promise<void> | void;
  inject(action: FaultAction): Promise<{ intervention: Intervention } | { refused: string }>;
}

/** How long a command to another process may take: its own wait for the worker, plus the trip. */
export const REMOTE_CONTROL_MS = CONTROL_REPLY_MS + 5_000;
/** How long asking another process whether a run is paused may take before "not paused" is assumed. */
export const REMOTE_STATE_MS = 1_000;

/** The executing process's side: serves a run's controls on the bus. */
export function controlHandler(control: RunControl, stop: () => void): ControlHandler {
  return async (command): Promise<ControlReply> => {
    const args = (command.args ?? {}) as Record<string, JsonValue>;
    switch (command.op) {
      case "state":
        break;
      case "pause":
        await control.pause();
        break;
      case "resume":
        control.resume();
        break;
      case "step":
        await control.step(Number(args["events"]), Number(args["storedEvents"]));
        break;
      case "setPace":
        control.setPace(Number(args["pace"]));
        break;
      case "stop":
        stop();
        break;
      case "inject": {
        const answer = await control.inject(args["action"] as unknown as FaultAction);
        return { ok: true, value: { paused: control.paused, answer: answer as unknown as JsonValue } };
      }
      default:
        return { ok: false, code: "UNKNOWN_OP", message: `no control "${command.op}"` };
    }
    return { ok: true, value: { paused: control.paused } };
  };
}

/** Another process's run, steered through the bus. */
export class RemoteControl implements Steering {
  private constructor(
    private readonly bus: RunBus,
    private readonly runId: string,
    private state: boolean,
  ) {}

  /** A handle on the run if some process holds its controls; undefined when none does. */
  static async reach(bus: RunBus, runId: string): Promise<RemoteControl | undefined> {
    const reply = await bus
      .control(runId, { op: "state", args: null }, REMOTE_STATE_MS)
      .catch(() => "no-holder" as const);
    if (reply === "no-holder" || !reply.ok) return undefined;
    return new RemoteControl(bus, runId, pausedOf(reply));
  }

  get paused(): boolean {
    return this.state;
  }

  async pause(): Promise<void> {
    await this.send("pause", null);
  }

  async resume(): Promise<void> {
    await this.send("resume", null);
  }

  async step(events: number, storedEvents: number): Promise<void> {
    await this.send("step", { events, storedEvents });
  }

  async setPace(pace: number): Promise<void> {
    await this.send("setPace", { pace });
  }

  async inject(action: FaultAction): Promise<{ intervention: Intervention } | { refused: string }> {
    const reply = await this.send("inject", { action: action as unknown as JsonValue });
    const value = reply.value as { answer?: unknown };
    return value.answer as { intervention: Intervention } | { refused: string };
  }

  private async send(op: string, args: JsonValue): Promise<Extract<ControlReply, { ok: true }>> {
    const reply = await this.bus.control(this.runId, { op, args }, REMOTE_CONTROL_MS);
    if (reply === "no-holder") {
      throw new FaultlineError(
        "RUN_NOT_LIVE",
        `Run ${this.runId} cannot be steered: the process that ran it no longer holds it (it has ended or stopped).`,
      );
    }
    if (!reply.ok) throw new FaultlineError("INTERNAL", `Run ${this.runId}'s controls refused ${op}: ${reply.message}`);
    this.state = pausedOf(reply);
    return reply;
  }
}

function pausedOf(reply: Extract<ControlReply, { ok: true }>): boolean {
  const value = reply.value as { paused?: unknown } | null;
  return value?.paused === true;
}
