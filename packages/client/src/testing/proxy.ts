/** Test support: a loopback TCP proxy whose connections a test can cut, refuse or black-hole. */
import { createServer, connect, type Server, type Socket } from "node:net";

export type ProxyMode = "forward" | "refuse" | "blackhole";

export class LoopbackProxy {
  private readonly pairs = new Set<[Socket, Socket | null]>();
  /** Connections accepted so far (whatever the mode). */
  accepted = 0;
  mode: ProxyMode = "forward";
  /** While true, bytes in both directions are dropped (the connections stay open): a silent network. */
  stalled = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    public targetPort: number,
  ) {}

  /** Listens on a free 127.0.0.1 port and forwards to 127.0.0.1:targetPort. */
  static start(targetPort: number, mode: ProxyMode = "forward"): Promise<LoopbackProxy> {
    return new Promise((resolve, reject) => {
      let proxy: LoopbackProxy;
      const server = createServer((client) => proxy.onConnection(client));
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const addr = server.address();
        if (addr === null || typeof addr === "string") return reject(new Error("no address"));
        proxy = new LoopbackProxy(server, addr.port, targetPort);
        proxy.mode = mode;
        resolve(proxy);
      });
    });
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Open client connections. */
  get active(): number {
    return this.pairs.size;
  }

  private onConnection(client: Socket): void {
    this.accepted++;
    client.on("error", () => undefined);
    if (this.mode === "refuse") {
      client.destroy();
      return;
    }
    const pair: [Socket, Socket | null] = [client, null];
    this.pairs.add(pair);
    client.on("close", () => {
      pair[1]?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === "blackhole") {
      client.resume();
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: this.targetPort });
    pair[1] = upstream;
    upstream.on("error", () => undefined);
    upstream.on("close", () => client.destroy());
    client.on("data", (c: Buffer) => {
      if (!this.stalled) upstream.write(c);
    });
    upstream.on("data", (c: Buffer) => {
      if (!this.stalled) client.write(c);
    });
  }

  /** Cuts every open connection (both directions). */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b?.destroy();
    }
    this.pairs.clear();
  }

  /** Cuts connections and refuses new ones until `restore()`. */
  down(): void {
    this.mode = "refuse";
    this.cut();
  }

  restore(): void {
    this.mode = "forward";
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
