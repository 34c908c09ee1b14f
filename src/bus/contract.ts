/**
 * The run bus: how the process that executes a run tells every API instance that the run
 * moved on, and how an API instance reaches the process that holds an interactive run's
 * controls (issue 13: "subscriptions fanned out across API instances through Redis pub/sub,
 * ids on the channel, events read from the store").
 *
 * What travels is small on purpose. A note carries a run id, the last seq now stored and the
 * status, never events: the store is the one source of truth, so a subscriber that misses a
 * note (a dropped connection, a slow consumer) loses nothing it cannot read back. Two
 * implementations stand behind this contract: LocalBus (one process) and RedisBus (many).
 */

/** Anything JSON can carry, so a control request or reply crosses a process boundary intact. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The statuses a note can announce; a run leaves RUNNING once and never changes again. */
export type RunNoteStatus = "RUNNING" | "COMPLETED" | "FAILED";

/**
 * A hint that a run moved on. Subscribers read events from the store after their own cursor;
 * `lastSeq` only says how far the store had got when the note was sent.
 */
export interface RunNote {
  readonly runId: string;
  /** The last seq now STORED for the run; -1 when none is (or, on a resync, when unknown). */
  readonly lastSeq: number;
  readonly status: RunNoteStatus;
  /**
   * Set only on a note the bus makes up itself after it lost and regained its link (RedisBus
   * reconnecting): notes sent meanwhile may be lost, so the listener must re-read the store,
   * both the events after its cursor and the run's status (a run may have finished while the
   * link was down, and its COMPLETED note is one of the lost ones). Such a note has
   * `lastSeq: -1` and `status: "RUNNING"`, which say nothing: only the store knows.
   * It is sent after the bus is subscribed again, so nothing announced later is missed.
   */
  readonly resync?: true;
}

/** A note listener. It must not throw to signal anything: an exception is reported and dropped. */
export type RunListener = (note: RunNote) => void;

/** Call to stop; resolves once the bus no longer needs the subscription (idempotent). */
export type Release = () => Promise<void>;

/** A command for an interactive run (pause, step, setPace, inject: the run service names them). */
export interface ControlRequest {
  readonly op: string;
  readonly args: JsonValue;
}

/** A holder's answer. `code` is machine-readable; `message` says what was wrong, for people. */
export type ControlReply =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The handler an executing process registers for one run's controls. */
export type ControlHandler = (command: ControlRequest) => Promise<ControlReply>;

/** Codes the bus itself puts in a `{ ok: false }` reply (a handler may use its own codes). */
export const CONTROL_HANDLER_FAILED = "CONTROL_HANDLER_FAILED";
export const CONTROL_BAD_REPLY = "CONTROL_BAD_REPLY";

export interface RunBus {
  readonly kind: "local" | "redis";
  /** Tells every listener of `note.runId` (on every instance) that the run moved on. */
  announce(note: RunNote): Promise<void>;
  /**
   * Resolves once subscribed: a note announced after that reaches `listener`, in the order
   * announced from one bus. Returns the release that unsubscribes this listener.
   */
  listen(runId: string, listener: RunListener): Promise<Release>;
  /**
   * Registers the one handler for a run's controls, in the process that executes the run.
   * A second hold of the same run, on this bus or any other, is refused with HoldRefusedError
   * while the first is held: two holders would both execute a step.
   */
  holdControl(runId: string, handler: ControlHandler): Promise<Release>;
  /**
   * Sends a command to whoever holds the run's controls. "no-holder" when nobody does, at
   * once when the bus can tell, else when no reply came within `timeoutMs`. A handler that
   * throws or answers something that is not a reply comes back as `{ ok: false }`.
   */
  control(runId: string, command: ControlRequest, timeoutMs: number): Promise<ControlReply | "no-holder">;
  /** Releases every hold, answers pending controls "no-holder", ends every connection. */
  close(): Promise<void>;
}

/** A second holdControl of a run that is already held. */
export class HoldRefusedError extends Error {
  constructor(
    readonly runId: string,
    where: string,
  ) {
    super(`the controls of run ${runId} are already held (${where}); release that hold first`);
    this.name = "HoldRefusedError";
  }
}

/** Any call on a bus after close(). */
export class BusClosedError extends Error {
  constructor(kind: RunBus["kind"], call: string) {
    super(`${call} on a closed ${kind} run bus`);
    this.name = "BusClosedError";
  }
}

/** Where a bus reports what it cannot throw to a caller (a listener's exception, a bad message). */
export type BusErrorReporter = (error: unknown, where: string) => void;

/** The default reporter: a server log line, since nobody awaits a listener's call. */
export const reportToConsole: BusErrorReporter = (error, where) => {
  console.error(`run bus: ${where}:`, error);
};
