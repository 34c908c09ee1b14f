import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP relay between a bus and Redis that a test can cut and heal, so an outage can be made
 * without stopping the Redis that other tests (and other processes) share.
 */
export class CuttableLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    private port: number,
  ) {}

  static async open(redisUrl: string): Promise<CuttableLink> {
    const url = new URL(redisUrl);
    const link = new CuttableLink({ host: url.hostname, port: Number(url.port || 6379) }, 0);
    await link.heal();
    return link;
  }

  /** The Redis URL that goes through this link (same credentials and db as `redisUrl`). */
  url(redisUrl: string): string {
    const url = new URL(redisUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }

  /** Drops every connection and refuses new ones until heal(). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async heal(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target);
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined); // a cut destroys both ends; nothing to report
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address !== "object") throw new Error("the link has no TCP address");
    this.port = address.port;
    this.server = server;
  }
}
