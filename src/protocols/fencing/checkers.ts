import type { Checker, CheckerViolation } from "../../sim/types";
import type { FencingState } from "./types";

export const FENCING_INVARIANTS = ["SplitBrain"] as const;

interface Grant {
  readonly client: string;
  readonly token: number;
  readonly expiresAt: number;
}

/**
 * Split brain (Kleppmann, DDIA ch. 8, "Process pauses" and Figure 8-4): storage
 * accepted a write from a client whose lease had expired while another client held
 * a newer one, after storage had already accepted that newer holder's write. Judged
 * from the trace: the lock service's "lease-granted" and storage's "write-accepted"
 * facts. With fencing on, storage rejects such a write (Figure 8-5).
 */
export function splitBrainChecker(): Checker<FencingState> {
  const grants: Grant[] = [];
  /** Per key, the newest token of an accepted write, and whose. */
  const newest = new Map<string, { token: number; client: string }>();
  return {
    invariant: "SplitBrain",
    description:
      "Storage never accepts a write from a client whose lease was superseded after it accepted a write from the newer lease's holder.",
    observe(step) {
      const found: CheckerViolation[] = [];
      for (const event of step.events ?? [step.event]) {
        const data = event.data;
        if (data === null || event.kind !== "STATE_CHANGE") continue;
        if (data["fact"] === "lease-granted") {
          grants.push({
            client: String(data["client"]),
            token: Number(data["token"]),
            expiresAt: Number(data["expiresAt"]),
          });
          continue;
        }
        if (data["fact"] !== "write-accepted") continue;
        const key = String(data["key"]);
        const client = String(data["client"]);
        const token = Number(data["token"]);
        const before = newest.get(key);
        if (before === undefined || token >= before.token) {
          newest.set(key, { token, client });
          continue;
        }
        const own = grants.find((g) => g.token === token);
        found.push({
          node: event.node,
          message: `${event.node} accepted ${client}'s write of ${key} with token ${token} after ${before.client}'s write with the newer token ${before.token}: ${client}'s lease had expired${own === undefined ? "" : ` (at ${own.expiresAt} by the lock service's clock)`} while ${before.client} held a newer one.`,
          data: {
            key,
            staleClient: client,
            staleToken: token,
            staleLeaseExpiredAt: own?.expiresAt ?? null,
            newerClient: before.client,
            newerToken: before.token,
          },
        });
      }
      return found;
    },
  };
}

export function fencingCheckers(): Checker<FencingState>[] {
  return [splitBrainChecker()];
}
