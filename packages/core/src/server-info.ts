/**
 * Server info: the counters (packets, latency, outstanding requests), the per-connection statistics and the
 * ServerInfo view the four-letter words and the AdminServer read (ZooKeeper's ServerStats, ZooKeeperServerBean
 * and the connection beans).
 */
import { M, type Counter, type MetricsRegistry, type Summary } from "@zkts/metrics";
import { OpCode } from "@zkts/client-wire";
import type { Clock } from "@zkts/contracts";
import type { ConnState, Request, Settings } from "./request.js";
import type { SessionTracker } from "./sessions.js";
import type { Tree } from "./tree.js";
import type { ConnectionInfo, LatencyStats, ServerInfo } from "./types.js";

export class Latency {
  min = Number.MAX_SAFE_INTEGER;
  max = 0;
  total = 0;
  count = 0;
  add(ms: number): void {
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.total += ms;
    this.count++;
  }
  reset(): void {
    this.min = Number.MAX_SAFE_INTEGER;
    this.max = 0;
    this.total = 0;
    this.count = 0;
  }
  get stats(): LatencyStats {
    return {
      min: this.count === 0 ? 0 : this.min,
      avg: this.count === 0 ? 0 : this.total / this.count,
      max: this.max,
    };
  }
}

/** The server-wide counters. */
export class ServerStats {
  packetsReceived = 0;
  packetsSent = 0;
  readonly latency = new Latency();
  /** Requests accepted and not answered yet (globalOutstandingLimit). */
  outstanding = 0;
  /** Called when `outstanding` drops to 0. */
  onOutstandingDrained: (() => void) | undefined = undefined;
  /** monotonic() taken when the running drain started (-1: not draining): one clock reading per drained batch. */
  batchClock = -1;
  /** now() read by the first reply of the running drain (-1: none yet, or not draining): one per drained batch too. */
  batchWallClock = -1;
  private readonly readLatency: Summary;
  private readonly updateLatency: Summary;
  /** Txns whose TxnDigest differed from the tree's digest once applied (DataTree.reportDigestMismatch). */
  readonly digestMismatches: Counter;

  constructor(
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.readLatency = metrics.summary(M.READ_LATENCY);
    this.updateLatency = metrics.summary(M.UPDATE_LATENCY);
    this.digestMismatches = metrics.counter(M.DIGEST_MISMATCHES_COUNT);
  }

  /** A request of a connection was answered (or dropped). */
  requestDone(cs: ConnState): void {
    cs.outstanding--;
    this.outstanding--;
    if (this.outstanding === 0) this.onOutstandingDrained?.();
  }

  /** The latency and last-op statistics of a reply about to go out. */
  record(cs: ConnState, r: Request, lastOp: string, lastZxid: bigint): void {
    // One clock reading per drained batch (its replies go out together), else one per reply.
    const now = this.batchClock >= 0 ? this.batchClock : this.clock.monotonic();
    const lat = now - r.start;
    this.latency.add(lat);
    // ServerStats.updateLatency: requests with a txn (answered once committed) are updates, the rest reads.
    if (r.hdr !== null || (r.forwarded === true && r.type !== OpCode.sync)) this.updateLatency.observe(lat);
    else this.readLatency.observe(lat);
    cs.latency.add(lat);
    cs.lastOp = lastOp;
    cs.lastCxid = r.xid;
    cs.lastZxid = lastZxid;
    cs.lastLatency = lat;
    if (this.batchClock < 0) cs.lastResponseTime = this.clock.now();
    else cs.lastResponseTime = this.batchWallClock >= 0 ? this.batchWallClock : (this.batchWallClock = this.clock.now());
  }

  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latency.reset();
  }
}

export function connectionInfo(cs: ConnState): ConnectionInfo {
  return {
    id: cs.conn.id,
    remoteAddress: cs.conn.remoteAddress,
    remotePort: cs.conn.remotePort,
    queued: cs.outstanding,
    packetsReceived: cs.packetsReceived,
    packetsSent: cs.packetsSent,
    sessionId: cs.sessionId,
    lastOp: cs.lastOp,
    lastCxid: cs.lastCxid,
    lastZxid: cs.lastZxid,
    lastResponseTime: cs.lastResponseTime,
    lastLatency: cs.lastLatency,
    timeout: cs.timeout,
    established: cs.established,
    latency: cs.latency.stats,
  };
}

export function resetConnectionStats(cs: ConnState): void {
  cs.packetsReceived = 0;
  cs.packetsSent = 0;
  cs.latency.reset();
  cs.lastOp = "NA";
  cs.lastCxid = -1;
  cs.lastZxid = -1n;
  cs.lastLatency = 0;
  cs.lastResponseTime = 0;
}

/** What makeInfo reads. */
export interface InfoSources {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly tree: Tree;
  readonly tracker: SessionTracker;
  readonly stats: ServerStats;
  readonly conns: ReadonlyMap<number, ConnState>;
  readonly isReadOnly: boolean;
}

export function makeInfo(s: InfoSources): ServerInfo {
  const { settings, clock, tree, tracker, stats, conns } = s;
  /** Converts a time on the monotonic clock (session expiry) to wall-clock ms. */
  const wallClockOf = (monotonicMs: number | undefined): number | undefined =>
    monotonicMs === undefined ? undefined : clock.now() + (monotonicMs - clock.monotonic());
  return {
    get version() {
      return settings.version;
    },
    serverState: settings.serverState,
    get zxid() {
      return tree.lastProcessedZxid;
    },
    get nodeCount() {
      // ZooKeeper's DataTree keeps the root under both "" and "/", so its node count (srvr, stat, mntr's
      // zk_znode_count) is one more than the number of znodes: report what it reports.
      return tree.nodeCount() + 1;
    },
    get packetsReceived() {
      return stats.packetsReceived;
    },
    get packetsSent() {
      return stats.packetsSent;
    },
    get latency() {
      return stats.latency.stats;
    },
    get outstanding() {
      return stats.outstanding;
    },
    get tickTime() {
      return settings.tickTime;
    },
    get minSessionTimeout() {
      return settings.minSessionTimeout;
    },
    get maxSessionTimeout() {
      return settings.maxSessionTimeout;
    },
    connections: () => [...conns.values()].map(connectionInfo),
    sessions: () =>
      tracker.all().map((x) => ({
        id: x.id,
        timeout: x.timeout,
        ephemerals: [...tree.ephemerals(x.id)],
        expiresAt: wallClockOf(tracker.expiresAt(x.id)),
      })),
    watchSummary: () => tree.watchSummary(),
    get watchCount() {
      return tree.watchCount();
    },
    namespaceStats: () => tree.namespaceStats(),
    watchesBySession: () => tree.watchesBySession(),
    watchesByPath: () => tree.watchesByPath(),
    get approximateDataSize() {
      return tree.approximateDataSize();
    },
    get ephemeralsCount() {
      return tree.ephemeralsCount();
    },
    resetStats: () => stats.reset(),
    resetConnectionStats: () => {
      for (const cs of conns.values()) resetConnectionStats(cs);
    },
    get config() {
      return { ...settings.configMap };
    },
    isReadOnly: s.isReadOnly,
  };
}
