/**
 * A runnable election participant: the pure FastLeaderElection driven by real timers and a NodeCnxManager.
 * This is the thin async driver around the state machine (cf. etcd's RawNode + node).
 */
import { nullLogger, type Clock, type Logger } from "@zkts/contracts";
import { type Decision, type ElectionFaults, FastLeaderElection, type SelfState } from "../fle.js";
import type { HostPort } from "../handshake.js";
import { encodeNotification } from "../notification.js";
import type { QuorumVerifier } from "../quorum.js";
import type { MetricsRegistry } from "@zkts/metrics";
import { NodeCnxManager, type PeerAuth, type PeerSockets } from "./cnx-manager.js";

export interface ElectionPeerInit {
  sid: bigint;
  quorum: QuorumVerifier;
  /** Listen address; port 0 picks a free port (then tell the others via `peers`). */
  electionAddr?: HostPort;
  /** Election addresses of the other servers; defaults to the quorum config's. */
  peers?: Map<bigint, HostPort>;
  finalizeWaitMs?: number;
  faults?: ElectionFaults;
}

export interface ElectionPeerComponents {
  logger?: Logger;
  /** Monotonic time of the election and the connection manager; defaults to performance.now(). */
  clock?: Pick<Clock, "monotonic">;
  /** Where `election_time` and `looking_count` are recorded (default: a registry of its own). */
  metrics?: MetricsRegistry;
  /** Peer connections over TLS (`sslQuorum`): see PeerSockets. Default plain TCP. */
  sockets?: PeerSockets;
  /** Authentication after the initial message (quorum SASL): see PeerAuth. Default none. */
  auth?: PeerAuth;
}

export class ElectionPeer {
  readonly fle: FastLeaderElection;
  readonly cnx: NodeCnxManager;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: Pick<Clock, "monotonic">;
  private readonly log: Logger;
  private waiters: Array<(d: Decision) => void> = [];
  /** The latest decision, if any. */
  decision: Decision | undefined;
  /** Called on every decision. */
  onDecision: (d: Decision) => void = () => {};

  constructor(init: ElectionPeerInit, components: ElectionPeerComponents = {}) {
    this.clock = components.clock ?? { monotonic: () => performance.now() };
    this.log = components.logger ?? nullLogger;
    const me = init.quorum.allMembers.get(init.sid);
    const addr = init.electionAddr ?? me?.electionAddrs[0] ?? { host: "127.0.0.1", port: 0 };
    const peers = init.peers ?? new Map<bigint, HostPort>();
    if (!init.peers) {
      for (const [sid, s] of init.quorum.allMembers) if (sid !== init.sid && s.electionAddrs[0]) peers.set(sid, s.electionAddrs[0]);
    }
    this.cnx = new NodeCnxManager(
      {
        mySid: init.sid,
        electionAddr: addr,
        peers,
        ...(components.sockets !== undefined ? { sockets: components.sockets } : {}),
        ...(components.auth !== undefined ? { auth: components.auth } : {}),
      },
      { logger: this.log, clock: this.clock },
    );
    const feInit: ConstructorParameters<typeof FastLeaderElection>[0] = { sid: init.sid, quorum: init.quorum };
    if (init.finalizeWaitMs !== undefined) feInit.finalizeWaitMs = init.finalizeWaitMs;
    if (init.faults) feInit.faults = init.faults;
    this.fle = new FastLeaderElection(feInit, {
      clock: this.clock,
      logger: this.log,
      haveDelivered: () => this.cnx.haveDelivered(),
      ...(components.metrics !== undefined ? { metrics: components.metrics } : {}),
    });
    this.cnx.onMessage = (from, payload) => {
      this.fle.receiveBytes(from, payload);
      this.pump();
    };
  }

  /** Starts listening (resolves with the bound election address). */
  listen(): Promise<HostPort> {
    return this.cnx.listen();
  }

  /** Starts (or restarts) looking for a leader. */
  lookForLeader(self: SelfState): void {
    this.decision = undefined;
    this.fle.start(self);
    this.pump();
  }

  /** Resolves with the next decision (or the current one). */
  waitForDecision(): Promise<Decision> {
    if (this.decision) return Promise.resolve(this.decision);
    return new Promise((r) => this.waiters.push(r));
  }

  async close(): Promise<void> {
    this.fle.stop();
    if (this.timer) clearTimeout(this.timer);
    await this.cnx.close();
  }

  private pump(): void {
    if (this.fle.hasReady()) {
      const rd = this.fle.ready();
      for (const m of rd.messages) this.cnx.send(m.to, encodeNotification(m.notification));
      if (rd.connectAll) this.cnx.connectAll();
      this.fle.advance();
      if (rd.decision) {
        this.decision = rd.decision;
        this.onDecision(rd.decision);
        for (const w of this.waiters.splice(0)) w(rd.decision);
      }
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.fle.nextDeadline();
    if (at !== undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.fle.tick();
        this.pump();
      }, Math.max(0, Math.ceil(at - this.clock.monotonic())));
    }
  }
}
