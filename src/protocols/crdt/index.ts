import { CONVERGENCE, convergenceChecker } from "../../checkers/convergence";
import type { Protocol } from "../../sim/types";
import { parseCrdtConfig, type CrdtConfig } from "./config";
import {
  describeMessage,
  initReplica,
  metadataJson,
  onClientRequest,
  onMessage,
  onTimer,
  recoverReplica,
  typeOf,
  viewOf,
  type CrdtReplicaState,
} from "./replica";

export type { CrdtConfig } from "./config";
export type { CrdtReplicaState } from "./replica";
export { rgaBenchmark, type RgaBenchmarkResult } from "./bench";

const NAMES: Readonly<Record<CrdtConfig["type"], string>> = {
  "g-counter": "G-Counter",
  "pn-counter": "PN-Counter",
  "lww-register": "LWW-Register",
  "lww-set": "LWW-element-Set",
  "or-set": "OR-Set",
  "2p-set": "2P-Set",
  rga: "RGA",
};

/**
 * Conflict-free replicated data types (Shapiro, Preguiça, Baquero & Zawirski, INRIA
 * RR-7506, 2011; RGA after Roh et al. 2011) on the simulated network. Every node holds
 * a replica of `config.type`; clients update their local replica without coordination
 * and replicas converge through gossip (state mode) or causal broadcast (op mode).
 */
export const crdt: Protocol<CrdtConfig, CrdtReplicaState> = {
  name: "crdt",
  description:
    "Conflict-free replicated data types (G-Counter, PN-Counter, LWW-Register, LWW-element-Set, OR-Set, 2P-Set, RGA): each node updates its own replica at once, and replicas converge by gossiping states or broadcasting operations.",
  operations: ["read", "inc", "dec", "set", "add", "remove", "insert", "delete"],
  parseConfig: parseCrdtConfig,
  init: initReplica,
  recover: recoverReplica,
  onMessage,
  onTimer,
  onClientRequest,
  view: viewOf,
  describeMessage,
  invariants: [CONVERGENCE],
  checkers(config) {
    const type = typeOf(config);
    return [
      convergenceChecker<CrdtReplicaState>({
        name: NAMES[config.type],
        value: (state) => type.value(state.payload),
        fullState: (state) => type.encode(state.payload),
        metadataTotal: (state) => state.metadata.total,
        metadataDetail: (state) => metadataJson(state),
        quiet: (state) => !state.gossiping || state.gossipStopped,
      }),
    ];
  },
};
