import { InputArchive, OutputArchive, type ACL, type StatPersisted } from "@zkts/jute";
import { adler32 } from "./adler32.js";
import { SnapshotCorruptionError } from "./errors.js";
import { VERSION_DIR, makeSnapshotName, zxidFromName } from "./log-format.js";
import { joinPath, readWholeFile, type Storage } from "./storage.js";
import { runByteParser, writeZkSnapshotBody, zkSnapshotBodyParser } from "./zk-snapshot-stream.js";

/**
 * Apache ZooKeeper's snapshot format (FileSnap, SerializeUtils.serializeSnapshot, DataTree.serialize,
 * ReferenceCountedACLCache.serialize, SnapStream.sealStream), uncompressed:
 *
 *   FileHeader{int magic "ZKSN", int version 2, long dbid -1}
 *   int sessionCount, {long id, int timeout}...
 *   int aclCount, {long key, vector<ACL>}...                    (key -1 = OPEN_ACL_UNSAFE, never stored)
 *   {ustring path, buffer data, long aclKey, StatPersisted}...   parents first, root path "" (ZooKeeper: depth-first)
 *   ustring "/"                                                  end of nodes
 *   long Adler32(every byte so far), ustring "/"                 seal
 *   [ZxidDigest{long zxid, int digestVersion, long digest}, long Adler32(every byte so far), ustring "/"]
 */
export const ZK_SNAPSHOT_MAGIC = 0x5a4b534e; // "ZKSN"

export interface ZkSnapshotNode {
  /** "" for the root, as ZooKeeper writes it. */
  path: string;
  data: Buffer | null;
  aclRef: bigint;
  stat: StatPersisted;
}

export interface ZkSnapshot {
  zxid: bigint;
  dbId: bigint;
  sessions: Array<{ id: bigint; timeout: number }>;
  acls: Array<{ ref: bigint; acl: ACL[] }>;
  nodes: ZkSnapshotNode[];
  digest: { zxid: bigint; digestVersion: number; digest: bigint } | null;
}

const LIMIT = { maxBuffer: 0x7fffffff };
const FILE_LIMITS = { maxBuffer: 0x7fffffff, maxTotal: Number.MAX_SAFE_INTEGER };

/** Parses a ZooKeeper snapshot file's bytes; any damage is a SnapshotCorruptionError. */
export function parseZkSnapshot(buf: Buffer, path: string, zxid: bigint): ZkSnapshot {
  let inp = new InputArchive(buf, LIMIT);
  const fail = (why: string): never => {
    throw new SnapshotCorruptionError(path, inp.offset, why);
  };
  try {
    if (inp.readInt() !== ZK_SNAPSHOT_MAGIC) fail("bad magic (not a ZooKeeper snapshot)");
    const version = inp.readInt();
    if (version !== 2) fail(`unsupported snapshot version ${version}`);
    const dbId = inp.readLong();
    const body = runByteParser(zkSnapshotBodyParser(FILE_LIMITS), buf, inp.offset, path);
    inp = new InputArchive(buf, { ...LIMIT, offset: body.offset });
    const { sessions, acls, nodes } = body.value;
    const checkSeal = () => {
      const expected = adler32(buf, 1, 0, inp.offset);
      const val = inp.readLong();
      if (inp.readString() !== "/") fail("seal not followed by '/'");
      if (BigInt(expected) !== val) fail(`checksum mismatch (stored 0x${val.toString(16)}, computed 0x${expected.toString(16)})`);
    };
    checkSeal();
    let digest: ZkSnapshot["digest"] = null;
    if (inp.remaining >= 20) {
      digest = { zxid: inp.readLong(), digestVersion: inp.readInt(), digest: inp.readLong() };
      checkSeal();
    }
    return { zxid, dbId, sessions, acls, nodes, digest };
  } catch (e) {
    if (e instanceof SnapshotCorruptionError) throw e;
    throw new SnapshotCorruptionError(path, inp.offset, `undecodable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** The newest ZooKeeper snapshot in `<dataDir>/version-2` that parses and checks, falling back to older ones. */
export async function readNewestZkSnapshot(
  storage: Storage,
  dataDir: string,
  onRejected?: (path: string, e: SnapshotCorruptionError) => void,
): Promise<(ZkSnapshot & { path: string }) | undefined> {
  const dir = joinPath(dataDir, VERSION_DIR);
  const files = (await storage.list(dir))
    .map((name) => ({ name, zxid: zxidFromName(name, "snapshot") }))
    .filter((f): f is { name: string; zxid: bigint } => f.zxid !== undefined)
    .sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
  for (const f of files) {
    const path = joinPath(dir, f.name);
    try {
      return { ...parseZkSnapshot(await readWholeFile(storage, path), path, f.zxid), path };
    } catch (e) {
      if (!(e instanceof SnapshotCorruptionError)) throw e;
      onRejected?.(path, e);
    }
  }
  return undefined;
}

export interface ZkSnapshotSource {
  zxid: bigint;
  sessions: Iterable<{ id: bigint; timeout: number }>;
  acls: Iterable<{ ref: bigint; acl: readonly ACL[] }>;
  /** Depth-first, parents first, root named "". */
  nodes: Iterable<ZkSnapshotNode>;
  /** Written when given (ZooKeeper writes it when digest.enabled). */
  digest?: { zxid: bigint; digestVersion: number; digest: bigint } | null;
}

/** Serializes a ZooKeeper snapshot (what FileSnap.serialize writes). */
export function serializeZkSnapshot(src: ZkSnapshotSource): Buffer {
  const out = new OutputArchive(1 << 20);
  out.writeInt(ZK_SNAPSHOT_MAGIC);
  out.writeInt(2);
  out.writeLong(-1n);
  writeZkSnapshotBody(out, src);
  const seal = () => {
    out.writeLong(BigInt(adler32(out.view())));
    out.writeString("/");
  };
  seal();
  if (src.digest) {
    out.writeLong(src.digest.zxid);
    out.writeInt(src.digest.digestVersion);
    out.writeLong(src.digest.digest);
    seal();
  }
  return out.toBuffer();
}

/** Writes `<dataDir>/version-2/snapshot.<hex zxid>` in ZooKeeper's format (temp file, fdatasync, rename, fsync dir). */
export async function writeZkSnapshot(storage: Storage, dataDir: string, src: ZkSnapshotSource): Promise<{ path: string; bytes: number }> {
  const dir = joinPath(dataDir, VERSION_DIR);
  await storage.mkdirp(dir);
  const bytes = serializeZkSnapshot(src);
  const path = joinPath(dir, makeSnapshotName(src.zxid));
  const tmp = joinPath(dir, `tmp.${makeSnapshotName(src.zxid)}`);
  const f = await storage.open(tmp, "create");
  try {
    for (let off = 0; off < bytes.length; off += 1 << 24) await f.write(bytes.subarray(off, off + (1 << 24)), off);
    await f.datasync();
  } finally {
    await f.close();
  }
  await storage.rename(tmp, path);
  await storage.syncDir(dir);
  return { path, bytes: bytes.length };
}
