import {
  QUIESCENT_CONVERGENCE,
  STRONG_EVENTUAL_CONSISTENCY,
  quiescentConvergenceChecker,
  strongEventualConsistencyChecker,
  type ConvergenceSubject,
} from "../../checkers/convergence";
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
import { GOSSIP_TRAFFIC, gossipTrafficChecker } from "./traffic";

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
 * and replicas converge through gossip of states (state mode) or deltas (delta mode,
 * Almeida, Shoker & Baquero 2018) or through causal broadcast of operations (op mode).
 */
export const crdt: Protocol<CrdtConfig, CrdtReplicaState> = {
  name: "crdt",
  description:
    "Conflict-free replicated data types (G-Counter, PN-Counter, LWW-Register, LWW-element-Set, OR-Set, 2P-Set, RGA): each node updates its own replica at once, and replicas converge by gossiping states or deltas, or by broadcasting operations.",
  operations: ["read", "inc", "dec", "set", "add", "remove", "insert", "delete"],
  parseConfig: parseCrdtConfig,
  init: initReplica,
  recover: recoverReplica,
  onMessage,
  onTimer,
  onClientRequest,
  view: viewOf,
  describeMessage,
  invariants: [STRONG_EVENTUAL_CONSISTENCY, QUIESCENT_CONVERGENCE, GOSSIP_TRAFFIC],
  checkers(config) {
    const type = typeOf(config);
    const subject: ConvergenceSubject<CrdtReplicaState> = {
      name: NAMES[config.type],
      value: (state) => type.value(state.payload),
      delivered: (state) => ({ ...state.delivered }),
      metadataTotal: (state) => state.metadata.total,
      metadataDetail: (state) => metadataJson(state),
      quiet: (state) => !state.gossiping || state.gossipStopped,
    };
    return [
      strongEventualConsistencyChecker(subject),
      quiescentConvergenceChecker(subject),
      gossipTrafficChecker(config),
    ];
  },
};
