import type { JsonObject } from "../../sim/json";
import type { Context } from "../../sim/types";

/**
 * What a handler has already said about the message it handles. The core lets a
 * handler rewrite the DELIVER's sentence only before any other event; once the term
 * gate or a role change has spoken, the decision is told in an event of its own
 * (a NOTE), after them, so the trace reads in the order things happen.
 */
export interface Turn {
  explained: boolean;
}

/**
 * Tells the decision about the delivered message: on the DELIVER if nothing was said
 * yet (whose data is the message itself), else as a NOTE after it, carrying `data`
 * (built only then: most messages are told on their DELIVER, on the hot path).
 */
export function tell(ctx: Context, turn: Turn, explanation: string, data?: () => JsonObject): void {
  if (turn.explained) {
    ctx.note(explanation, data?.());
  } else {
    ctx.explain(explanation);
    turn.explained = true;
  }
}
