/**
 * Quorum packets captured between Apache ZooKeeper 3.8 learners and a ZooKeeper 3.8 leader (java-capture.txt,
 * recorded by scripts/java-capture/capture.ts through a TCP proxy): every packet decodes with zkts's decoder and
 * re-encodes byte for byte; the contents zkts interprets read as ZooKeeper meant them; where zkts builds the same
 * packet (LearnerInfo, LEADERINFO, ACKEPOCH, NEWLEADER's quorum verifier, REQUEST, PING answers, op packets,
 * the SNAP stream, txns) zkts's bytes for the same inputs are Java's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CreateRequest, OutputArchive, SetDataRequest, SyncRequest, decode } from "@zkts/jute";
import { TxnType, decodeTxn, encodeTxn } from "@zkts/client-wire";
import { parseZkSnapStream, serializeZkSnapStream } from "@zkts/persistence";
import { parseQuorumConfig } from "@zkts/election";
import { generateDigest } from "@zkts/core";
import { DataTree } from "@zkts/datatree";
import {
  PacketType,
  UPTODATE_PACKET,
  ZAB_PROTOCOL_VERSION,
  ackEpochPacket,
  decodePacket,
  encodePacket,
  epochOf,
  leaderInfoPacket,
  learnerInfoPacket,
  newLeaderPacket,
  opPacket,
  packetExtent,
  parseAckEpoch,
  parseLearnerInfo,
  writePacket,
  type Packet,
} from "@zkts/zab";
import {
  decodeTouchedSessions,
  encodeTouchedSessions,
  forwardedRequest,
  learnerPingData,
  parseRevalidate,
  parseRevalidateAnswer,
  requestPacket,
  revalidateAnswer,
  revalidatePacket,
} from "./forwarding.js";

interface Captured {
  conn: number;
  /** L: leader to learner; F: learner to leader. */
  dir: "L" | "F";
  bytes: Buffer;
  packet: Packet;
}

/** A capture file: the packets in order, and the SNAP streams. */
function load(file: string): { packets: Captured[]; snapshots: { conn: number; bytes: Buffer }[] } {
  const packets: Captured[] = [];
  const snapshots: { conn: number; bytes: Buffer }[] = [];
  for (const l of readFileSync(new URL(file, import.meta.url), "utf8").split("\n")) {
    if (l.length === 0 || l.startsWith("#")) continue;
    const [conn, dir, a, b] = l.split(" ") as [string, "L" | "F", string, string | undefined];
    if (a === "snapshot") snapshots.push({ conn: Number(conn), bytes: Buffer.from(b!, "hex") });
    else {
      const bytes = Buffer.from(a, "hex");
      packets.push({ conn: Number(conn), dir, bytes, packet: decodePacket(bytes) });
    }
  }
  return { packets, snapshots };
}

const { packets, snapshots } = load("./java-capture.txt");
const ofType = (type: number, dir?: "L" | "F") => packets.filter((p) => p.packet.type === type && (dir === undefined || p.dir === dir));
const hex = (b: Buffer) => b.toString("hex");

/**
 * Every distinct txn a leader proposed (PROPOSAL, INFORM data), in zxid order, replayed on a fresh DataTree: the
 * TxnDigest each carries beside the tree's digest once it is applied (DataTree.compareDigest's two sides).
 */
function replayDigests(ps: Captured[]): Array<{ zxid: bigint; type: number; carried: bigint | null; tree: bigint }> {
  const byZxid = new Map<bigint, Buffer>();
  for (const c of ps) {
    if (c.dir === "L" && (c.packet.type === PacketType.PROPOSAL || c.packet.type === PacketType.INFORM)) byZxid.set(c.packet.zxid, c.packet.data!);
  }
  const tree = new DataTree();
  const out: Array<{ zxid: bigint; type: number; carried: bigint | null; tree: bigint }> = [];
  for (const zxid of [...byZxid.keys()].sort((a, b) => (a < b ? -1 : 1))) {
    const { header, txn, digest } = decodeTxn(byZxid.get(zxid)!);
    tree.processTxn(header, txn);
    out.push({ zxid, type: header.type, carried: digest === null ? null : digest.treeDigest, tree: tree.digest() });
  }
  // nothing was missed: the epoch's txns from its first counter on
  expect(out.map((t) => t.zxid & 0xffffffffn)).toEqual(out.map((_, i) => BigInt(i + 1)));
  return out;
}

describe("quorum packets captured from ZooKeeper 3.8 peers", () => {
  it("the capture covers every phase: discovery, DIFF and SNAP sync, broadcast, INFORM, REQUEST, PING, REVALIDATE, SYNC", () => {
    const types = new Set(packets.map((p) => p.packet.type));
    for (const t of [
      PacketType.FOLLOWERINFO, PacketType.OBSERVERINFO, PacketType.LEADERINFO, PacketType.ACKEPOCH, PacketType.DIFF,
      PacketType.SNAP, PacketType.NEWLEADER, PacketType.UPTODATE, PacketType.PROPOSAL, PacketType.ACK, PacketType.COMMIT,
      PacketType.INFORM, PacketType.REQUEST, PacketType.PING, PacketType.REVALIDATE, PacketType.SYNC,
    ]) {
      expect(types.has(t), `a captured ${t}`).toBe(true);
    }
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
  });

  it("every packet decodes and re-encodes byte for byte (encodePacket, and writePacket as the stream carries it)", () => {
    for (const c of packets) {
      expect(hex(encodePacket(c.packet))).toBe(hex(c.bytes));
      const out = new OutputArchive(c.bytes.length);
      writePacket(out, c.packet);
      expect(hex(out.toBuffer())).toBe(hex(c.bytes));
      expect(packetExtent(c.bytes.length, (o) => c.bytes.readInt32BE(o))).toBe(c.bytes.length);
    }
  });

  it("FOLLOWERINFO / OBSERVERINFO: LearnerInfo with protocol version 0x10000 and config version 0, as zkts's learner builds it", () => {
    const infos = [...ofType(PacketType.FOLLOWERINFO, "F"), ...ofType(PacketType.OBSERVERINFO, "F")];
    expect(infos.length).toBeGreaterThanOrEqual(4);
    for (const c of infos) {
      const li = parseLearnerInfo(c.packet);
      expect(li.protocolVersion).toBe(ZAB_PROTOCOL_VERSION);
      expect(li.configVersion).toBe(0n);
      const ours = learnerInfoPacket(c.packet.type === PacketType.OBSERVERINFO, epochOf(c.packet.zxid), li.serverid, li.configVersion);
      expect(hex(encodePacket(ours))).toBe(hex(c.bytes));
    }
    expect(ofType(PacketType.OBSERVERINFO).map((c) => parseLearnerInfo(c.packet).serverid)).toEqual([4n]);
  });

  it("LEADERINFO (protocol version) and ACKEPOCH (current epoch, or -1 once accepted), as zkts builds them", () => {
    for (const c of ofType(PacketType.LEADERINFO, "L")) {
      expect(c.packet.data!.readInt32BE(0)).toBe(ZAB_PROTOCOL_VERSION);
      expect(hex(encodePacket(leaderInfoPacket(epochOf(c.packet.zxid))))).toBe(hex(c.bytes));
    }
    const acks = ofType(PacketType.ACKEPOCH, "F");
    expect(acks.map((c) => parseAckEpoch(c.packet).currentEpoch)).toContain(-1n); // the restarted follower
    for (const c of acks) {
      const { lastLoggedZxid, currentEpoch } = parseAckEpoch(c.packet);
      expect(hex(encodePacket(ackEpochPacket(lastLoggedZxid, currentEpoch === -1n ? -1 : currentEpoch)))).toBe(hex(c.bytes));
    }
  });

  it("NEWLEADER carries the leader's quorum verifier string: zkts's QuorumVerifier.toString for the same servers is the same text", () => {
    const nl = ofType(PacketType.NEWLEADER, "L");
    expect(nl.length).toBeGreaterThanOrEqual(4);
    for (const c of nl) {
      const text = c.packet.data!.toString("utf8");
      expect(text).toMatch(/^server\.1=127\.0\.0\.1:\d+:\d+:participant;127\.0\.0\.1:\d+\n/);
      expect(text).toMatch(/\nserver\.4=127\.0\.0\.1:\d+:\d+:observer;127\.0\.0\.1:\d+\nversion=0$/);
      // the server lines as zoo.cfg gave them to ZooKeeper (scripts/java-capture: no ":participant", ":observer"
      // on the observer), and in the verifier's own form: zkts prints both as the leader did
      const entries = text.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]);
      const servers = entries.filter(([k]) => k !== "version");
      const zooCfg = servers.map(([k, v]) => [k, v.replace(":participant;", ";")] as [string, string]);
      expect(zooCfg[0]![1]).not.toContain("participant");
      for (const form of [zooCfg, servers]) expect(parseQuorumConfig(form).toString()).toBe(text);
      const qv = parseQuorumConfig(zooCfg);
      expect(hex(encodePacket(newLeaderPacket(epochOf(c.packet.zxid), Buffer.from(qv.toString()))))).toBe(hex(c.bytes));
    }
  });

  it("DIFF, SNAP, UPTODATE, ACK, COMMIT and the leader's PING are op packets (zxid, no data) as zkts builds them", () => {
    for (const t of [PacketType.DIFF, PacketType.SNAP, PacketType.COMMIT]) {
      for (const c of ofType(t, "L")) expect(hex(encodePacket(opPacket(t, c.packet.zxid)))).toBe(hex(c.bytes));
    }
    for (const c of ofType(PacketType.ACK, "F")) expect(hex(encodePacket(opPacket(PacketType.ACK, c.packet.zxid)))).toBe(hex(c.bytes));
    for (const c of ofType(PacketType.PING, "L")) expect(hex(encodePacket(opPacket(PacketType.PING, c.packet.zxid)))).toBe(hex(c.bytes));
    for (const c of ofType(PacketType.UPTODATE, "L")) expect(hex(encodePacket(UPTODATE_PACKET))).toBe(hex(c.bytes));
    // a DIFF that carries txns: the restarted follower is sent PROPOSAL/COMMIT pairs before NEWLEADER
    const diffs = ofType(PacketType.DIFF, "L").filter((c) => c.packet.zxid > 0n);
    expect(diffs.length).toBeGreaterThanOrEqual(1);
    const conn = packets.filter((c) => c.conn === diffs[0]!.conn && c.dir === "L").map((c) => c.packet.type);
    expect(conn.slice(conn.indexOf(PacketType.DIFF), conn.indexOf(PacketType.NEWLEADER) + 1)).toEqual([
      PacketType.DIFF, PacketType.PROPOSAL, PacketType.COMMIT, PacketType.PROPOSAL, PacketType.COMMIT, PacketType.NEWLEADER,
    ]);
  });

  it("PROPOSAL and INFORM data: TxnHeader + txn + TxnDigest (digest.enabled), decoded and re-encoded by zkts's txn codec", () => {
    const txns = [...ofType(PacketType.PROPOSAL, "L"), ...ofType(PacketType.INFORM, "L")];
    const seen = new Set<number>();
    for (const c of txns) {
      const { header, txn, digest } = decodeTxn(c.packet.data!);
      expect(header.zxid).toBe(c.packet.zxid);
      expect(digest, `a digest on ${c.packet.zxid.toString(16)}`).toBeTruthy();
      expect(digest!.version).toBe(2);
      seen.add(header.type);
      expect(hex(encodeTxn(header, txn, digest))).toBe(hex(c.packet.data!));
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([TxnType.createSession, TxnType.create, TxnType.setData].sort((a, b) => a - b));
    // an INFORM is the PROPOSAL's data (Leader.inform)
    const proposals = new Map(ofType(PacketType.PROPOSAL, "L").map((c) => [c.packet.zxid, hex(c.packet.data!)]));
    for (const c of ofType(PacketType.INFORM, "L")) expect(hex(c.packet.data!)).toBe(proposals.get(c.packet.zxid));
  });

  it("the SNAP stream: sessions, ACL cache, nodes and \"BenWasHere\"; zkts serialises the same body to the same bytes", () => {
    for (const s of snapshots) {
      const body = parseZkSnapStream(s.bytes);
      expect(body.nodes.map((n) => n.path)).toContain("/zookeeper");
      expect(hex(serializeZkSnapStream(body))).toBe(hex(s.bytes));
    }
    // the observer's snapshot holds the writes and the live session
    const last = parseZkSnapStream(snapshots.at(-1)!.bytes);
    expect(last.nodes.map((n) => n.path)).toEqual(expect.arrayContaining(["/cap", "/eph"]));
    expect(last.sessions.length).toBeGreaterThanOrEqual(1);
  });

  it("REQUEST: sessionId, cxid, type, the request as the client sent it, auth ids in authinfo; zkts's learner writes the same bytes", () => {
    const reqs = ofType(PacketType.REQUEST, "F");
    const byType = new Map<number, Captured[]>();
    for (const c of reqs) {
      const r = forwardedRequest(c.packet);
      byType.set(r.type, [...(byType.get(r.type) ?? []), c]);
      expect(hex(encodePacket(requestPacket(r)))).toBe(hex(c.bytes));
    }
    // createSession (-10): the timeout, no authinfo (a null vector)
    const cs = byType.get(-10)![0]!;
    expect(cs.packet.authinfo).toBeUndefined();
    expect(forwardedRequest(cs.packet).body.readInt32BE(0)).toBe(20000);
    // a create after addauth: the digest id beside the ip one, in the order of ServerCnxn's HashSet of ids
    // (zkts's session layer keeps a connection's ids in that order: core's addAuthId)
    const create = byType.get(1)![0]!;
    expect(decode(CreateRequest, forwardedRequest(create.packet).body)).toMatchObject({ path: "/cap", flags: 0 });
    expect(create.packet.authinfo).toEqual([
      { scheme: "digest", id: "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=" },
      { scheme: "ip", id: "127.0.0.1" },
    ]);
    expect(generateDigest("alice:secret")).toBe("alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
    expect(decode(SetDataRequest, forwardedRequest(byType.get(5)![0]!.packet).body)).toMatchObject({ path: "/cap", version: -1 });
    expect(decode(SyncRequest, forwardedRequest(byType.get(9)![0]!.packet).body)).toMatchObject({ path: "/cap" });
  });

  it("a learner's PING answer: the (sessionId, timeout) table of the sessions it saw, as zkts encodes it", () => {
    const answers = ofType(PacketType.PING, "F");
    // one answer per PING of the leader: never more answers than PINGs on a connection (both kept to 3 each)
    for (const conn of new Set(answers.map((c) => c.conn))) {
      const n = (dir: "L" | "F") => packets.filter((c) => c.conn === conn && c.dir === dir && c.packet.type === PacketType.PING).length;
      expect(n("F")).toBeLessThanOrEqual(n("L"));
    }
    const withSessions = answers.filter((c) => c.packet.data !== null && c.packet.data.length > 0);
    expect(withSessions.length).toBeGreaterThanOrEqual(1);
    for (const c of answers) {
      const entries = [...decodeTouchedSessions(c.packet.data!)];
      expect(entries.length * 12).toBe(c.packet.data!.length);
      for (const [, timeout] of entries) expect(timeout).toBe(20000);
      // zkts's learner: one answer per PING, the table of what its clients touched
      const ours: Packet = { type: PacketType.PING, zxid: c.packet.zxid, data: learnerPingData({ takeTouchedSessions: () => entries }) };
      expect(encodeTouchedSessions(entries, entries.length)).toEqual(ours.data);
      expect(hex(encodePacket(ours))).toBe(hex(c.bytes));
    }
  });

  it("REVALIDATE: the learner's (sessionId, timeout), the leader's (sessionId, valid), as zkts builds them; SYNC: the leader's answer is bare", () => {
    const [ask] = ofType(PacketType.REVALIDATE, "F");
    const [answer] = ofType(PacketType.REVALIDATE, "L");
    expect(ask!.packet.data!.length).toBe(12);
    expect(answer!.packet.data!.length).toBe(9);
    expect(answer!.packet.data!.readBigInt64BE(0)).toBe(ask!.packet.data!.readBigInt64BE(0));
    expect(ask!.packet.data!.readInt32BE(8)).toBe(20000);
    expect(answer!.packet.data![8]).toBe(1); // valid
    // zkts's learner and leader build the same packets
    const { sessionId, timeout } = parseRevalidate(ask!.packet);
    expect(hex(encodePacket(revalidatePacket(sessionId, timeout)))).toBe(hex(ask!.bytes));
    expect(parseRevalidateAnswer(answer!.packet)).toEqual({ sessionId, valid: true });
    expect(hex(encodePacket(revalidateAnswer(ask!.packet, sessionId, true)))).toBe(hex(answer!.bytes));
    // the moved session is the one whose requests came through follower 1
    const first = forwardedRequest(ofType(PacketType.REQUEST, "F")[0]!.packet).sessionId;
    expect(ask!.packet.data!.readBigInt64BE(0)).toBe(first);
    // Leader.sendSync: SYNC, zxid 0, no data, no authinfo
    for (const c of ofType(PacketType.SYNC, "L")) expect(c.packet).toEqual({ type: PacketType.SYNC, zxid: 0n, data: null });
  });
});

/**
 * The same steps with a zkts leader (java-capture-zkts-leader.txt, `capture.ts --zkts-leader`): what it sends
 * ZooKeeper learners has the ZooKeeper leader's structure, packet for packet, its txns with the TxnDigest
 * ZooKeeper's leader attaches, its SYNC answers bare. (zkts SNAPs only a learner behind its committed log: its
 * learners are sent DIFFs.)
 */
describe("a zkts leader's streams to ZooKeeper 3.8 learners, against a ZooKeeper leader's", () => {
  const z = load("./java-capture-zkts-leader.txt");
  const captures = { zookeeper: packets, zkts: z.packets };

  it("every packet decodes and re-encodes byte for byte", () => {
    for (const c of z.packets) expect(hex(encodePacket(c.packet))).toBe(hex(c.bytes));
  });

  /** A connection's leader-to-learner packet types, PINGs left out, as one letter each. */
  function shape(ps: Captured[], conn: number): string {
    const letter: Record<number, string> = {
      [PacketType.LEADERINFO]: "I", [PacketType.DIFF]: "D", [PacketType.SNAP]: "S", [PacketType.TRUNC]: "T", [PacketType.PROPOSAL]: "p",
      [PacketType.COMMIT]: "c", [PacketType.NEWLEADER]: "N", [PacketType.UPTODATE]: "U", [PacketType.INFORM]: "i", [PacketType.SYNC]: "s",
      [PacketType.REVALIDATE]: "r",
    };
    return ps.filter((c) => c.conn === conn && c.dir === "L" && c.packet.type !== PacketType.PING).map((c) => letter[c.packet.type] ?? `?${c.packet.type}`).join("");
  }
  const observerConns = (ps: Captured[]) => new Set(ps.filter((c) => c.packet.type === PacketType.OBSERVERINFO).map((c) => c.conn));
  const conns = (ps: Captured[]) => [...new Set(ps.map((c) => c.conn))];

  it("each connection: LEADERINFO, DIFF with (PROPOSAL, COMMIT)* or SNAP, NEWLEADER, UPTODATE, then the broadcast (INFORM to observers)", () => {
    for (const [kind, ps] of Object.entries(captures)) {
      const observers = observerConns(ps);
      expect(conns(ps), kind).toHaveLength(4);
      for (const conn of conns(ps)) {
        const broadcast = observers.has(conn) ? "[isr]*" : "(pc|s|r)*";
        expect(shape(ps, conn), `${kind} connection ${conn}`).toMatch(new RegExp(`^I(D(pc)*|S)NU${broadcast}$`));
      }
    }
    // the restarted follower is sent the same DIFF by either leader
    expect(shape(z.packets, 3)).toBe(shape(packets, 3));
  });

  it("the same LEADERINFO and UPTODATE bytes; NEWLEADER's verifier text of the same form; INFORM = the PROPOSAL's data", () => {
    const first = (ps: Captured[], t: number) => hex(ps.find((c) => c.packet.type === t && c.dir === "L")!.bytes);
    expect(first(z.packets, PacketType.LEADERINFO)).toBe(first(packets, PacketType.LEADERINFO));
    expect(first(z.packets, PacketType.UPTODATE)).toBe(first(packets, PacketType.UPTODATE));
    const text = (ps: Captured[]) => ps.find((c) => c.packet.type === PacketType.NEWLEADER)!.packet.data!.toString("utf8").replace(/\d{4,5}/g, "<port>");
    expect(text(z.packets)).toBe(text(packets));
    const proposals = new Map(z.packets.filter((c) => c.packet.type === PacketType.PROPOSAL).map((c) => [c.packet.zxid, hex(c.packet.data!)]));
    const informs = z.packets.filter((c) => c.packet.type === PacketType.INFORM);
    expect(informs.length).toBeGreaterThanOrEqual(2);
    for (const c of informs) expect(hex(c.packet.data!)).toBe(proposals.get(c.packet.zxid));
    for (const c of [...proposals.keys()]) {
      const t = decodeTxn(z.packets.find((p) => p.packet.zxid === c && p.packet.type === PacketType.PROPOSAL)!.packet.data!);
      expect(t.header.zxid).toBe(c);
    }
  });

  it("every txn carries the TxnDigest ZooKeeper's leader attaches: the tree digest once it is applied, as in ZooKeeper's stream", () => {
    const ours = replayDigests(z.packets);
    const theirs = replayDigests(packets);
    for (const [kind, txns] of Object.entries({ zkts: ours, zookeeper: theirs })) {
      expect(txns.length, kind).toBeGreaterThanOrEqual(4);
      for (const t of txns) expect(t.carried, `${kind} txn 0x${t.zxid.toString(16)} (type ${t.type})`).toBe(t.tree);
    }
    // the same txn kinds, and where the trees are the same (the first createSession, on the empty tree) the same value
    expect(ours.map((t) => t.type)).toEqual(theirs.map((t) => t.type));
    expect(ours[0]!.type).toBe(TxnType.createSession);
    expect(ours[0]!.carried).toBe(theirs[0]!.carried);
    expect(ours[0]!.carried).toBe(new DataTree().digest());
  });

  it("REVALIDATE answered as ZooKeeper's leader answers it; PINGs carry the zxid last proposed; SYNC is bare (zxid 0) as ZooKeeper's", () => {
    const answers = (ps: Captured[]) => ps.filter((c) => c.packet.type === PacketType.REVALIDATE && c.dir === "L");
    const [ours] = answers(z.packets);
    const [theirs] = answers(packets);
    expect(ours!.bytes.length).toBe(theirs!.bytes.length);
    expect(ours!.packet.zxid).toBe(theirs!.packet.zxid);
    expect(ours!.packet.data![8]).toBe(1);
    for (const c of z.packets.filter((p) => p.packet.type === PacketType.PING && p.dir === "L")) {
      expect(epochOf(c.packet.zxid)).toBe(1n);
      expect(c.packet.data).toBeNull();
    }
    for (const c of z.packets.filter((p) => p.packet.type === PacketType.SYNC && p.dir === "L")) {
      expect(c.packet).toEqual({ type: PacketType.SYNC, zxid: 0n, data: null });
    }
    // the ZooKeeper learners acknowledged every proposal they were sent
    for (const conn of conns(z.packets).filter((n) => !observerConns(z.packets).has(n))) {
      const sent = z.packets.filter((c) => c.conn === conn && c.dir === "L" && c.packet.type === PacketType.PROPOSAL).map((c) => c.packet.zxid);
      const acked = new Set(z.packets.filter((c) => c.conn === conn && c.dir === "F" && c.packet.type === PacketType.ACK).map((c) => c.packet.zxid));
      for (const zxid of sent) expect(acked.has(zxid), `ACK of ${zxid.toString(16)} on connection ${conn}`).toBe(true);
    }
  });
});

/**
 * The same steps with zkts learners under a ZooKeeper leader (java-capture-zkts-learners.txt, `capture.ts
 * --zkts-learners`): what zkts followers and a zkts observer send is what ZooKeeper's learners sent, connection for
 * connection (LearnerInfo and ACKEPOCH bytes, then the same ACKs, REQUESTs and REVALIDATE; PING answers only
 * after the NEWLEADER ACK).
 */
describe("zkts learners' streams to a ZooKeeper 3.8 leader, against ZooKeeper learners'", () => {
  const z = load("./java-capture-zkts-learners.txt");

  it("every packet decodes and re-encodes byte for byte", () => {
    for (const c of z.packets) expect(hex(encodePacket(c.packet))).toBe(hex(c.bytes));
  });

  /** Per server id, each synchronised connection's learner-to-leader packets: discovery in order, then the rest as a set. */
  function learners(ps: Captured[]): Map<string, { info: string; ackEpoch: string; first: string; rest: string[] }[]> {
    const out = new Map<string, { info: string; ackEpoch: string; first: string; rest: string[] }[]>();
    for (const conn of new Set(ps.map((c) => c.conn))) {
      const f = ps.filter((c) => c.conn === conn && c.dir === "F");
      if (!f.some((c) => c.packet.type === PacketType.ACKEPOCH)) continue; // a connection the leader did not take yet
      const info = f[0]!;
      const sid = String(parseLearnerInfo(info.packet).serverid);
      const token = (c: Captured) => {
        if (c.packet.type === PacketType.ACK) return `ACK ${c.packet.zxid.toString(16)}`;
        if (c.packet.type === PacketType.REQUEST) return `REQUEST ${forwardedRequest(c.packet).type} auth=${c.packet.authinfo?.map((a) => a.scheme).join(",") ?? "null"}`;
        if (c.packet.type === PacketType.REVALIDATE) return `REVALIDATE ${parseRevalidate(c.packet).timeout}`;
        return String(c.packet.type);
      };
      const rest = f.slice(3).filter((c) => c.packet.type !== PacketType.PING).map(token).sort();
      const list = out.get(sid) ?? [];
      list.push({ info: hex(info.bytes), ackEpoch: hex(f[1]!.bytes), first: token(f[2]!), rest });
      out.set(sid, list);
    }
    return out;
  }

  it("connection for connection: the same LearnerInfo and ACKEPOCH bytes, the NEWLEADER ACK first, then the same ACKs, REQUESTs and REVALIDATE", () => {
    const ours = learners(z.packets);
    const theirs = learners(packets);
    expect([...ours.keys()].sort()).toEqual(["1", "2", "4"]);
    expect(ours).toEqual(theirs);
  });

  it("PING answers: none before the NEWLEADER ACK, one per PING, each the session table", () => {
    for (const conn of new Set(z.packets.map((c) => c.conn))) {
      const f = z.packets.filter((c) => c.conn === conn && c.dir === "F").map((c) => c.packet);
      const firstAck = f.findIndex((p) => p.type === PacketType.ACK && (p.zxid & 0xffffffffn) === 0n);
      const firstPing = f.findIndex((p) => p.type === PacketType.PING);
      if (firstPing >= 0) expect(firstPing, `connection ${conn}`).toBeGreaterThan(firstAck);
      for (const p of f.filter((q) => q.type === PacketType.PING)) expect(p.data!.length % 12).toBe(0);
    }
    expect(z.packets.some((c) => c.dir === "F" && c.packet.type === PacketType.PING && c.packet.data!.length === 12)).toBe(true);
  });
});
