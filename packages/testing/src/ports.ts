/** Free ports on 127.0.0.1, and the `srvr` four-letter word. */
import { connect, createServer } from "node:net";

/** A port the OS says is free now (from the ephemeral range). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A free port below Linux's ephemeral range (32768-60999), for an ensemble's listeners: the members' own outgoing
 * quorum and election connections take ephemeral ports and could take one a member is about to listen on.
 */
export function freeListenPort(taken: Set<number>): Promise<number> {
  const candidate = 20000 + Math.floor(Math.random() * 12000);
  if (taken.has(candidate)) return freeListenPort(taken);
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(freeListenPort(taken)));
    srv.listen(candidate, "127.0.0.1", () =>
      srv.close(() => {
        taken.add(candidate);
        resolve(candidate);
      }),
    );
  });
}

/** Sends a four-letter word; resolves with the answer ("" when the connection is refused or times out). */
export function fourLetterWord(port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    let out = "";
    const s = connect(port, "127.0.0.1", () => s.write(word));
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on("data", (d: Buffer) => (out += d.toString()));
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/**
 * `Mode:` from srvr ("standalone", "leader", "follower", "observer", "read-only"); "looking" when the member
 * answers ZooKeeper's "This ZooKeeper instance is not currently serving requests" (an ensemble member with no server
 * running: electing or synchronising, not read-only); undefined when there is no answer or no Mode line.
 */
export async function serverMode(port: number): Promise<string | undefined> {
  const out = await fourLetterWord(port, "srvr");
  if (out.startsWith("This ZooKeeper instance is not currently serving requests")) return "looking";
  return /Mode: ([\w-]+)/.exec(out)?.[1];
}
