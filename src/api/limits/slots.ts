import type { GraphQLError } from "graphql";
import type { Limits } from "./config";
import { limitRefusal } from "./refusal";

/**
 * Runs in progress per client: unpaced runs while they are simulated (the mutation
 * is in flight) and paced runs while they are RUNNING. A finished run frees its slot
 * when the client next asks (isRunning reads the store), so nothing has to watch runs.
 */
export class RunSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Map<string, Set<string>>();

  constructor(
    private readonly limits: Limits,
    private readonly isRunning: (runId: string) => Promise<boolean>,
  ) {}

  /** Runs start() in one of the client's slots, or refuses at once when they are all taken. */
  async hold<Result>(client: string, start: () => Promise<Result>, runIdOf: (result: Result) => string | undefined) {
    // Ended runs are forgotten first (that reads the store, and awaits); the count, the
    // check and taking the slot then happen with no await between them, so requests of
    // one client that arrive together cannot all pass the check before any takes a slot.
    await this.forgetEnded(client);
    const inFlight = this.inFlight.get(client) ?? 0;
    const inProgress = inFlight + (this.running.get(client)?.size ?? 0);
    if (inProgress >= this.limits.runsPerClient) {
      throw limitRefusal(
        "runsPerClient",
        this.limits.runsPerClient,
        `Too many runs at once: this client already has ${inProgress} in progress; wait for one to ` +
          "finish or cancel one (cancelRun)",
      );
    }
    this.inFlight.set(client, inFlight + 1);
    try {
      const result = await start();
      const runId = runIdOf(result);
      if (runId !== undefined && (await this.isRunning(runId))) {
        this.running.set(client, (this.running.get(client) ?? new Set<string>()).add(runId));
      }
      return result;
    } finally {
      const left = (this.inFlight.get(client) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(client);
      else this.inFlight.set(client, left);
    }
  }

  /** Forgets the client's runs that are no longer RUNNING. */
  private async forgetEnded(client: string): Promise<void> {
    const running = this.running.get(client);
    if (running === undefined) return;
    for (const runId of [...running]) if (!(await this.isRunning(runId))) running.delete(runId);
    if (running.size === 0 && this.running.get(client) === running) this.running.delete(client);
  }
}

/** Live subscriptions per client, over all its sockets; a socket that closes frees all of its own. */
export class SubscriptionSlots {
  private readonly byClient = new Map<string, number>();
  private readonly bySocket = new Map<object, { readonly client: string; readonly ids: Set<string> }>();

  constructor(private readonly limits: Limits) {}

  /** Takes a slot for subscription id on this socket; a refusal when the client has none left. */
  reserve(socket: object, client: string, id: string): GraphQLError | undefined {
    const count = this.byClient.get(client) ?? 0;
    if (count >= this.limits.subscriptionsPerClient) {
      return limitRefusal(
        "subscriptionsPerClient",
        this.limits.subscriptionsPerClient,
        `Too many live subscriptions: this client already has ${count}; complete one first`,
      );
    }
    const entry = this.bySocket.get(socket) ?? { client, ids: new Set<string>() };
    this.bySocket.set(socket, entry);
    entry.ids.add(id);
    this.byClient.set(client, count + 1);
    return undefined;
  }

  release(socket: object, id: string): void {
    const entry = this.bySocket.get(socket);
    if (entry === undefined || !entry.ids.delete(id)) return;
    this.decrement(entry.client, 1);
    if (entry.ids.size === 0) this.bySocket.delete(socket);
  }

  releaseSocket(socket: object): void {
    const entry = this.bySocket.get(socket);
    if (entry === undefined) return;
    this.bySocket.delete(socket);
    this.decrement(entry.client, entry.ids.size);
  }

  /** Live subscriptions of a client (for tests and logs). */
  count(client: string): number {
    return this.byClient.get(client) ?? 0;
  }

  private decrement(client: string, by: number): void {
    const left = (this.byClient.get(client) ?? 0) - by;
    if (left <= 0) this.byClient.delete(client);
    else this.byClient.set(client, left);
  }
}
