/**
 * The core's assertions (TigerBeetle's TIGER_STYLE: assert what must hold, and say
 * why). A failed assertion is a bug in the core, or in a protocol that broke the
 * core's rules, never bad scenario input: that gets a clear error or a refusal
 * that names its limit (src/sim/limits.ts).
 */
export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

/** Throws an InvariantError saying `why` when the condition does not hold. */
export function assert(condition: boolean, why: string | (() => string)): asserts condition {
  if (!condition)
    throw new InvariantError(`simulation core invariant broken: ${typeof why === "string" ? why : why()}`);
}
