import type { Checker } from "../../../sim/types";
import { electionSafety } from "./election-safety";
import { leaderAppendOnly } from "./leader-append-only";
import { leaderCompleteness } from "./leader-completeness";
import { logMatching } from "./log-matching";
import type { RaftLikeState } from "./shape";
import { stateMachineSafety } from "./state-machine-safety";

export type { RaftLikeEntry, RaftLikeState } from "./shape";
export { electionSafety, leaderAppendOnly, leaderCompleteness, logMatching, stateMachineSafety };

/** The five safety properties of Raft's Figure 3, each a fresh checker with its own memory, for one run. */
export function raftCheckers<S extends RaftLikeState>(): Checker<S>[] {
  return [
    electionSafety<S>(),
    leaderAppendOnly<S>(),
    logMatching<S>(),
    leaderCompleteness<S>(),
    stateMachineSafety<S>(),
  ];
}
