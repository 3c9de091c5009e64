/**
 * A loopback TCP proxy for fault tests: point a client at it, `stop()` to cut every connection and
 * refuse new ones (the server "goes away"), `start()` again on the same port (it "comes back") —
 * without stopping the QuestDB or Kafka that other tests share.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  /** `blackhole`: accept connections and never answer (a hung server). */
  constructor(
    private readonly target: { host: string; port: number },
    private readonly mode: "forward" | "blackhole" = "forward",
  ) {}

  async start(): Promise<number> {
    const server = createServer((client) => {
      this.track(client);
      if (this.mode === "blackhole") return;
      const upstream = connect(this.target.port, this.target.host);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === "object") this.port = address.port;
    this.server = server;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }
}
