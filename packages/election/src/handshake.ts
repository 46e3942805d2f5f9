/**
 * The election connection's wire: the initiator's initial message, then length-prefixed packets
 * (QuorumCnxManager.startConnection / InitialMessage.parse / RecvWorker).
 *
 *   long protocolVersion (-65536, or -65535 for multi-address) | long sid | int addrLen (1..2048)
 *   | "host:port" (v2: "host:port|host:port|...")
 *
 * A first long >= 0 is the sid itself (pre-3.5 peers), with no address. Packets: int length (1..512 KiB) + payload.
 */
import { FrameDecoder, FrameLengthError } from "@zkts/jute";
import { ElectionFrameError, HandshakeError } from "./errors.js";

export const PROTOCOL_VERSION_V1 = -65536n;
export const PROTOCOL_VERSION_V2 = -65535n;
/** QuorumCnxManager.maxBuffer: the largest address string accepted. */
export const MAX_ADDRESS_LENGTH = 2048;
/** QuorumCnxManager.PACKETMAXSIZE. */
export const PACKET_MAX_SIZE = 512 * 1024;
/** QuorumPeer.OBSERVER_ID: the sid pre-3.5 observers announced. */
export const OBSERVER_ID = 0x7fffffffffffffffn;

export interface HostPort {
  host: string;
  port: number;
}

export interface InitialMessage {
  protocolVersion: bigint;
  sid: bigint;
  /** Election addresses the peer announced (wildcards dropped, as ZooKeeper does). Empty for pre-3.5 peers. */
  addresses: HostPort[];
}

/** NetUtils.formatInetAddr: IPv6 literals in brackets. */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(":") && !a.host.startsWith("[") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Encodes the initiator's initial message (v1 with one address, v2 with several). */
export function encodeInitialMessage(sid: bigint, addresses: HostPort | HostPort[]): Buffer {
  const list = Array.isArray(addresses) ? addresses : [addresses];
  if (list.length === 0) throw new HandshakeError("at least one election address is needed");
  const version = list.length > 1 ? PROTOCOL_VERSION_V2 : PROTOCOL_VERSION_V1;
  const addr = Buffer.from(list.map(formatHostPort).join("|"), "utf8");
  if (addr.length > MAX_ADDRESS_LENGTH) throw new HandshakeError(`address of ${addr.length} bytes is too long`);
  const out = Buffer.allocUnsafe(20 + addr.length);
  out.writeBigInt64BE(version, 0);
  out.writeBigInt64BE(sid, 8);
  out.writeInt32BE(addr.length, 16);
  addr.copy(out, 20);
  return out;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0", "[::]"]);

/** ConfigUtils.getHostAndPort + the port parse of InitialMessage.parse. */
export function parseHostPort(s: string): HostPort {
  let host: string;
  let portText: string;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0 || s[close + 1] !== ":") throw new HandshakeError(`Badly formed address: ${s}`);
    host = s.slice(1, close);
    portText = s.slice(close + 2);
  } else {
    const parts = s.split(":");
    if (parts.length !== 2) throw new HandshakeError(`Badly formed address: ${s}`);
    host = parts[0]!;
    portText = parts[1]!;
  }
  if (!/^[+-]?\d+$/.test(portText)) throw new HandshakeError(`Bad port number: ${portText}`);
  const port = Number(portText);
  if (!Number.isSafeInteger(port) || port > 0x7fffffff || port < -0x80000000) {
    throw new HandshakeError(`Bad port number: ${portText}`);
  }
  return { host, port };
}

/**
 * Incremental parser of the initial message on an accepted connection. Feed chunks with `push`; it returns
 * the message and any bytes after it once complete, `undefined` while more bytes are needed, and throws
 * HandshakeError for an unknown protocol version, an address length outside 1..2048 or a malformed address.
 */
export class HandshakeDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  push(chunk: Buffer): { message: InitialMessage; rest: Buffer } | undefined {
    if (this.done) throw new HandshakeError("handshake already complete");
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const b = this.buf;
    if (b.length < 8) return undefined;
    const protocolVersion = b.readBigInt64BE(0);
    if (protocolVersion >= 0n) {
      this.done = true;
      return { message: { protocolVersion, sid: protocolVersion, addresses: [] }, rest: b.subarray(8) };
    }
    if (protocolVersion !== PROTOCOL_VERSION_V1 && protocolVersion !== PROTOCOL_VERSION_V2) {
      throw new HandshakeError(`Got unrecognized protocol version ${protocolVersion}`);
    }
    if (b.length < 20) return undefined;
    const sid = b.readBigInt64BE(8);
    const len = b.readInt32BE(16);
    if (len <= 0 || len > MAX_ADDRESS_LENGTH) throw new HandshakeError(`Unreasonable buffer length: ${len}`);
    if (b.length < 20 + len) return undefined;
    const text = b.toString("utf8", 20, 20 + len);
    const addresses: HostPort[] = [];
    for (const part of text.split("|")) {
      const hp = parseHostPort(part);
      if (!WILDCARDS.has(hp.host)) addresses.push(hp);
    }
    this.done = true;
    return { message: { protocolVersion, sid, addresses }, rest: b.subarray(20 + len) };
  }
}

/** Prefixes an election packet with its length. */
export function encodeElectionFrame(payload: Uint8Array): Buffer {
  if (payload.length <= 0 || payload.length > PACKET_MAX_SIZE) throw new ElectionFrameError(payload.length);
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** Incremental decoder of election packets; throws ElectionFrameError for a length outside 1..512 KiB. */
export class ElectionFrameDecoder {
  private readonly inner = new FrameDecoder({ maxBuffer: PACKET_MAX_SIZE });

  push(chunk: Buffer, onPacket: (payload: Buffer) => void): void {
    try {
      this.inner.push(chunk, (p) => {
        if (p.length === 0) throw new ElectionFrameError(0);
        onPacket(p);
      });
    } catch (e) {
      if (e instanceof FrameLengthError) throw new ElectionFrameError(e.length);
      throw e;
    }
  }
}
