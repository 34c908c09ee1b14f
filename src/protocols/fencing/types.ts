import type { Json } from "../../sim/json";

export interface FencingConfig {
  readonly lockService: string;
  readonly storage: string;
  /** How long a lease lasts, by the lock service's clock (and, as the client believes, by its own). */
  readonly leaseMs: number;
  /** Whether storage checks fencing tokens (Kleppmann, DDIA ch. 8, "Fencing tokens"); false is the teaching flag. */
  readonly fencing: boolean;
  /** How long a client works between checking its lease (or reading) and sending its write. */
  readonly thinkMs: number;
}

export interface Lease {
  readonly token: number;
  /** By the holder's own physical clock. */
  readonly expiresAt: number;
}

export interface PendingOp {
  readonly request: string;
  readonly op: "put" | "get" | "cas";
  readonly key: string;
  readonly value: Json;
  readonly expected: Json;
  phase: "acquiring" | "reading" | "thinking" | "writing";
}

export interface ClientState {
  readonly role: "client";
  readonly node: string;
  readonly config: FencingConfig;
  lease: Lease | null;
  pending: PendingOp | null;
}

export interface LockState {
  readonly role: "lock";
  readonly node: string;
  readonly config: FencingConfig;
  lastToken: number;
  holder: string | null;
  /** By the lock service's clock. */
  expiresAt: number;
}

export interface StoredValue {
  readonly value: Json;
  readonly token: number;
  readonly client: string;
}

export interface StorageState {
  readonly role: "storage";
  readonly node: string;
  readonly config: FencingConfig;
  readonly data: Map<string, StoredValue>;
  /** The newest token storage has seen on a write. */
  newestToken: number;
}

export type FencingState = ClientState | LockState | StorageState;
