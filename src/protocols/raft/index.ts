import { raftCheckers } from "./checkers";
import { plural } from "../../sim/english";
import type { Json } from "../../sim/json";
import type { Protocol } from "../../sim/types";
import { onClientRequest, onReadTimeout, OPERATIONS } from "./client";
import { ELECTION_TIMER, freshState, HEARTBEAT_TIMER, READ_TIMER_PREFIX, resetElectionTimer } from "./common";
import { parseRaftConfig } from "./config";
import { onElectionTimeout } from "./election";
import { asRaftMessage, describe } from "./messages";
import { broadcastAppendEntries } from "./replication";
import { step } from "./step";
import { DURABLE, type Entry, type RaftConfig, type RaftState } from "./types";
import { viewOf } from "./view";

export type * from "./types";
export { parseRaftConfig, defaultRaftConfig } from "./config";
export { raftBenchSpec } from "./bench-workload";

/**
 * Raft (Ongaro & Ousterhout 2014, "In Search of an Understandable Consensus
 * Algorithm"): leader election (section 5.2), log replication (5.3), the safety
 * rules (5.4), persistence as in Figure 2, and client interaction (section 8),
 * driving a replicated key-value store.
 */
export const raft: Protocol<RaftConfig, RaftState> = {
  name: "raft",
  description:
    "Raft consensus: servers elect a leader for each term, the leader replicates client commands into every log, and an entry stored on a majority in the leader's term is committed and applied to a key-value store in the same order everywhere.",
  operations: OPERATIONS,
  parseConfig: parseRaftConfig,

  init(ctx, config) {
    const state = freshState(ctx.node, ctx.nodes, config);
    // Section 5.2: "When servers start up, they begin as followers."
    resetElectionTimer(ctx, state);
    return state;
  },

  recover(ctx, config, durable) {
    const state = freshState(ctx.node, ctx.nodes, config);
    state.currentTerm =
      typeof durable.get(DURABLE.currentTerm) === "number" ? (durable.get(DURABLE.currentTerm) as number) : 0;
    const votedFor = durable.get(DURABLE.votedFor);
    state.votedFor = typeof votedFor === "string" ? votedFor : null;
    const length = durable.get(DURABLE.logLength);
    const count = typeof length === "number" ? length : 0;
    for (let index = 1; index <= count; index++) {
      const entry = durable.get(DURABLE.entry(index)) as Json as Entry | undefined;
      if (entry === undefined) throw new Error(`raft: ${ctx.node}'s durable log has no entry ${index} of ${count}`);
      state.log.push(entry);
    }
    ctx.explain(
      `${ctx.node} restarts from durable storage as a follower: term ${state.currentTerm}, ${state.votedFor === null ? "no vote cast" : `voted for ${state.votedFor}`}, ${plural(count, "log entry", "log entries")}. commitIndex, lastApplied and the state machine are volatile (Figure 2), so it starts from commitIndex 0 and re-applies entries as it learns they are committed.`,
    );
    resetElectionTimer(ctx, state);
    return state;
  },

  onMessage(ctx, state, from, message) {
    const raftMessage = asRaftMessage(message);
    if (raftMessage === undefined) {
      ctx.explain(`${state.node} ignores a ${message.type} from ${from}: it is not a well-formed Raft message.`);
      return;
    }
    step(ctx, state, from, raftMessage);
  },

  onTimer(ctx, state, timer) {
    if (timer.name === ELECTION_TIMER) {
      onElectionTimeout(ctx, state);
    } else if (timer.name === HEARTBEAT_TIMER) {
      if (state.role !== "leader") {
        ctx.explain(`${state.node}'s heartbeat timer fires, but it is no longer leader, so it sends nothing.`);
        return;
      }
      ctx.explain(
        `${state.node}'s heartbeat timer fires: as leader of term ${state.currentTerm} it sends AppendEntries to every follower so that none of them starts an election (section 5.2).`,
      );
      broadcastAppendEntries(ctx, state, "heartbeat");
      ctx.setTimer(HEARTBEAT_TIMER, state.config.heartbeatIntervalMs);
    } else if (timer.name.startsWith(READ_TIMER_PREFIX)) {
      onReadTimeout(ctx, state, timer.name.slice(READ_TIMER_PREFIX.length));
    }
  },

  onClientRequest,

  view: viewOf,

  describeMessage: describe,

  invariants: ["Election Safety", "Leader Append-Only", "Log Matching", "Leader Completeness", "State Machine Safety"],
  checkers: () => raftCheckers<RaftState>(),
};
