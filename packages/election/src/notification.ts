/**
 * The fast leader election notification, byte for byte as ZooKeeper 3.8 writes it
 * (FastLeaderElection.buildMsg) and reads it (WorkerReceiver.run).
 *
 *   int state | long leader | long zxid | long electionEpoch | long peerEpoch | int version (2)
 *   | int configLength | config bytes (QuorumVerifier.toString())
 *
 * Receivers also accept the 28-byte form (no peerEpoch: it is the epoch of the zxid) and the 40-byte form
 * (peerEpoch, then an int that is not read: version counts as 0). Anything shorter than 28 bytes is rejected.
 */
import { NotificationDecodeError } from "./errors.js";

/** QuorumPeer.ServerState ordinals, as sent on the wire. */
export const ServerState = {
  LOOKING: 0,
  FOLLOWING: 1,
  LEADING: 2,
  OBSERVING: 3,
} as const;
export type ServerState = (typeof ServerState)[keyof typeof ServerState];

export const SERVER_STATE_NAMES: Record<ServerState, string> = {
  0: "LOOKING",
  1: "FOLLOWING",
  2: "LEADING",
  3: "OBSERVING",
};

export function isServerState(v: number): v is ServerState {
  return v === 0 || v === 1 || v === 2 || v === 3;
}

/** Notification.CURRENTVERSION. */
export const NOTIFICATION_VERSION = 2;

export interface Notification {
  /** Sender's state. Decoding keeps unknown ordinals; the election ignores them as ZooKeeper does. */
  state: number;
  /** Proposed (or known) leader sid. */
  leader: bigint;
  /** zxid of the proposed leader. */
  zxid: bigint;
  /** The sender's logical clock (election round). */
  electionEpoch: bigint;
  /** Epoch of the proposed leader. */
  peerEpoch: bigint;
  /** Format version: 2 for 3.5+, 0 for the 28/40-byte forms, whatever the peer wrote otherwise. */
  version: number;
  /** Raw config bytes (present when version > 1); ZooKeeper decodes them with the platform charset. */
  config?: Buffer;
}

export interface NotificationInit {
  state: ServerState;
  leader: bigint;
  zxid: bigint;
  electionEpoch: bigint;
  peerEpoch: bigint;
  /** The sender's quorum configuration text (QuorumVerifier.toString()); empty when not given. */
  config?: string | Uint8Array;
}

/** Encodes a version-2 notification (44 bytes plus the config). */
export function encodeNotification(n: NotificationInit): Buffer {
  const cfg =
    n.config === undefined
      ? Buffer.alloc(0)
      : typeof n.config === "string"
        ? Buffer.from(n.config, "utf8")
        : Buffer.from(n.config.buffer, n.config.byteOffset, n.config.byteLength);
  const out = Buffer.allocUnsafe(44 + cfg.length);
  out.writeInt32BE(n.state, 0);
  out.writeBigInt64BE(n.leader, 4);
  out.writeBigInt64BE(n.zxid, 12);
  out.writeBigInt64BE(n.electionEpoch, 20);
  out.writeBigInt64BE(n.peerEpoch, 28);
  out.writeInt32BE(NOTIFICATION_VERSION, 36);
  out.writeInt32BE(cfg.length, 40);
  cfg.copy(out, 44);
  return out;
}

/** ZxidUtils.getEpochFromZxid. */
export function epochOfZxid(zxid: bigint): bigint {
  return zxid >> 32n;
}

/** Decodes any notification form ZooKeeper 3.8 accepts; throws NotificationDecodeError otherwise. */
export function decodeNotification(buf: Uint8Array): Notification {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = b.length;
  if (len < 28) throw new NotificationDecodeError("shorter than 28 bytes", len);
  const state = b.readInt32BE(0);
  const leader = b.readBigInt64BE(4);
  const zxid = b.readBigInt64BE(12);
  const electionEpoch = b.readBigInt64BE(20);
  if (len === 28) {
    return { state, leader, zxid, electionEpoch, peerEpoch: epochOfZxid(zxid), version: 0 };
  }
  if (len < 36) throw new NotificationDecodeError("truncated peerEpoch", len);
  const peerEpoch = b.readBigInt64BE(28);
  if (len === 40) return { state, leader, zxid, electionEpoch, peerEpoch, version: 0 };
  if (len < 40) throw new NotificationDecodeError("truncated version", len);
  const version = b.readInt32BE(36);
  if (version <= 1) return { state, leader, zxid, electionEpoch, peerEpoch, version };
  if (len < 44) throw new NotificationDecodeError("truncated config length", len);
  const configLength = b.readInt32BE(40);
  if (configLength < 0) throw new NotificationDecodeError(`negative config length ${configLength}`, len);
  if (44 + configLength > len) {
    throw new NotificationDecodeError(`config length ${configLength} exceeds the message`, len);
  }
  const config = Buffer.from(b.subarray(44, 44 + configLength));
  return { state, leader, zxid, electionEpoch, peerEpoch, version, config };
}
