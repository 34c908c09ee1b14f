import { canonicalJson, type Json, type JsonObject } from "../../sim/json";
import { show } from "./messages";
import type { Command } from "./types";

export interface ApplyOutcome {
  /** What the client is told (a leader adds the index and term). */
  readonly result: JsonObject;
  /** Finishes the sentence "n1 applies entry 3 (term 2) to its state machine: ...". */
  readonly description: string;
}

/**
 * The replicated state machine of section 2: a key-value store. Applying the same
 * commands in the same order gives the same store on every server, which is what
 * State Machine Safety protects. An absent key reads as null.
 */
export function applyCommand(store: Map<string, Json>, command: Command): ApplyOutcome {
  switch (command.op) {
    case "put": {
      store.set(command.key, command.value);
      return { result: { ok: true }, description: `${command.key} = ${show(command.value)}` };
    }
    case "cas": {
      const current = store.get(command.key) ?? null;
      if (canonicalJson(current) === canonicalJson(command.expected)) {
        store.set(command.key, command.value);
        return {
          result: { ok: true, swapped: true, value: command.value },
          description: `${command.key} was ${show(current)} as expected, so it becomes ${show(command.value)}`,
        };
      }
      return {
        result: { ok: true, swapped: false, value: current },
        description: `${command.key} is ${show(current)}, not ${show(command.expected)}, so the compare-and-swap changes nothing`,
      };
    }
    case "get": {
      const value = store.get(command.key) ?? null;
      return {
        result: { ok: true, key: command.key, value },
        description: `the read of ${command.key} goes through the log and sees ${show(value)}`,
      };
    }
    case "noop":
      return { result: { ok: true }, description: "a no-op, which changes nothing" };
  }
}
