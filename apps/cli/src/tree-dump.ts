/**
 * `export <path> <file>` / `import <file> <path>`: a subtree (data, ACLs, stats, create modes) in the msgpack
 * tree-dump format of @zkts/persistence's snapshot writer: header, ACL table, nodes in depth-first pre-order
 * (sorted children) with their original absolute paths, footer, SHA-256 seal. The first node is the exported
 * root. No sessions are written.
 */
import { mkdtemp, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ErrorCode, Ids, KeeperError, type ACL, type CreateModeName, type Stat, type ZooKeeperClient } from "@zkts/client";
import { ephemeralKind, ownerAsLong, ttlOf } from "@zkts/client-wire";
import { NodeStorage, readSnapshotRecords, writeSnapshot, type SnapshotAcl, type SnapshotNode } from "@zkts/persistence";

export type NodeKind = "persistent" | "ephemeral" | "container" | "ttl";

/**
 * The create mode an ephemeralOwner stands for, and the TTL of TTL nodes (EphemeralType, decoded by
 * @zkts/client-wire; the owner may be given signed or as its unsigned 64-bit value).
 */
export function kindOf(ephemeralOwner: bigint): { kind: NodeKind; ttl?: bigint } {
  const owner = ownerAsLong(ephemeralOwner);
  switch (ephemeralKind(owner)) {
    case "void":
      return { kind: "persistent" };
    case "container":
      return { kind: "container" };
    case "ttl":
      return { kind: "ttl", ttl: ttlOf(owner) };
    default:
      return { kind: "ephemeral" };
  }
}

const childPath = (parent: string, name: string) => (parent === "/" ? `/${name}` : `${parent}/${name}`);
const underZookeeper = (p: string) => p === "/zookeeper" || p.startsWith("/zookeeper/");

export interface ExportResult {
  path: string;
  file: string;
  nodes: number;
  acls: number;
}

/**
 * Writes the subtree at `root` to `file`. The /zookeeper system subtree is left out unless `root` is inside it.
 */
export async function exportTree(client: ZooKeeperClient, root: string, file: string): Promise<ExportResult> {
  const aclRefs = new Map<string, bigint>();
  const acls: SnapshotAcl[] = [];
  const nodes: SnapshotNode[] = [];
  const skipSystem = !underZookeeper(root);
  const visit = async (path: string): Promise<void> => {
    let got: { data: Buffer | null; stat: Stat };
    let acl: ACL[];
    try {
      [got, { acl }] = await Promise.all([client.getData(path), client.getACL(path)]);
    } catch (e) {
      // A child deleted while we walk is simply not exported; the root must exist.
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE && path !== root) return;
      throw e;
    }
    const key = JSON.stringify(acl.map((a) => [a.perms, a.id.scheme, a.id.id]));
    let ref = aclRefs.get(key);
    if (ref === undefined) {
      ref = BigInt(aclRefs.size + 1);
      aclRefs.set(key, ref);
      acls.push({ ref, acl });
    }
    const s = got.stat;
    nodes.push({
      path,
      data: got.data,
      aclRef: ref,
      stat: {
        czxid: s.czxid,
        mzxid: s.mzxid,
        ctime: s.ctime,
        mtime: s.mtime,
        version: s.version,
        cversion: s.cversion,
        aversion: s.aversion,
        ephemeralOwner: s.ephemeralOwner,
        pzxid: s.pzxid,
      },
    });
    let children: string[];
    try {
      children = await client.getChildren(path);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
      throw e;
    }
    children.sort();
    for (const c of children) {
      const p = childPath(path, c);
      if (skipSystem && underZookeeper(p)) continue;
      await visit(p);
    }
  };
  await visit(root);

  // writeSnapshot writes <dir>/version-2/snapshot.<zxid> durably; write it next to the target, then move it.
  const target = resolve(file);
  const tmpDir = await mkdtemp(join(dirname(target), ".zkcli-export-"));
  try {
    const maxZxid = nodes.reduce((m, n) => (n.stat.mzxid > m ? n.stat.mzxid : m), 0n);
    const info = await writeSnapshot(new NodeStorage(), tmpDir, {
      header: { zxid: maxZxid, time: BigInt(Date.now()) },
      sessions: [],
      acls,
      nodes,
    });
    await rename(info.path, target);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  return { path: root, file, nodes: nodes.length, acls: acls.length };
}

export interface DumpContents {
  root: string;
  nodes: Array<{ path: string; data: Buffer | null; acl: ACL[]; stat: SnapshotNode["stat"] }>;
}

/** Reads a dump completely (its seal is checked before anything is returned). */
export async function readDump(file: string): Promise<DumpContents> {
  const aclTable = new Map<bigint, ACL[]>();
  const raw: SnapshotNode[] = [];
  for await (const rec of readSnapshotRecords(new NodeStorage(), resolve(file))) {
    if (rec.type === "acls") for (const a of rec.acls) aclTable.set(a.ref, a.acl);
    else if (rec.type === "nodes") raw.push(...rec.nodes);
  }
  if (raw.length === 0) throw new Error(`${file}: the dump holds no nodes`);
  return {
    root: raw[0]!.path,
    nodes: raw.map((n) => {
      const acl = aclTable.get(n.aclRef);
      if (!acl) throw new Error(`${file}: node ${n.path} refers to unknown ACL ${n.aclRef}`);
      return { path: n.path, data: n.data === null ? null : Buffer.from(n.data), acl, stat: n.stat };
    }),
  };
}

export interface ImportResult {
  file: string;
  path: string;
  created: number;
  updated: number;
  /** Ephemeral nodes of the dump (they belonged to a session) are not recreated. */
  skipped: string[];
}

/**
 * Recreates a dump under `target` (the dump's root becomes `target`): persistent, container and TTL nodes with
 * their data and ACLs, parents first. Existing nodes get the dump's data and ACL. Missing ancestors of `target`
 * are created. Ephemeral nodes and their descendants are skipped.
 */
export async function importTree(client: ZooKeeperClient, file: string, target: string): Promise<ImportResult> {
  const dump = await readDump(file);
  const mapPath = (p: string) => {
    const rel = dump.root === "/" ? (p === "/" ? "" : p) : p.slice(dump.root.length);
    if (target === "/") return rel === "" ? "/" : rel;
    return target + rel;
  };
  const result: ImportResult = { file, path: target, created: 0, updated: 0, skipped: [] };
  if (target !== "/") {
    const parent = target.slice(0, target.lastIndexOf("/")) || "/";
    if (parent !== "/") await client.mkdirp(parent);
  }
  const skippedPrefixes: string[] = [];
  for (const n of dump.nodes) {
    const path = mapPath(n.path);
    if (skippedPrefixes.some((s) => path.startsWith(s + "/"))) {
      result.skipped.push(path);
      continue;
    }
    const { kind, ttl } = kindOf(n.stat.ephemeralOwner);
    if (kind === "ephemeral") {
      result.skipped.push(path);
      skippedPrefixes.push(path);
      continue;
    }
    const mode: CreateModeName = kind === "container" ? "container" : kind === "ttl" ? "persistentWithTTL" : "persistent";
    try {
      if (path === "/") throw new KeeperError(ErrorCode.NODEEXISTS, path);
      await client.create(path, n.data, { mode, acl: n.acl, ttl: kind === "ttl" ? ttl : undefined });
      result.created++;
    } catch (e) {
      if (!(e instanceof KeeperError && e.code === ErrorCode.NODEEXISTS)) throw e;
      try {
        await client.setData(path, n.data);
      } catch (e2) {
        // The node's ACL does not let us write (e.g. read+admin): open it for the write, the dump's ACL follows.
        if (!(e2 instanceof KeeperError && e2.code === ErrorCode.NOAUTH)) throw e2;
        await client.setACL(path, [...Ids.OPEN_ACL_UNSAFE]);
        await client.setData(path, n.data);
      }
      await client.setACL(path, n.acl);
      result.updated++;
    }
  }
  return result;
}
