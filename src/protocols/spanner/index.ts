import type { Protocol } from "../../sim/types";
import { SPANNER_INVARIANTS, spannerCheckers } from "./checkers";
import { parseSpannerConfig } from "./config";
import { initNode, onClientRequest, onTimer, view } from "./node";
import type { SpannerConfig, SpannerState } from "./types";

export type * from "./types";
export { SPANNER_INVARIANTS, externalConsistencyChecker } from "./checkers";
export { parseSpannerConfig } from "./config";
export { ttNow } from "./node";

/**
 * Spanner-style commit wait (Corbett et al. 2012, sections 3 and 4.1.2): each node is
 * the leader of its own Paxos group (replication is not modelled), assigns a commit
 * timestamp s = TT.now().latest and acknowledges only once TT.after(s). Ops: put
 * { key, value } (a read-write transaction) and get { key } (a read at TT.now().latest).
 */
export const spanner: Protocol<SpannerConfig, SpannerState> = {
  name: "spanner",
  description:
    "Spanner's commit wait: a leader stamps a transaction with TrueTime's latest bound and waits out the clock uncertainty before acknowledging it, so timestamp order agrees with real-time order.",
  operations: ["put", "get"],
  parseConfig: (raw) => parseSpannerConfig(raw),
  init: initNode,
  recover(ctx, config) {
    ctx.explain(
      `${ctx.node} restarts with an empty store: this model keeps no log (Paxos replication is not modelled).`,
    );
    return initNode(ctx, config);
  },
  onMessage(ctx, _state, from, message) {
    ctx.explain(`${ctx.node} ignores ${message.type} from ${from}: spanner nodes exchange no messages in this model.`);
  },
  onTimer,
  onClientRequest,
  view,
  invariants: SPANNER_INVARIANTS,
  checkers: () => spannerCheckers(),
};
