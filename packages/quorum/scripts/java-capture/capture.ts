/**
 * Records the quorum byte streams between Apache ZooKeeper 3.8 learners and a ZooKeeper 3.8 leader (Debian's
 * QuorumPeerMain), through a recording TCP proxy, and prints them as packages/quorum/src/java-capture.txt.
 *
 * Ensemble: server.3 leads (started first, highest sid), servers 1 and 2 follow, server 4 observes. The learners'
 * zoo.cfg give server.3's quorum port as the proxy's; the leader's own gives the real one. The leader runs with
 * -Dzookeeper.snapshotSizeFactor=-1 so a learner outside its in-memory committed log is sent a SNAP.
 *
 * Steps: followers 1 and 2 join (DIFF, empty), a client on follower 1 adds digest auth and writes (REQUEST with
 * authinfo, PROPOSAL/ACK/COMMIT with digests), syncs (SYNC), stays while the leader PINGs (the follower answers with
 * its session table); the observer joins late (SNAP) and is sent INFORMs; the client's session moves to the observer
 * (REVALIDATE); follower 1 is killed and restarted behind the leader (DIFF with txns).
 *
 * With `--zkts-leader`, server.3 is zkts-server (apps/server/bin, built) instead: the same steps record what a zkts
 * leader sends ZooKeeper learners (java-capture-zkts-leader.txt; zkts SNAPs only a learner behind its committed log).
 * With `--zkts-learners`, servers 1, 2 and 4 are zkts-server: what zkts learners send a ZooKeeper leader
 * (java-capture-zkts-learners.txt).
 *
 * Usage (needs /usr/share/zookeeper, a JRE):
 *   npx tsx packages/quorum/scripts/java-capture/capture.ts > packages/quorum/src/java-capture.txt
 *   npx tsx packages/quorum/scripts/java-capture/capture.ts --zkts-leader > packages/quorum/src/java-capture-zkts-leader.txt
 *   npx tsx packages/quorum/scripts/java-capture/capture.ts --zkts-learners > packages/quorum/src/java-capture-zkts-learners.txt
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as net from "node:net";
import {
  AuthPacket,
  ConnectRequest,
  ConnectResponse,
  CreateRequest,
  FrameDecoder,
  GetDataRequest,
  ReplyHeader,
  RequestHeader,
  SetDataRequest,
  SyncRequest,
  decode,
  encode,
  frame,
} from "@zkts/jute";

const JARS = "/usr/share/java";
const CP = ["zookeeper.jar", "slf4j-simple.jar", "servlet-api.jar", "netty-codec.jar", "netty-resolver.jar"]
  .map((j) => join(JARS, j))
  .filter((p) => existsSync(p))
  .join(":");

const ZKTS_LEADER = process.argv.includes("--zkts-leader");
const ZKTS_LEARNERS = process.argv.includes("--zkts-learners");
const ZKTS_SERVER = new URL("../../../../apps/server/bin/zkts-server.js", import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function fourLetter(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    let out = "";
    const s = net.connect(port, "127.0.0.1", () => s.write(word));
    s.on("data", (d) => (out += d.toString()));
    s.on("close", () => resolve(out));
    s.on("error", () => resolve(""));
    s.setTimeout(2000, () => s.destroy());
  });
}

/** One proxied learner connection: every chunk in both directions, in order. */
interface Recorded {
  index: number;
  toLeader: Buffer[];
  fromLeader: Buffer[];
}

function startProxy(listenPort: number, leaderPort: number, conns: Recorded[]): net.Server {
  const server = net.createServer((learner) => {
    const rec: Recorded = { index: conns.length, toLeader: [], fromLeader: [] };
    conns.push(rec);
    const leader = net.connect(leaderPort, "127.0.0.1");
    learner.on("data", (d: Buffer) => {
      rec.toLeader.push(Buffer.from(d));
      leader.write(d);
    });
    leader.on("data", (d: Buffer) => {
      rec.fromLeader.push(Buffer.from(d));
      learner.write(d);
    });
    learner.on("close", () => leader.destroy());
    leader.on("close", () => learner.destroy());
    learner.on("error", () => {});
    leader.on("error", () => {});
  });
  server.listen(listenPort, "127.0.0.1");
  return server;
}

/** A raw client: requests answered in order; watch events and ping answers set aside. */
class RawClient {
  private readonly dec = new FrameDecoder();
  private readonly waiting: ((f: Buffer) => void)[] = [];
  private xid = 1;
  private pinger: NodeJS.Timeout | undefined;
  private constructor(private readonly sock: net.Socket) {
    sock.on("data", (d: Buffer) =>
      this.dec.push(d, (f) => {
        const b = Buffer.from(f);
        const xid = b.readInt32BE(0);
        if (xid === -1 || xid === -2) return;
        this.waiting.shift()?.(b);
      }),
    );
    sock.on("error", () => {});
  }
  static async connect(port: number, sessionId = 0n, passwd: Buffer = Buffer.alloc(16)): Promise<{ c: RawClient; resp: ConnectResponse }> {
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(s));
      s.once("error", reject);
    });
    const c = new RawClient(sock);
    const first = new Promise<Buffer>((r) => c.waiting.push(r));
    sock.write(frame(encode(ConnectRequest, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 20000, sessionId, passwd })));
    const resp = decode(ConnectResponse, await first, { allowTrailing: true });
    c.pinger = setInterval(() => sock.write(frame(encode(RequestHeader, { xid: -2, type: 11 }))), 1000);
    return { c, resp };
  }
  async req(type: number, body: Buffer): Promise<number> {
    const f = new Promise<Buffer>((r) => this.waiting.push(r));
    this.sock.write(frame(Buffer.concat([encode(RequestHeader, { xid: this.xid++, type }), body])));
    return decode(ReplyHeader, (await f).subarray(0, 16)).err;
  }
  /** addauth: answered with xid -4 (no reply awaited, as ZooKeeper's client). */
  addAuth(scheme: string, auth: string): void {
    this.sock.write(frame(Buffer.concat([encode(RequestHeader, { xid: -4, type: 100 }), encode(AuthPacket, { type: 0, scheme, auth: Buffer.from(auth) })])));
  }
  close(): void {
    clearInterval(this.pinger);
    this.sock.destroy();
  }
}

const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const CREATOR_ALL = [{ perms: 31, id: { scheme: "auth", id: "" } }];

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "zkts-capture-"));
  const ids = [1, 2, 3, 4];
  const ports = new Map<number, { client: number; quorum: number; election: number }>();
  for (const id of ids) ports.set(id, { client: await freePort(), quorum: await freePort(), election: await freePort() });
  const proxyPort = await freePort();
  const procs = new Map<number, ChildProcess>();
  const logs = new Map<number, string>();
  const cfgOf = (id: number) => join(root, `s${id}`, "zoo.cfg");
  for (const id of ids) {
    const dir = join(root, `s${id}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "myid"), `${id}\n`);
    const lines = ids.map((s) => {
      const p = ports.get(s)!;
      // the learners reach the leader through the proxy
      const q = s === 3 && id !== 3 ? proxyPort : p.quorum;
      return `server.${s}=127.0.0.1:${q}:${p.election}${s === 4 ? ":observer" : ""};127.0.0.1:${p.client}`;
    });
    const cfg = [
      "tickTime=1000",
      "initLimit=10",
      "syncLimit=5",
      `dataDir=${dir}`,
      "4lw.commands.whitelist=*",
      "admin.enableServer=false",
      ...(id === 4 ? ["peerType=observer"] : []),
      ...lines,
    ];
    writeFileSync(cfgOf(id), cfg.join("\n") + "\n");
  }
  const start = (id: number) => {
    const flags = ["-Xmx192m", "-XX:+UseSerialGC", "-Dzookeeper.jmx.log4j.disable=true", ...(id === 3 ? ["-Dzookeeper.snapshotSizeFactor=-1"] : [])];
    const p =
      (id === 3 && ZKTS_LEADER) || (id !== 3 && ZKTS_LEARNERS)
        ? spawn(process.execPath, [ZKTS_SERVER, cfgOf(id)], { stdio: ["ignore", "pipe", "pipe"] })
        : spawn("/usr/bin/java", [...flags, "-cp", CP, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgOf(id)], { stdio: ["ignore", "pipe", "pipe"] });
    logs.set(id, "");
    const add = (d: Buffer) => logs.set(id, (logs.get(id) ?? "") + d.toString());
    p.stdout!.on("data", add);
    p.stderr!.on("data", add);
    procs.set(id, p);
  };
  const kill = async (id: number) => {
    const p = procs.get(id);
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await gone;
    procs.delete(id);
  };
  const mode = async (id: number) => /Mode: (\w+)/.exec(await fourLetter(ports.get(id)!.client, "srvr"))?.[1];
  const waitMode = async (id: number, want: string) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if ((await mode(id)) === want) return;
      await sleep(200);
    }
    throw new Error(`server ${id} not ${want}:\n${(logs.get(id) ?? "").slice(-3000)}`);
  };

  const conns: Recorded[] = [];
  const proxy = startProxy(proxyPort, ports.get(3)!.quorum, conns);
  const step = (s: string) => process.stderr.write(`capture: ${s}\n`);
  try {
    start(3);
    await sleep(1500);
    start(1);
    await waitMode(3, "leader");
    await waitMode(1, "follower");
    start(2);
    await waitMode(2, "follower");
    step("followers 1 and 2 synced");

    const c1 = ports.get(1)!.client;
    const { c, resp } = await RawClient.connect(c1);
    c.addAuth("digest", "alice:secret");
    await sleep(200);
    if ((await c.req(1, encode(CreateRequest, { path: "/cap", data: Buffer.from("v1"), acl: CREATOR_ALL, flags: 0 }))) !== 0) throw new Error("create /cap");
    if ((await c.req(5, encode(SetDataRequest, { path: "/cap", data: Buffer.from("v2"), version: -1 }))) !== 0) throw new Error("setData /cap");
    if ((await c.req(1, encode(CreateRequest, { path: "/eph", data: Buffer.from("e"), acl: OPEN, flags: 1 }))) !== 0) throw new Error("create /eph");
    if ((await c.req(9, encode(SyncRequest, { path: "/cap" }))) !== 0) throw new Error("sync");
    if ((await c.req(4, encode(GetDataRequest, { path: "/cap", watch: false }))) !== 0) throw new Error("getData");
    step("writes, sync");
    await sleep(3500); // leader PINGs; follower 1 answers with the session's entry

    start(4);
    await waitMode(4, "observer");
    const { c: c2 } = await RawClient.connect(ports.get(2)!.client);
    if ((await c2.req(1, encode(CreateRequest, { path: "/after-observer", data: Buffer.from("o"), acl: OPEN, flags: 0 }))) !== 0) throw new Error("create /after-observer");
    c2.close();
    await sleep(1000);
    step("observer synced, INFORMs");

    // the session moves to the observer: it revalidates it with the leader
    c.close();
    const { c: moved, resp: r2 } = await RawClient.connect(ports.get(4)!.client, resp.sessionId, resp.passwd ?? Buffer.alloc(16));
    if (r2.sessionId !== resp.sessionId) throw new Error("session not revalidated on the observer");
    if ((await moved.req(9, encode(SyncRequest, { path: "/" }))) !== 0) throw new Error("sync on the observer");
    await sleep(2500);
    moved.close();
    step("session moved (REVALIDATE)");

    // follower 1 falls behind and comes back: DIFF with the txns it lacks
    await kill(1);
    const { c: c3 } = await RawClient.connect(ports.get(2)!.client);
    if ((await c3.req(5, encode(SetDataRequest, { path: "/after-observer", data: Buffer.from("while 1 was away"), version: -1 }))) !== 0) throw new Error("setData");
    c3.close();
    start(1);
    await waitMode(1, "follower");
    await sleep(1500);
    step("follower 1 back (DIFF)");
  } finally {
    for (const id of [...procs.keys()]) await kill(id);
    proxy.close();
    rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(render(conns));
}

/**
 * The fixture text: per connection, each direction's QuorumPackets in order (`<conn> <dir> <hex>`, dir L for
 * leader to learner, F for learner to leader), the learner stream after a SNAP as one `snapshot` line. Repeated
 * PINGs are kept to the first three each way per connection.
 */
function render(conns: Recorded[]): string {
  const out: string[] = [
    `# Quorum packets between ${ZKTS_LEARNERS ? "zkts" : "Apache ZooKeeper 3.8"} learners and a ${ZKTS_LEADER ? "zkts" : "ZooKeeper 3.8"} leader, recorded by a TCP proxy`,
    "# (packages/quorum/scripts/java-capture/capture.ts). <connection> <L: leader to learner | F: learner to leader> <hex>",
    "# '<connection> L snapshot <hex>': the learner stream after SNAP (snapshot body, \"BenWasHere\").",
  ];
  const SIG = Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.from("BenWasHere")]);
  for (const rec of conns) {
    for (const [dir, chunks] of [["F", rec.toLeader], ["L", rec.fromLeader]] as const) {
      const b = Buffer.concat(chunks);
      let off = 0;
      let pings = 0;
      // the first 4 bytes a learner sends are its protocol... none in 3.8: QuorumPackets from the start
      while (off + 16 <= b.length) {
        const size = extent(b, off);
        if (size === undefined) break;
        const pkt = b.subarray(off, off + size);
        const type = pkt.readInt32BE(0);
        off += size;
        if (type === 5 && ++pings > 3) continue;
        out.push(`${rec.index} ${dir} ${pkt.toString("hex")}`);
        if (type === 15 && dir === "L") {
          const end = b.indexOf(SIG, off);
          if (end < 0) throw new Error("SNAP without the signature");
          out.push(`${rec.index} L snapshot ${b.subarray(off, end + SIG.length).toString("hex")}`);
          off = end + SIG.length;
        }
      }
      if (off !== b.length) out.push(`# connection ${rec.index} ${dir}: ${b.length - off} trailing bytes (a packet cut by the kill)`);
    }
  }
  return out.join("\n") + "\n";
}

/** A QuorumPacket's size at `off` (type, zxid, data buffer, authinfo vector of (scheme, id) strings). */
function extent(b: Buffer, off: number): number | undefined {
  let o = off + 12;
  if (o + 4 > b.length) return undefined;
  const len = b.readInt32BE(o);
  o += 4 + Math.max(len, 0);
  if (o + 4 > b.length) return undefined;
  const n = b.readInt32BE(o);
  o += 4;
  for (let i = 0; i < Math.max(n, 0) * 2; i++) {
    if (o + 4 > b.length) return undefined;
    const l = b.readInt32BE(o);
    o += 4 + Math.max(l, 0);
  }
  return o > b.length ? undefined : o - off;
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
