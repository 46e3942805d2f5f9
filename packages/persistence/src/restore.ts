/**
 * Snapshot -> tree: the one place snapshot nodes and ACLs are put into a tree (ZooKeeper's FileSnap.deserialize
 * into DataTree.deserialize). Start-up recovery, an ensemble member's snapshot sync, the read-only copy of a
 * tree and the ZooKeeper data-dir import all load through it.
 */
import type { ACL, StatPersisted } from "@zkts/jute";
import { SnapshotCorruptionError } from "./errors.js";
import { listSnapshots, readSnapshot, readSnapshotRecords, type SnapshotFile } from "./snapshot.js";
import type { Storage } from "./storage.js";
import type { ZkZxidDigest } from "./zk-snapshot-stream.js";

/** A streamed restore into a tree (@zkts/datatree's TreeRestorer, from DataTree.beginRestore). */
export interface TreeRestoreSink {
  /** ACL cache entries (before or after the nodes that use them). */
  acls(entries: Iterable<readonly [number, readonly ACL[]]>): void;
  /** One node, parents first; the tree keeps `stat` as it is and copies `data`. */
  node(path: string, data: Buffer | null, acl: number, stat: StatPersisted): void;
  /** Optional: `node` with the data as the bytes `src[start, end)` (start -1: none), copied before it returns. */
  nodeBytes?(path: string, src: Buffer, start: number, end: number, acl: number, stat: StatPersisted): void;
  /** `digestSum`: with `deferDigest`, the sum of the nodes' digests (undefined: the tree sums them itself). */
  finish(lastZxid: bigint, digestSum?: bigint): void;
  /** The snapshot was damaged: leave the tree as a new one. */
  abort(): void;
}

/** The tree side of a snapshot load (@zkts/datatree's DataTree.restore, and beginRestore when it has it). */
export interface RestorableTree {
  restore(
    aclEntries: Iterable<readonly [number, readonly ACL[]]>,
    nodes: Iterable<{ path: string; data: Buffer | null; acl: number; stat: StatPersisted }>,
    lastZxid: bigint,
  ): void;
  /** Streamed restore (empties the tree now): used when the tree has it, so no list of the nodes is held. */
  beginRestore?(opts?: { deferDigest?: boolean }): TreeRestoreSink;
}

/**
 * Sums the node digests of the zkts snapshot at a path elsewhere (another thread: snapshotDigestOffThread), while
 * the tree is built without them; undefined: no sum (the tree computes it). Never rejects.
 */
export type SnapshotDigester = (path: string) => Promise<bigint | undefined>;

/** A node as a snapshot holds it (ours or ZooKeeper's). */
export interface RestoreNode {
  path: string;
  data: Uint8Array | null;
  aclRef: bigint;
  stat: StatPersisted;
}

/**
 * Replaces the tree's contents with a snapshot's ACL table and nodes (parents before children) at `zxid`.
 * Node data is copied out of the snapshot's read buffers.
 */
export function restoreTree(
  tree: RestorableTree,
  acls: Iterable<{ ref: bigint; acl: readonly ACL[] }>,
  nodes: readonly RestoreNode[],
  zxid: bigint,
): void {
  const aclEntries: Array<readonly [number, readonly ACL[]]> = [];
  for (const a of acls) aclEntries.push([Number(a.ref), a.acl]);
  tree.restore(
    aclEntries,
    nodes.map((n) => ({ path: n.path, data: n.data === null ? null : Buffer.from(n.data), acl: Number(n.aclRef), stat: n.stat })),
    zxid,
  );
}

export interface SnapshotLoad {
  /** Session id -> timeout, as the snapshot lists them. */
  sessions: Map<bigint, number>;
  nodes: number;
  /** A ZooKeeper snapshot's ZxidDigest (null: none in the file). */
  digest: ZkZxidDigest | null;
  /** The nodes' digests were summed on another thread (the `digester`), not while the tree was built. */
  digestsElsewhere?: boolean;
}

/** Read size of a streamed snapshot load. */
const RESTORE_READ_SIZE = 1024 * 1024;

const asBuffer = (u: Uint8Array | null): Buffer | null =>
  u === null || Buffer.isBuffer(u) ? (u as Buffer | null) : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/**
 * Reads the snapshot at `path` (zkts's or ZooKeeper's format: readSnapshotRecords tells them apart) into `tree`;
 * returns its sessions. With a tree that has `beginRestore`, the snapshot is streamed into it as it is read
 * and checked: nodes go into the tree chunk by chunk, with their data as views of the read buffers that the
 * tree copies once, and no list of the nodes is held; when the file turns out damaged (its checksum is checked
 * at the end) the tree is left as a new one and the SnapshotCorruptionError thrown. `checkZxid`: the zxid the
 * header must hold (the file name's), else SnapshotCorruptionError.
 */
export async function loadSnapshot(
  storage: Storage,
  path: string,
  tree: RestorableTree,
  zxid: bigint,
  opts: { checkZxid?: bigint; digester?: SnapshotDigester | undefined } = {},
): Promise<SnapshotLoad> {
  const checkHeader = (h: bigint) => {
    if (opts.checkZxid !== undefined && h !== opts.checkZxid) {
      throw new SnapshotCorruptionError(path, 0, `header zxid 0x${h.toString(16)} does not match the file name`);
    }
  };
  if (tree.beginRestore === undefined) {
    const snap = await readSnapshot(storage, path);
    checkHeader(snap.header.zxid);
    tree.restore(
      snap.acls.map((a) => [Number(a.ref), a.acl] as const),
      snap.nodes.map((n) => ({ path: n.path, data: asBuffer(n.data), acl: Number(n.aclRef), stat: n.stat })),
      zxid,
    );
    return { sessions: new Map(snap.sessions.map((s) => [s.id, s.timeout])), nodes: snap.nodes.length, digest: snap.digest };
  }
  // the node digests summed on another thread meanwhile, when given one (the tree then computes none while built)
  const offThread = opts.digester?.(path);
  const sink = offThread === undefined ? tree.beginRestore() : tree.beginRestore({ deferDigest: true });
  const sessions = new Map<bigint, number>();
  let nodes = 0;
  let digest: ZkZxidDigest | null = null;
  let digestSum: bigint | undefined;
  try {
    // a zkts snapshot's rows go straight into the tree as they are decoded (no node records in between)
    const nodeSink = (path: string, data: Buffer | null, acl: number, stat: StatPersisted) => {
      sink.node(path, data, acl, stat);
      nodes++;
    };
    // with a tree that takes the data as a range of the read buffer, no view of it is made per node
    const nodeBytes = sink.nodeBytes?.bind(sink);
    const nodeBytesSink =
      nodeBytes === undefined
        ? undefined
        : (path: string, src: Buffer, start: number, end: number, acl: number, stat: StatPersisted) => {
            nodeBytes(path, src, start, end, acl, stat);
            nodes++;
          };
    // 1 MiB reads (not the reader's 128 KiB): fewer reads and window joins (each read decoded in about 10 ms)
    const readOpts = { dataViews: true, nodeSink, nodeBytesSink, chunkSize: RESTORE_READ_SIZE };
    for await (const r of readSnapshotRecords(storage, path, readOpts)) {
      switch (r.type) {
        case "header":
          checkHeader(r.header.zxid);
          break;
        case "sessions":
          for (const x of r.sessions) sessions.set(x.id, x.timeout);
          break;
        case "acls":
          sink.acls(r.acls.map((a) => [Number(a.ref), a.acl] as const));
          break;
        case "nodes":
          // the reader's stats are fresh objects: the tree keeps them
          for (const n of r.nodes) sink.node(n.path, asBuffer(n.data), Number(n.aclRef), n.stat);
          nodes += r.nodes.length;
          break;
        case "digest":
          digest = r.digest;
          break;
      }
    }
    digestSum = offThread === undefined ? undefined : await offThread;
    sink.finish(zxid, digestSum);
  } catch (e) {
    sink.abort();
    throw e;
  }
  return { sessions, nodes, digest, digestsElsewhere: digestSum !== undefined };
}

export interface LoadedNewest {
  /** The snapshot loaded (undefined: none was valid, or there is none; the tree is as new). */
  snapshot: (SnapshotFile & { load: SnapshotLoad }) | undefined;
  /** Newer snapshots that turned out damaged while loading, with why. */
  rejected: Array<{ path: string; error: SnapshotCorruptionError }>;
}

/**
 * Loads the newest snapshot of `dataDir` that reads back whole into `tree`, falling back to older ones (as
 * ZooKeeper's FileSnap.deserialize over findNValidSnapshots), in one pass over each file: it is checked while
 * it is loaded (loadSnapshot), not read once to verify and again to load. Storage errors and
 * UnsupportedSnapshotError propagate.
 */
export async function loadNewestValidSnapshot(
  storage: Storage,
  dataDir: string,
  tree: RestorableTree,
  opts: { digester?: SnapshotDigester | undefined } = {},
): Promise<LoadedNewest> {
  const rejected: LoadedNewest["rejected"] = [];
  for (const f of await listSnapshots(storage, dataDir)) {
    try {
      const load = await loadSnapshot(storage, f.path, tree, f.zxid, { checkZxid: f.zxid, digester: opts.digester });
      return { snapshot: { ...f, load }, rejected };
    } catch (e) {
      if (!(e instanceof SnapshotCorruptionError)) throw e;
      rejected.push({ path: f.path, error: e });
    }
  }
  return { snapshot: undefined, rejected };
}
