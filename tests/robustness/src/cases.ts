/** The attack bytes of every case, shared by the tests and by the reference recordings. */
import { OpCode } from "@zkts/client-wire";
import { frame } from "@zkts/jute";
import { OPEN_ACL, connectPayload, int32, prng, req } from "./wire.js";

/** A bare RequestHeader. */
function hdr(xid: number, type: number): Buffer {
  return Buffer.concat([int32(xid), int32(type)]);
}

export const MAX_BUFFER = 0xfffff; // jute.maxbuffer default, 1,048,575

export interface AttackCase {
  name: string;
  /** Connect handshake before the attack. */
  handshake: boolean;
  /** Framed bytes to send. */
  bytes: Buffer;
  /**
   * What Apache ZooKeeper 3.8.0 answered (recorded with scripts/record-reference.ts, re-checked by the suite when
   * the reference is installed): the error codes of its replies, and whether the connection stayed open.
   */
  zk: { errs: number[]; open: boolean };
  /**
   * false: send no sync request after the attack, just wait for the close. For UNIMPLEMENTED: ZooKeeper queues the
   * close behind its reply, and a request pipelined after the bad one is sometimes answered before the close.
   */
  sync?: false;
  /** A zkts bug this case reproduces (the test is skipped with this reason until it is fixed). */
  bug?: string;
}

const closed = (...errs: number[]) => ({ errs, open: false });
const open = (...errs: number[]) => ({ errs, open: true });

/** A create request whose whole payload is exactly `size` bytes (data padded). */
export function createOfSize(xid: number, path: string, size: number): Buffer {
  const base = req(xid, OpCode.create, { path, data: Buffer.alloc(0), acl: OPEN_ACL, flags: 0 }).length;
  const payload = req(xid, OpCode.create, { path, data: Buffer.alloc(size - base, 0x61), acl: OPEN_ACL, flags: 0 });
  if (payload.length !== size) throw new Error(`create of ${payload.length} bytes, wanted ${size}`);
  return payload;
}

function createPayload(xid: number, path: string): Buffer {
  return req(xid, OpCode.create, { path, data: Buffer.from("x"), acl: OPEN_ACL, flags: 0 });
}

/** A create with its ACL vector count replaced by `count` (the elements that follow are the one real ACL). */
function createWithAclCount(xid: number, path: string, count: number): Buffer {
  const p = createPayload(xid, path);
  // header(8) + path(4+len) + data(4+1) -> the ACL vector count
  const at = 8 + 4 + Buffer.byteLength(path) + 4 + 1;
  p.writeInt32BE(count, at);
  return p;
}

const g = prng(0x5eed);

/** Section 1: frame lengths. */
export const lengthCases: AttackCase[] = [
  { name: "length maxbuffer+1", handshake: true, zk: closed(), bytes: Buffer.concat([int32(MAX_BUFFER + 1), Buffer.alloc(64)]) },
  { name: "length 0x7fffffff", handshake: true, zk: closed(), bytes: int32(0x7fffffff) },
  { name: "length -1", handshake: true, zk: closed(), bytes: Buffer.concat([int32(-1), Buffer.alloc(16)]) },
  { name: "length -2147483648", handshake: true, zk: closed(), bytes: int32(-0x80000000) },
  { name: "length maxbuffer+1 as the first packet", handshake: false, zk: closed(), bytes: int32(MAX_BUFFER + 1) },
  { name: "length -1 as the first packet", handshake: false, zk: closed(), bytes: int32(-1) },
  { name: "length exactly maxbuffer (a create)", handshake: true, zk: open(0), bytes: frame(createOfSize(1, "/exact-maxbuffer", MAX_BUFFER)) },
  { name: "length 0 (empty packet)", handshake: true, zk: closed(), bytes: frame(Buffer.alloc(0)) },
];

/** Section 2: truncated records and garbage bodies. */
export const truncatedCases: AttackCase[] = [
  (() => {
    // the ACL vector says 1 element, but the frame ends inside its Id (and the flags are missing)
    const p = createPayload(1, "/trunc-acl");
    return { name: "create with the ACL vector cut short", handshake: true, zk: open(-5), bytes: frame(p.subarray(0, p.length - 10)) };
  })(),
  (() => {
    const p = createPayload(1, "/trunc-acl2");
    return { name: "create cut right after the ACL count", handshake: true, zk: open(-5), bytes: frame(p.subarray(0, 8 + 4 + 11 + 4 + 1 + 4)) };
  })(),
  { name: "create with ACL count 2 but one ACL", handshake: true, zk: open(-5), bytes: frame(createWithAclCount(1, "/acl2", 2)) },
  { name: "connect request cut short (20 bytes)", handshake: false, zk: closed(), bytes: frame(connectPayload().subarray(0, 20)) },
  { name: "connect request cut inside the password", handshake: false, zk: closed(), bytes: frame(connectPayload().subarray(0, 30)) },
  { name: "connect request of 0 bytes", handshake: false, zk: closed(), bytes: frame(Buffer.alloc(0)) },
  { name: "request header cut short (6 bytes)", handshake: true, zk: closed(), bytes: frame(Buffer.from([0, 0, 0, 1, 0, 0])) },
  { name: "getData with a garbage body", handshake: true, zk: open(-5), bytes: frame(Buffer.concat([hdr(1, OpCode.getData), g.bytes(37)])) },
  { name: "create with a garbage body", handshake: true, zk: open(-5), bytes: frame(Buffer.concat([hdr(1, OpCode.create), g.bytes(61)])) },
  { name: "setData with a garbage body", handshake: true, zk: open(-5), bytes: frame(Buffer.concat([hdr(1, OpCode.setData), g.bytes(23)])) },
  { name: "multi with a garbage body", handshake: true, zk: open(0), bytes: frame(Buffer.concat([hdr(1, OpCode.multi), g.bytes(40)])) },
  { name: "setWatches with a garbage body", handshake: true, zk: open(-5), bytes: frame(Buffer.concat([hdr(-8, OpCode.setWatches), g.bytes(30)])) },
  { name: "auth with a garbage body", handshake: true, zk: closed(), bytes: frame(Buffer.concat([hdr(-4, OpCode.auth), g.bytes(30)])) },
  { name: "garbage connect request (50 random bytes)", handshake: false, zk: closed(), bytes: frame(g.bytes(50)) },
];

/** Section 3: unknown opcodes, requests before the handshake, invalid paths, huge counts. */
export const protocolCases: AttackCase[] = [
  { name: "unknown opcode 99", handshake: true, sync: false, zk: closed(-6), bytes: frame(Buffer.concat([int32(1), int32(99)])) },
  { name: "unknown opcode -200 with a body", handshake: true, sync: false, zk: closed(-6), bytes: frame(Buffer.concat([int32(1), int32(-200), g.bytes(12)])) },
  { name: "notification opcode 0 from a client", handshake: true, sync: false, zk: closed(-6), bytes: frame(Buffer.concat([int32(1), int32(0)])) },
  { name: "getData before the handshake", handshake: false, zk: closed(), bytes: frame(req(1, OpCode.getData, { path: "/zookeeper", watch: false })) },
  { name: "create before the handshake", handshake: false, zk: closed(), bytes: frame(createPayload(1, "/early")) },
  { name: "create path without a slash", handshake: true, zk: open(-8), bytes: frame(createPayload(1, "noslash")) },
  { name: "create path with a trailing slash", handshake: true, zk: open(-101), bytes: frame(createPayload(1, "/a/")) },
  { name: "create path with an empty segment", handshake: true, zk: open(-101), bytes: frame(createPayload(1, "/a//b")) },
  { name: "create path with a dot segment", handshake: true, zk: open(-101), bytes: frame(createPayload(1, "/a/./b")) },
  { name: "create path with a NUL", handshake: true, zk: open(-8), bytes: frame(createPayload(1, "/a\u0000b")) },
  { name: "create of an empty path", handshake: true, zk: open(-8), bytes: frame(createPayload(1, "")) },
  { name: "getData path without a slash", handshake: true, zk: open(-101), bytes: frame(req(1, OpCode.getData, { path: "noslash", watch: false })) },
  { name: "delete path /zookeeper", handshake: true, zk: open(-8), bytes: frame(req(1, OpCode.delete, { path: "/zookeeper", version: -1 })) },
  { name: "create with ACL count 0x7fffffff", handshake: true, zk: open(-5), bytes: frame(createWithAclCount(1, "/huge-acl", 0x7fffffff)) },
  { name: "create with ACL count 1000000", handshake: true, zk: open(-5), bytes: frame(createWithAclCount(1, "/huge-acl2", 1_000_000)) },
  {
    name: "setWatches with a dataWatches count of 0x7fffffff",
    handshake: true, zk: open(-5),
    bytes: frame(Buffer.concat([hdr(-8, OpCode.setWatches), Buffer.alloc(8), int32(0x7fffffff), int32(0), int32(0)])),
  },
  {
    name: "getData with a path length of 0x7ffffff0",
    handshake: true, zk: open(-5),
    bytes: frame(Buffer.concat([hdr(1, OpCode.getData), int32(0x7ffffff0), Buffer.from("/x"), Buffer.from([0])])),
  },
  {
    name: "create with a data length of 0x7ffffff0",
    handshake: true, zk: open(-5),
    bytes: frame(Buffer.concat([hdr(1, OpCode.create), int32(2), Buffer.from("/d"), int32(0x7ffffff0), Buffer.alloc(20)])),
  },
];

/** Found by the fuzzer: ordinary requests carrying a special xid (-1 notification, -2 ping, -4 auth, -8 setWatches),
 * and special requests carrying an ordinary xid. ZooKeeper echoes the request's xid whatever it is. */
export const xidCases: AttackCase[] = [
  { name: "getData with xid -2 (the ping xid)", handshake: true, zk: open(0), bytes: frame(req(-2, OpCode.getData, { path: "/zookeeper", watch: false })) },
  { name: "getData with xid -1 (the notification xid)", handshake: true, zk: open(0), bytes: frame(req(-1, OpCode.getData, { path: "/zookeeper", watch: false })) },
  { name: "getData with xid -4 (the auth xid)", handshake: true, zk: open(0), bytes: frame(req(-4, OpCode.getData, { path: "/zookeeper", watch: false })) },
  { name: "getData with xid -8 (the setWatches xid)", handshake: true, zk: open(0), bytes: frame(req(-8, OpCode.getData, { path: "/zookeeper", watch: false })) },
  {
    name: "auth with xid 5",
    handshake: true,
    zk: open(0),
    bytes: frame(req(5, OpCode.auth, { type: 0, scheme: "digest", auth: Buffer.from("alice:secret") })),
  },
  { name: "unknown opcode with xid -1",
    handshake: true,
    sync: false,
    zk: closed(-6), bytes: frame(Buffer.concat([int32(-1), int32(-501)])) },
  { name: "ping with xid 7", handshake: true, zk: open(0), bytes: frame(req(7, OpCode.ping)) },
];

export const allCases: AttackCase[] = [...lengthCases, ...truncatedCases, ...protocolCases, ...xidCases];
