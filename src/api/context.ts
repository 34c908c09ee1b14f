import type { GradingService, Identity } from "../grading";
import type { DiskService, RunExplorer, RunService, ScenarioService } from "../runs";

/** What createServices returns: everything the resolvers reach the world through. */
export interface ApiServices {
  readonly scenarios: ScenarioService;
  readonly runs: RunService;
  readonly explore: RunExplorer;
  readonly grading: GradingService;
  readonly disk: DiskService;
  identify(authorization: string | undefined): Promise<Identity>;
  /** This process's role and how runs reach the others (logged at start-up). */
  readonly topology: { readonly role: string; readonly description: string; readonly deployment: string };
  close(): Promise<void>;
}

/** The GraphQL context of every operation, over HTTP and over WebSocket alike. */
export interface ApiContext {
  readonly services: ApiServices;
  /** Who asks: from the Authorization header (HTTP) or connectionParams.authorization (WebSocket). */
  readonly identity: Identity;
  /** Who asks, for the per-client limits: a hash of the bearer token if one is sent, else the network address. */
  readonly client: string;
}
