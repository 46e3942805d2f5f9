import { ACL as AclCodec, OutputArchive, StatPersisted as StatCodec, type ACL, type StatPersisted } from "@zkts/jute";
import { adler32 } from "./adler32.js";
import { SnapshotCorruptionError } from "./errors.js";
import { VERSION_DIR, makeSnapshotName } from "./log-format.js";
import { YieldPacer, checkCancel, listSnapshots, readSnapshot, type SnapshotPacing } from "./snapshot.js";
import { joinPath, type Storage } from "./storage.js";
import { ZK_FILE_LIMITS } from "./zk-snapshot-read.js";
import {
  PEEK_MORE,
  ZK_SNAPSHOT_MAGIC,
  writeZkSnapshotBody,
  zkSnapshotFileParser,
  type ZkSnapshotBody,
  type ZkZxidDigest,
} from "./zk-snapshot-stream.js";

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
export { ZK_SNAPSHOT_MAGIC } from "./zk-snapshot-stream.js";

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
  digest: ZkZxidDigest | null;
}

/** Parses a ZooKeeper snapshot file's bytes (uncompressed); any damage is a SnapshotCorruptionError. */
export function parseZkSnapshot(buf: Buffer, path: string, zxid: bigint): ZkSnapshot {
  let off = 0;
  const out: ZkSnapshotBody = { sessions: [], acls: [], nodes: [] };
  const parser = zkSnapshotFileParser(ZK_FILE_LIMITS, out, { checksum: () => adler32(buf, 1, 0, off) });
  try {
    let step = parser.next();
    while (!step.done) {
      const n = step.value;
      if (n === PEEK_MORE) {
        step = parser.next(buf.subarray(off, off + 1));
        continue;
      }
      if (off + n > buf.length) throw new SnapshotCorruptionError(path, off, `file too short (${n} bytes wanted, ${buf.length - off} left)`);
      const field = buf.subarray(off, off + n);
      off += n;
      step = parser.next(field);
    }
    if (off !== buf.length) throw new SnapshotCorruptionError(path, off, "bytes after the end of the snapshot");
    return { zxid, dbId: step.value.dbId, ...out, digest: step.value.digest };
  } catch (e) {
    if (e instanceof SnapshotCorruptionError) throw e;
    throw new SnapshotCorruptionError(path, off, `undecodable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * The newest snapshot in `<dataDir>/version-2` that reads and checks (either format: see readSnapshotRecords),
 * falling back to older ones.
 */
export async function readNewestZkSnapshot(
  storage: Storage,
  dataDir: string,
  onRejected?: (path: string, e: SnapshotCorruptionError) => void,
): Promise<(ZkSnapshot & { path: string }) | undefined> {
  for (const f of await listSnapshots(storage, dataDir)) {
    try {
      const snap = await readSnapshot(storage, f.path);
      return { zxid: f.zxid, dbId: -1n, sessions: snap.sessions, acls: snap.acls, nodes: snap.nodes as ZkSnapshotNode[], digest: snap.digest, path: f.path };
    } catch (e) {
      if (!(e instanceof SnapshotCorruptionError)) throw e;
      onRejected?.(f.path, e);
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

/** A live source for writeZkSnapshotFuzzy: read as it is written, the tree may change meanwhile. */
export interface ZkFuzzySnapshotSource {
  zxid: bigint;
  sessions: Iterable<{ id: bigint; timeout: number }>;
  acls: Iterable<{ ref: bigint; acl: readonly ACL[] }>;
  /** Depth-first, parents first, root named "" (iterated lazily, between yields to the event loop). */
  nodes: Iterable<ZkSnapshotNode>;
  /** Asked once the nodes are written: the ZxidDigest to write after the seal (null: none, digest disabled). */
  digest: () => ZkZxidDigest | null;
}

export interface ZkFuzzySnapshotResult {
  path: string;
  bytes: number;
  sessions: number;
  acls: number;
  nodes: number;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Writes `<dataDir>/version-2/snapshot.<hex zxid>` in ZooKeeper's format (FileSnap.serialize, uncompressed) from a
 * live tree, as zkts writes its own snapshots: in buffered pieces, yielding to the event loop as writeSnapshot does
 * (every `sliceMs` of work with `now`, else every `yieldEvery` nodes), the Adler32 seal computed incrementally over
 * the pieces; temp file, fdatasync, rename, fsync of the dir.
 *
 * ZooKeeper's format puts the ACL cache before the nodes, so an ACL list interned while the nodes are written (a
 * node refers to an ACL key not in the cache written) cannot be added after them: then nothing is left on disk and
 * undefined is returned (the caller takes the snapshot again). With `cancel` set (checked at each yield), it stops,
 * removes its temp file and throws SnapshotCancelledError.
 */
export async function writeZkSnapshotFuzzy(
  storage: Storage,
  dataDir: string,
  src: ZkFuzzySnapshotSource,
  opts: SnapshotPacing & { bufferSize?: number } = {},
): Promise<ZkFuzzySnapshotResult | undefined> {
  const dir = joinPath(dataDir, VERSION_DIR);
  await storage.mkdirp(dir);
  const name = makeSnapshotName(src.zxid);
  const path = joinPath(dir, name);
  const tmp = joinPath(dir, `tmp.${name}`);
  const pacer = new YieldPacer(opts);
  const bufferSize = opts.bufferSize ?? 1 << 20;
  checkCancel(opts.cancel, path);
  const file = await storage.open(tmp, "create");
  let closed = false;
  let complete = false;
  try {
    const out = new OutputArchive(bufferSize + (1 << 16));
    let adler = 1;
    /** Bytes of `out` already in `adler`. */
    let summed = 0;
    let pos = 0;
    const sum = (): number => {
      adler = adler32(out.view(), adler, summed, out.length);
      summed = out.length;
      return adler;
    };
    const flush = async () => {
      sum();
      if (out.length === 0) return;
      await file.write(out.view(), pos);
      pos += out.length;
      out.reset();
      summed = 0;
    };
    const seal = () => {
      out.writeLong(BigInt(sum()));
      out.writeString("/");
    };
    out.writeInt(ZK_SNAPSHOT_MAGIC);
    out.writeInt(2);
    out.writeLong(-1n);
    const sessions = [...src.sessions];
    out.writeInt(sessions.length);
    for (const s of sessions) {
      out.writeLong(s.id);
      out.writeInt(s.timeout);
      if (out.length >= bufferSize) await flush();
    }
    const acls = [...src.acls].filter((a) => a.ref !== -1n);
    const known = new Set(acls.map((a) => a.ref));
    out.writeInt(acls.length);
    for (const a of acls) {
      out.writeLong(a.ref);
      out.writeInt(a.acl.length);
      for (const x of a.acl) AclCodec.write(out, x);
      if (out.length >= bufferSize) await flush();
    }
    let nodes = 0;
    let late = false;
    for (const n of src.nodes) {
      if (n.aclRef !== -1n && !known.has(n.aclRef)) {
        late = true;
        break;
      }
      out.writeString(n.path);
      out.writeBuffer(n.data);
      out.writeLong(n.aclRef);
      StatCodec.write(out, n.stat);
      nodes++;
      if (out.length >= bufferSize) await flush();
      if (pacer.due(nodes)) {
        await yieldToLoop();
        checkCancel(opts.cancel, path);
        pacer.yielded();
      }
    }
    if (late) return undefined;
    // the last point to stop: what follows (seal, fdatasync, rename) completes the file
    checkCancel(opts.cancel, path);
    out.writeString("/");
    seal();
    const digest = src.digest();
    if (digest) {
      out.writeLong(digest.zxid);
      out.writeInt(digest.digestVersion);
      out.writeLong(digest.digest);
      seal();
    }
    await flush();
    await file.datasync();
    closed = true;
    await file.close();
    await storage.rename(tmp, path);
    await storage.syncDir(dir);
    complete = true;
    return { path, bytes: pos, sessions: sessions.length, acls: acls.length, nodes };
  } finally {
    if (!complete) {
      if (!closed) await file.close().catch(() => {});
      await storage.remove(tmp).catch(() => {});
    }
  }
}
