import type { Protocol } from "../sim/types";
import { raft } from "./raft";
import { twoPhaseCommit } from "./two-phase-commit";
import { crdt } from "./crdt";
import { clocks } from "./clocks";
import { saga } from "./saga";
import { isolation } from "./isolation";
import { dynamo } from "./dynamo";
import { spanner } from "./spanner";
import { fencing } from "./fencing";

/** A protocol with its config and state types erased, as the registry holds it. */
export type AnyProtocol = Protocol<unknown, unknown>;

/** Erases a protocol's type parameters for the registry; each protocol's own code stays fully typed. */
export function erase<Config, State>(protocol: Protocol<Config, State>): AnyProtocol {
  return protocol as unknown as AnyProtocol;
}

/**
 * Every protocol a scenario can name in `protocol:`. Add a line here when a new
 * protocol folder lands.
 */
export const PROTOCOLS: ReadonlyMap<string, AnyProtocol> = new Map<string, AnyProtocol>([
  ["two-phase-commit", erase(twoPhaseCommit)],
  ["raft", erase(raft)],
  ["crdt", erase(crdt)],
  ["clocks", erase(clocks)],
  ["saga", erase(saga)],
  ["isolation", erase(isolation)],
  ["dynamo", erase(dynamo)],
  ["spanner", erase(spanner)],
  ["fencing", erase(fencing)],
]);

export function getProtocol(name: string): AnyProtocol | undefined {
  return PROTOCOLS.get(name);
}
