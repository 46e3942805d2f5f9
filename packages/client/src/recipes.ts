/**
 * The helpers everybody writes on top of the operations (Curator's and ZKUtil's): create with missing ancestors,
 * delete a subtree, read all children with their data. The client's `mkdirp`, `deleteRecursive` and
 * `getChildrenWithData` methods run these.
 */
import { ErrorCode, KeeperError } from "@zkts/client-wire";
import { joinPath, parentPath, validatePath } from "./connect-string.js";
import type { ZooKeeperClient } from "./client.js";
import type { CallOptions, ChildWithData, CreateOptions, Data } from "./types.js";

/** Creates a node and any missing ancestors (persistent, open ACL unless given); existing nodes are fine. */
export async function mkdirp(client: ZooKeeperClient, path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
  validatePath(path);
  if (path === "/") return path;
  try {
    await client.create(path, data, options);
  } catch (e) {
    if (!(e instanceof KeeperError)) throw e;
    if (e.code === ErrorCode.NODEEXISTS) return path;
    if (e.code !== ErrorCode.NONODE) throw e;
    await client.mkdirp(parentPath(path), undefined, { ...options, mode: "persistent", ttl: undefined });
    try {
      await client.create(path, data, options);
    } catch (e2) {
      if (!(e2 instanceof KeeperError && e2.code === ErrorCode.NODEEXISTS)) throw e2;
    }
  }
  return path;
}

/** Deletes a node and all its descendants (children first, pipelined). A missing node is not an error. */
export async function deleteRecursive(client: ZooKeeperClient, path: string, options: CallOptions = {}): Promise<void> {
  validatePath(path);
  for (let attempt = 0; ; attempt++) {
    let children: string[];
    try {
      children = await client.getChildren(path, options);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
      throw e;
    }
    await Promise.all(children.map((c) => client.deleteRecursive(joinPath(path, c), options)));
    if (path === "/") return;
    try {
      await client.delete(path, options);
      return;
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
      // A child appeared meanwhile: go again.
      if (e instanceof KeeperError && e.code === ErrorCode.NOTEMPTY && attempt < 10) continue;
      throw e;
    }
  }
}

/** Children of a node with their data and stats (pipelined); children deleted meanwhile are left out. */
export async function getChildrenWithData(client: ZooKeeperClient, path: string, options: CallOptions = {}): Promise<ChildWithData[]> {
  const names = await client.getChildren(path, options);
  names.sort();
  const got = await Promise.all(
    names.map(async (name) => {
      const p = joinPath(path, name);
      try {
        const { data, stat } = await client.getData(p, options);
        return { name, path: p, data, stat };
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return null;
        throw e;
      }
    }),
  );
  return got.filter((x): x is ChildWithData => x !== null);
}
