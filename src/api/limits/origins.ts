import type { IncomingMessage } from "node:http";
import cors from "cors";
import type { RequestHandler } from "express";

/** Where the API listens unless HOST says otherwise: loopback only (a container sets HOST=0.0.0.0). */
export const DEFAULT_HOST = "127.0.0.1";

/** Browser origins allowed by default besides the server's own: the usual local dev servers of a frontend (Vite). */
export const DEFAULT_DEV_ORIGINS: readonly string[] = ["http://localhost:5173", "http://127.0.0.1:5173"];

/**
 * Which browser origins may call the API: over HTTP (CORS, with the `cors` package)
 * and over WebSocket (the handshake's Origin header, which browsers always send and
 * CORS does not cover). The list is CORS_ORIGINS (comma-separated; `*` allows every
 * origin) or, when it is unset, the local dev origins; the server's own origins
 * (localhost, 127.0.0.1 and [::1] at its port, and HOST if it names one) are always
 * allowed, so the IDE it serves works. A request without an Origin header is not a
 * browser's cross-origin request and is let through (CLIs, autograders, tests).
 */
export class AllowedOrigins {
  private readonly listed: ReadonlySet<string>;
  private readonly any: boolean;
  private own: ReadonlySet<string> = new Set();

  constructor(corsOrigins: string | undefined) {
    const entries =
      corsOrigins === undefined || corsOrigins.trim() === ""
        ? DEFAULT_DEV_ORIGINS
        : corsOrigins
            .split(",")
            .map((entry) => entry.trim())
            .filter((entry) => entry !== "");
    this.any = entries.includes("*");
    this.listed = new Set(entries.filter((entry) => entry !== "*").map(normalizeOrigin));
  }

  /** Adds the server's own origins once its port is known. */
  setOwn(host: string, port: number): void {
    const hosts = ["localhost", "127.0.0.1", "[::1]"];
    if (host !== "0.0.0.0" && host !== "::") hosts.push(host.includes(":") ? `[${host}]` : host);
    this.own = new Set(hosts.map((name) => `http://${name}:${port}`));
  }

  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const normalized = normalizeOrigin(origin);
    return this.any || this.own.has(normalized) || this.listed.has(normalized);
  }

  /** CORS for the GraphQL endpoint: allowed origins get the headers, others none (the browser then blocks). */
  httpMiddleware(): RequestHandler {
    return cors({
      origin: (origin, callback) => callback(null, this.allows(origin)),
      methods: ["GET", "POST", "OPTIONS"],
      maxAge: 600,
    });
  }

  /** The WebSocket handshake's check (ws verifyClient): a browser page from another origin gets 403. */
  verifyWebSocket(
    info: { origin: string | undefined; req: IncomingMessage },
    done: (result: boolean, code?: number, message?: string) => void,
  ): void {
    const origin = info.req.headers.origin === undefined ? undefined : info.origin;
    if (this.allows(origin)) done(true);
    else done(false, 403, `Origin ${String(origin)} is not allowed (CORS_ORIGINS)`);
  }
}

/** Origins compare without a trailing slash and case-insensitively, as browsers send them. */
function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, "").toLowerCase();
}
