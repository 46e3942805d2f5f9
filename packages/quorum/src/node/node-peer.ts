/**
 * A QuorumPeer on real sockets: the quorum port (QuorumTransport) and the election port (@zkts/election's
 * NodeCnxManager) wired to the pure peer. Clock, randomness and storage are the caller's (an app passes the
 * system clock, crypto randomness and NodeStorage).
 */
import type { HostPort, PeerAuth, PeerSockets } from "@zkts/election";
import { NodeCnxManager } from "@zkts/election";
import { PACKET_NAMES, PacketType, type Packet } from "@zkts/zab";
import { QuorumPeer } from "../peer.js";
import type { QuorumPeerEnv, QuorumPeerInit } from "../types.js";
import { QuorumTransport } from "./quorum-transport.js";

export interface NodeQuorumPeerOptions {
  init: QuorumPeerInit;
  env: Omit<QuorumPeerEnv, "quorumNet" | "electionNet" | "defer">;
  /** Where the quorum (ZAB) port listens; default this member's first quorum address in `init.quorum`. */
  quorumAddr?: HostPort;
  /** Election connections' sockets (quorum TLS); default plain TCP. */
  electionSockets?: PeerSockets;
  /** Authentication on election connections after the initial message (quorum SASL). */
  electionAuth?: PeerAuth;
  /** Learner connections' sockets (quorum TLS and/or SASL); default plain TCP. */
  learnerSockets?: PeerSockets;
}

/** The election port could not be bound (ZooKeeper exits; zkts-server exits 14). */
export class ElectionPortError extends Error {
  constructor(
    readonly addr: HostPort,
    cause: Error,
  ) {
    super(`cannot bind the election port ${addr.host}:${addr.port}: ${cause.message}`);
    this.name = "ElectionPortError";
  }
}

export interface NodeQuorumPeer {
  readonly peer: QuorumPeer;
  /**
   * Cuts this member off the ensemble (on) or reconnects it (off), for tests: while isolated every quorum connection
   * is reset and new ones refused, and election messages are dropped both ways. Client connections are not touched.
   */
  isolate(on: boolean): void;
  /** Stops the peer, then closes the quorum and election ports. */
  close(): Promise<void>;
}

/**
 * Restores the member's data, binds its quorum and election ports and returns the peer, not yet started: serve its
 * `clientPort` on a client listener, then call `peer.start()`.
 */
export async function openNodeQuorumPeer(opts: NodeQuorumPeerOptions): Promise<NodeQuorumPeer> {
  const { init, env } = opts;
  const me = init.quorum.allMembers.get(init.sid);
  if (me === undefined) throw new Error(`server ${init.sid} is not in the quorum configuration`);
  const quorumAddr = opts.quorumAddr ?? me.quorumAddrs[0];
  const electionAddr = me.electionAddrs[0];
  if (quorumAddr === undefined || electionAddr === undefined) throw new Error(`server ${init.sid} has no quorum or election address`);

  let peer: QuorumPeer | undefined;
  let isolated = false;
  // debug: the handshake of a leader and its learners (FOLLOWERINFO .. UPTODATE, the NEWLEADER ACK), for timelines
  const handshake = (dir: "in" | "out", conn: number, p: Packet) => {
    if ((p.type >= PacketType.NEWLEADER && p.type <= PacketType.ACKEPOCH) || (p.type === PacketType.ACK && (p.zxid & 0xffffffffn) === 0n)) {
      env.logger.debug(`quorum ${dir}: ${PACKET_NAMES[p.type] ?? p.type}`, { conn, zxid: `0x${p.zxid.toString(16)}` });
    }
  };
  const transport = new QuorumTransport({
    accepted: (conn) => {
      env.logger.debug("quorum connection accepted", { conn });
      if (isolated) transport.close(conn);
      else peer?.quorumAccepted(conn);
    },
    packet: (conn, p) => {
      handshake("in", conn, p);
      peer?.quorumPacket(conn, p);
    },
    snapshot: (conn, bytes) => peer?.quorumSnapshot(conn, bytes),
    closed: (conn) => peer?.quorumClosed(conn),
    error: (conn, message) => env.logger.warn("quorum connection error", { conn, message }),
  }, opts.learnerSockets);
  const peers = new Map<bigint, HostPort>();
  for (const [sid, s] of init.quorum.allMembers) if (sid !== init.sid && s.electionAddrs[0] !== undefined) peers.set(sid, s.electionAddrs[0]);
  const cnx = new NodeCnxManager(
    {
      mySid: init.sid,
      electionAddr,
      peers,
      ...(opts.electionSockets !== undefined ? { sockets: opts.electionSockets } : {}),
      ...(opts.electionAuth !== undefined ? { auth: opts.electionAuth } : {}),
    },
    { logger: env.electionLogger ?? env.logger, clock: env.clock },
  );
  cnx.onMessage = (from, payload) => {
    if (!isolated) peer?.electionMessage(from, payload);
  };

  const p = await QuorumPeer.open(init, {
    ...env,
    // A committed config's new members are dialled at their election addresses from now on.
    onConfigCommitted: (qv) => {
      for (const [sid, s] of qv.allMembers) if (sid !== init.sid && s.electionAddrs[0] !== undefined) peers.set(sid, s.electionAddrs[0]);
      env.onConfigCommitted?.(qv);
    },
    defer: (fn) => void setImmediate(fn),
    quorumNet: {
      send: (conn, packet) => {
        handshake("out", conn, packet);
        transport.send(conn, packet);
      },
      sendBytes: (conn, bytes) => transport.sendBytes(conn, bytes),
      flushAll: () => transport.flushAll(),
      close: (conn) => transport.close(conn),
      dial: (sid, timeoutMs) => {
        if (isolated) return Promise.reject(new Error("isolated"));
        const addr = (peer?.configs.committed ?? init.quorum).allMembers.get(sid)?.quorumAddrs[0];
        if (addr === undefined) return Promise.reject(new Error(`no quorum address for server ${sid}`));
        const t0 = performance.now();
        return transport.dial(addr.host, addr.port, timeoutMs).then(
          (conn) => (env.logger.debug("dialled the leader", { sid, conn, ms: Math.round(performance.now() - t0) }), conn),
          (e: unknown) => {
            env.logger.debug("could not dial the leader", { sid, ms: Math.round(performance.now() - t0), error: String(e) });
            throw e;
          },
        );
      },
    },
    electionNet: {
      send: (sid, payload) => {
        if (!isolated) cnx.send(sid, payload);
      },
      connectAll: () => cnx.connectAll(),
      haveDelivered: () => cnx.haveDelivered(),
      lost: (sid) => cnx.isLost(sid),
    },
  });
  peer = p;
  try {
    await transport.listen(quorumAddr.host, quorumAddr.port);
    try {
      await cnx.listen();
    } catch (e) {
      throw new ElectionPortError(electionAddr, e as Error);
    }
  } catch (e) {
    await p.shutdown();
    await transport.shutdown();
    await cnx.close();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    peer: p,
    isolate(on: boolean) {
      if (on === isolated) return;
      isolated = on;
      if (on) for (const conn of transport.resetAll()) p.quorumClosed(conn);
      env.logger.warn(on ? "isolated from the ensemble (test partition)" : "partition healed", {});
    },
    close() {
      closed ??= (async () => {
        await p.shutdown();
        await cnx.close();
        await transport.shutdown();
      })();
      return closed;
    },
  };
}
