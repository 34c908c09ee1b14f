import type { RunService, ScenarioService } from "../runs";

/** What createServices returns: everything the resolvers reach the world through. */
export interface ApiServices {
  readonly scenarios: ScenarioService;
  readonly runs: RunService;
  close(): Promise<void>;
}

/** The GraphQL context of every operation, over HTTP and over WebSocket alike. */
export interface ApiContext {
  readonly services: ApiServices;
}
