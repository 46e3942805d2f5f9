/** Test support: a loopback TCP proxy whose connections a test can cut (to make a client reconnect). */
import { connect, createServer, type Server, type Socket } from "node:net";

export class Proxy {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly pairs: Set<[Socket, Socket]>,
  ) {}

  /** Listens on a free 127.0.0.1 port and forwards every connection to 127.0.0.1:targetPort. */
  static start(targetPort: number): Promise<Proxy> {
    return new Promise((resolve, reject) => {
      const pairs = new Set<[Socket, Socket]>();
      let proxy: Proxy;
      const server = createServer((client) => {
        client.on("error", () => undefined);
        if (proxy.refusing) {
          client.destroy();
          return;
        }
        const upstream = connect(targetPort, "127.0.0.1");
        upstream.on("error", () => undefined);
        // No Nagle on either leg: the proxy must not add its own delays to what the tests measure.
        client.setNoDelay(true);
        upstream.setNoDelay(true);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
          pairs.delete(pair);
        };
        client.on("close", end);
        upstream.on("close", end);
      });
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const addr = server.address();
        if (addr === null || typeof addr === "string") return reject(new Error("no address"));
        proxy = new Proxy(server, addr.port, pairs);
        resolve(proxy);
      });
    });
  }

  /** While true, new connections are closed at once (the client keeps trying). */
  refusing = false;

  /**
   * Runs `during` with the client cut off (connections cut, reconnects refused), then lets it reconnect. Used to
   * end a session while its owner cannot re-attach to it meanwhile (which would race with the session's close).
   */
  async cutOff<T>(during: () => Promise<T>): Promise<T> {
    this.refusing = true;
    this.cutAll();
    try {
      return await during();
    } finally {
      this.refusing = false;
    }
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection (the clients reconnect through the proxy). */
  cutAll(): void {
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
